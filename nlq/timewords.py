"""Time expressions in Chinese and English questions → an inclusive day range, comparison and grain.

`find_time("上周GMV环比", today)` → last Monday–Sunday, compare="previous". The rules live in
nlq/time_relative.py (今天, 上周, 最近7天, 未来3天, 周一 …), nlq/time_dates.py (10月, 11月11日, Q3, 2025年,
双11 …), nlq/time_markers.py (同比/环比, 每天/weekly, thresholds) and nlq/time_compose.py (ranges, since).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

from metrics.query import Comparison, TimeRange
from nlq.time_calendar import full_range, looking_ahead, make_label
from nlq.time_compose import Period, first_period
from nlq.time_markers import Grain, Span, find_compare, find_grain, find_not_time
from nlq.time_text import has_cjk, normalize

__all__ = ["TimeMatch", "find_time"]

_MASK = "\x00"  # hides consumed words from later rules; neither a letter, a digit nor a space


@dataclass(frozen=True)
class TimeMatch:
    """The period a question asks about, with how to compare and break it down."""

    time_range: TimeRange
    compare: Comparison | None
    grain: Literal["day", "week", "month"] | None
    spans: tuple[tuple[int, int], ...]  # character spans of the text consumed by time words
    label: str  # e.g. "上周（2026-11-09 至 2026-11-15）" / "last week (2026-11-09 – 2026-11-15)"
    explicit: bool  # False when no time word was found and the default was applied
    name: str = ""  # the period's name without its dates ("上周", "last week"), when it has one


def find_time(
    text: str, today: dt.date, *, lang: str | None = None, default: TimeRange | None = None, ahead: bool = False
) -> TimeMatch | None:
    """The first period named in `text` (`today` is the as-of date); a comparison or grain word anywhere
    sets `compare`/`grain`. Without a period: `default` with explicit=False, or None when there is none.
    `ahead` reads periods for a forecast: 本周 runs to Sunday, 12月 is the next December."""
    norm = normalize(text)
    not_time = find_not_time(norm)
    compare, compare_spans = find_compare(_mask(norm, not_time))
    grain, grain_spans = find_grain(_mask(norm, not_time + compare_spans))
    with looking_ahead(ahead):
        period = first_period(_mask(norm, not_time + compare_spans + grain_spans), today)
    zh = lang.lower().startswith("zh") if lang else has_cjk(text)
    spans = compare_spans + grain_spans
    if period is not None:
        period = whole_buckets(period, grain, today)
        label = make_label(period.zh if zh else period.en, period.rng, zh)
        name = period.zh if zh else period.en
        return TimeMatch(period.rng, compare, grain, _merge([*spans, period.span]), label, True, name)
    if default is None:
        return None
    return TimeMatch(default, compare, grain, _merge(spans), make_label("", default, zh), False)


def whole_buckets(period: Period, grain: Grain | None, today: dt.date) -> Period:
    """最近8周每周 / monthly for the past 6 months: a trailing period read by its own unit covers whole
    buckets — the complete weeks (months) before the current one, so no partial first bucket reads
    as a drop."""
    if period.rolling is None or grain is None or period.rolling[1] != grain or grain not in ("week", "month"):
        return period
    count, unit = period.rolling
    zh = f"最近{count}个完整{'周' if unit == 'week' else '月'}"
    en = f"last {count} full {unit}{'s' if count != 1 else ''}"
    return replace(period, rng=full_range(unit, count, today), zh=zh, en=en)


def _mask(text: str, spans: list[Span]) -> str:
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = _MASK * (end - start)
    return "".join(chars)


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
