"""Calendar arithmetic and the atom type shared by the time-word rules."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from metrics.query import TimeRange

Kind = Literal["period", "day", "month", "weekday", "anchor"]
Unit = Literal["day", "week", "month", "quarter", "year", "weekend"]
DAY = dt.timedelta(days=1)
LATEST = 99  # offset meaning "the latest one that has started" (e.g. 周末 / the weekend)
# Read periods looking ahead (a forecast question): 本周 runs to Sunday, 12月 is the next December.
_AHEAD: ContextVar[bool] = ContextVar("ahead", default=False)


@contextmanager
def looking_ahead(ahead: bool = True) -> Iterator[None]:
    """Within the block, periods in progress are not cut at today, and a month, quarter or promotion
    without a year is the next one that has not ended (instead of the latest that has started)."""
    token = _AHEAD.set(ahead)
    try:
        yield
    finally:
        _AHEAD.reset(token)


@dataclass(frozen=True)
class Atom:
    """One time expression: its days and its names. `explicit` is False when the year (for days and
    months) or the week (for weekdays) was inferred, so a range's other end may fix it."""

    rng: TimeRange
    zh: str
    en: str
    kind: Kind = "period"
    explicit: bool = True
    rolling: tuple[int, str] | None = None  # 最近8周 / last 8 weeks: (8, "week"), read as whole buckets by week


Handler = Callable[[re.Match[str], dt.date], Atom | None]
Rule = tuple[re.Pattern[str], Handler]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def month_range(year: int, month: int) -> TimeRange:
    return TimeRange(dt.date(year, month, 1), month_end(year, month))


def quarter_range(year: int, quarter: int) -> TimeRange:
    return TimeRange(dt.date(year, 3 * quarter - 2, 1), month_end(year, 3 * quarter))


def half_range(year: int, half: int) -> TimeRange:
    return TimeRange(dt.date(year, 6 * half - 5, 1), month_end(year, 6 * half))


def year_range(year: int) -> TimeRange:
    return TimeRange(dt.date(year, 1, 1), dt.date(year, 12, 31))


def clip(rng: TimeRange, today: dt.date) -> TimeRange:
    """A period in progress ends today (there is no data after the as-of date), unless looking ahead."""
    if _AHEAD.get():
        return rng
    return TimeRange(rng.start, today) if rng.start <= today < rng.end else rng


def latest_started(today: dt.date, make: Callable[[int], TimeRange | None]) -> TimeRange | None:
    """The latest year's period that has started by `today` (months, quarters, days without a year);
    looking ahead, the first that has not ended."""
    if _AHEAD.get():
        return _next_open(today, make)
    for year in range(today.year, today.year - 9, -1):
        rng = make(year)
        if rng is not None and rng.start <= today:
            return rng
    return None


def latest_ended(today: dt.date, make: Callable[[int], TimeRange]) -> TimeRange:
    """The latest year's period that has ended by `today` (named promotions without a year);
    looking ahead, the first that has not ended."""
    if _AHEAD.get():
        return _next_open(today, make) or make(today.year + 1)
    rng = make(today.year)
    return rng if rng.end <= today else make(today.year - 1)


def _next_open(today: dt.date, make: Callable[[int], TimeRange | None]) -> TimeRange | None:
    for year in (today.year - 1, today.year, today.year + 1):
        rng = make(year)
        if rng is not None and rng.end > today:
            return rng
    return None


def relative_range(unit: Unit, offset: int, today: dt.date) -> TimeRange:
    """This (offset 0, to date), last (-1), the one before (-2) or next (+1) calendar day/week/…"""
    if unit == "day":
        day = today + dt.timedelta(days=offset)
        return TimeRange(day, day)
    if unit in ("week", "weekend"):
        return _week_like(unit, offset, today)
    if unit == "month":
        first = add_months(today.replace(day=1), offset)
        whole = month_range(first.year, first.month)
    elif unit == "quarter":
        years, q0 = divmod((today.month - 1) // 3 + offset, 4)
        whole = quarter_range(today.year + years, q0 + 1)
    else:
        whole = year_range(today.year + offset)
    return clip(whole, today)


def _week_like(unit: Unit, offset: int, today: dt.date) -> TimeRange:
    if unit == "weekend" and offset == LATEST:
        offset = 0 if today.weekday() >= 5 else -1
    monday = week_start(today) + dt.timedelta(weeks=offset)
    if unit == "weekend":
        return clip(TimeRange(monday + dt.timedelta(days=5), monday + dt.timedelta(days=6)), today)
    return clip(TimeRange(monday, monday + dt.timedelta(days=6)), today)


def rolling_range(unit: Unit, count: int, today: dt.date, *, future: bool = False) -> TimeRange:
    """`count` days/weeks/months/years ending today, or (future) starting tomorrow."""
    months = {"month": count, "quarter": 3 * count, "year": 12 * count}.get(unit)
    if future:
        end = add_months(today, months) if months else today + dt.timedelta(days=_days(unit, count))
        return TimeRange(today + DAY, end)
    start = add_months(today, -months) + DAY if months else today - dt.timedelta(days=_days(unit, count) - 1)
    return TimeRange(start, today)


def _days(unit: Unit, count: int) -> int:
    return 7 * count if unit == "week" else count


def full_range(unit: Unit, count: int, today: dt.date) -> TimeRange:
    """The `count` complete calendar weeks (or months) before the current one."""
    if unit == "week":
        monday = week_start(today)
        return TimeRange(monday - dt.timedelta(weeks=count), monday - DAY)
    first = today.replace(day=1)
    return TimeRange(add_months(first, -count), first - DAY)


def format_dates(rng: TimeRange, zh: bool) -> str:
    if rng.start == rng.end:
        return rng.start.isoformat()
    return f"{rng.start} {'至' if zh else '–'} {rng.end}"


def make_label(name: str, rng: TimeRange, zh: bool) -> str:
    dates = format_dates(rng, zh)
    if not name:
        return dates
    return f"{name}（{dates}）" if zh else f"{name} ({dates})"
