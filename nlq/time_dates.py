"""Rules for calendar dates: 2026年10月/October, 11月11日/Nov 11, 2026-11-01, Q3/三季度, 上半年, 2025年, 双11/618."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from metrics.query import TimeRange
from nlq.time_calendar import (
    Atom,
    Rule,
    clip,
    half_range,
    latest_ended,
    latest_started,
    month_range,
    quarter_range,
    safe_date,
    year_range,
)
from nlq.time_text import (
    CN_DAY,
    CN_MONTH,
    DD,
    MM,
    MONTH_EN,
    MONTH_NAMES,
    MONTHS_EN,
    NB,
    NOT_UNIT,
    ORDINALS_EN,
    REL_YEARS,
    YEAR4,
    YEAR_PREFIX_EN,
    YEAR_PREFIX_ZH,
    YEAR_SUFFIX_EN,
    parse_int,
)


def _year(m: re.Match[str], today: dt.date) -> int | None:
    """The year named around the match (2025年, 去年, last year's, Oct 2026), if any."""
    gd = m.groupdict()
    for key in ("y", "y2"):
        if gd.get(key):
            return int(gd[key])
    for key in ("ry", "ry2"):
        if gd.get(key):
            return today.year + REL_YEARS[gd[key]]
    return None


def _resolve(m: re.Match[str], today: dt.date, make: Callable[[int], TimeRange | None]) -> TimeRange | None:
    """The named year's period, else the latest one that has started; in progress → ends today."""
    year = _year(m, today)
    rng = make(year) if year is not None else latest_started(today, make)
    return None if rng is None else clip(rng, today)


def _month_of(m: re.Match[str]) -> int | None:
    gd = m.groupdict()
    if gd.get("mn"):
        return MONTHS_EN[gd["mn"]]
    return parse_int(gd.get("m") or gd.get("mc") or "")


_MONTH_ZH = rf"(?:{NB}(?P<m>{MM})(?![0-9])|(?<![零一二三四五六七八九十])(?P<mc>{CN_MONTH}))\s*月份?(?!龄)"
_DAY_ZH = rf"(?:{NB}(?P<d>{DD})(?![0-9])|(?P<dc>{CN_DAY}))\s*[日号]"

_MONTH_RULES = (
    re.compile(YEAR_PREFIX_ZH + _MONTH_ZH),
    re.compile(YEAR_PREFIX_EN + MONTH_EN + YEAR_SUFFIX_EN),
    re.compile(rf"{NB}(?P<y>{YEAR4})[-/](?P<m>{MM})(?![0-9]|[-/.]\d)"),
)
_DAY_RULES = (
    re.compile(YEAR_PREFIX_ZH + _MONTH_ZH + r"\s*" + _DAY_ZH),
    re.compile(rf"{MONTH_EN}\s*(?P<d>{DD})(?:st|nd|rd|th)?(?![0-9a-z]){YEAR_SUFFIX_EN}"),
    re.compile(rf"(?<![a-z])(?:the\s+)?{NB}(?P<d>{DD})(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_EN}{YEAR_SUFFIX_EN}"),
    re.compile(rf"{NB}(?P<y>{YEAR4})(?P<s>[-/.])(?P<m>{MM})(?P=s)(?P<d>{DD})(?![0-9])"),
    re.compile(rf"{NB}(?P<m>{MM})/(?P<d>{DD})(?:/(?P<y2>{YEAR4}))?(?![0-9]|/\d|\s+of(?![a-z]))"),
)
# 11.1-11.11 / 10.1至10.7: dotted month.day only as both ends of a range (alone, 2.5 is a number).
_DOTTED_RANGE = re.compile(rf"{NB}(?P<m>{MM})\.(?P<d>{DD})\s*(?:-|~|到|至)\s*(?P<m2>{MM})\.(?P<d2>{DD}){NOT_UNIT}")
_MAY_CONTEXT = re.compile(r"(?:in|since|for|during|of|from|until|till|through|to|last|this|next|early|late|mid)\s+$")


def _month(m: re.Match[str], today: dt.date) -> Atom | None:
    month = _month_of(m)
    if month is None or not 1 <= month <= 12:
        return None
    if m.groupdict().get("mn") == "may" and not (_year(m, today) or _MAY_CONTEXT.search(m.string, 0, m.start())):
        return None  # the verb "may"
    rng = _resolve(m, today, lambda year: month_range(year, month))
    if rng is None:
        return None
    year = rng.start.year
    return Atom(rng, f"{year}年{month}月", f"{MONTH_NAMES[month]} {year}", kind="month",
                explicit=_year(m, today) is not None)  # fmt: skip


def _day(m: re.Match[str], today: dt.date) -> Atom | None:
    month, day = _month_of(m), parse_int(m.group("d") or m.groupdict().get("dc") or "")
    if month is None or day is None:
        return None
    rng = _resolve(m, today, lambda year: _one_day(year, month, day))
    if rng is None:
        return None
    date = rng.start
    return Atom(rng, f"{date.year}年{month}月{day}日", f"{MONTH_NAMES[month][:3]} {day}, {date.year}", kind="day",
                explicit=_year(m, today) is not None)  # fmt: skip


def _one_day(year: int, month: int, day: int) -> TimeRange | None:
    date = safe_date(year, month, day)
    return None if date is None else TimeRange(date, date)


def _dotted_range(m: re.Match[str], today: dt.date) -> Atom | None:
    month, day, month2, day2 = (int(m.group(key)) for key in ("m", "d", "m2", "d2"))

    def make(year: int) -> TimeRange | None:
        start = safe_date(year, month, day)
        end = safe_date(year + int((month2, day2) < (month, day)), month2, day2) if start else None
        return TimeRange(start, end) if start and end else None

    rng = latest_started(today, make)
    return None if rng is None else Atom(clip(rng, today), "", "")


_Q = "[一二三四1-4]"
_QUARTER_RULES = (
    re.compile(
        YEAR_PREFIX_ZH + rf"(?:第\s*(?P<q>{_Q})\s*季度?|(?<![上前])(?P<q2>{_Q})\s*季度"
        r"|(?<![a-z])q(?P<q3>[1-4])(?![0-9a-z])(?:\s*季度)?)"
    ),
    re.compile(
        YEAR_PREFIX_EN + r"(?:(?<![a-z])q(?P<q3>[1-4])(?![0-9a-z])"
        rf"|(?<![a-z])(?:the\s+)?(?P<ord>{'|'.join(ORDINALS_EN)})\s+quarter(?![a-z]))" + YEAR_SUFFIX_EN
    ),
)
_HALF_RULES = (
    re.compile(YEAR_PREFIX_ZH + r"(?P<h>上|下)半年"),
    re.compile(
        YEAR_PREFIX_EN + r"(?:(?<![a-z])(?P<h>h1|h2)(?![0-9a-z])|(?<![a-z])(?:the\s+)?(?P<h2>first|second)\s+half"
        r"(?:\s+of\s+the\s+year)?(?![a-z]))" + YEAR_SUFFIX_EN
    ),
)
# 前三季度 = the first three quarters of the year.
_FIRST_QUARTERS = re.compile(YEAR_PREFIX_ZH + r"前\s*(?P<q>[二三2-3])\s*个?\s*季度")


def _quarter(m: re.Match[str], today: dt.date) -> Atom | None:
    gd = m.groupdict()
    quarter = ORDINALS_EN[gd["ord"]] if gd.get("ord") else parse_int(gd.get("q") or gd.get("q2") or gd.get("q3") or "")
    if quarter is None or not 1 <= quarter <= 4:
        return None
    rng = _resolve(m, today, lambda year: quarter_range(year, quarter))
    if rng is None:
        return None
    return Atom(rng, f"{rng.start.year}年第{quarter}季度", f"Q{quarter} {rng.start.year}")


def _first_quarters(m: re.Match[str], today: dt.date) -> Atom | None:
    count = parse_int(m.group("q")) or 0
    rng = _resolve(m, today, lambda year: TimeRange(dt.date(year, 1, 1), quarter_range(year, count).end))
    if rng is None:
        return None
    return Atom(rng, f"{rng.start.year}年前{count}季度", f"Q1–Q{count} {rng.start.year}")


def _half(m: re.Match[str], today: dt.date) -> Atom | None:
    token = m.groupdict().get("h") or m.groupdict().get("h2") or ""
    half = 1 if token in ("上", "h1", "first") else 2
    rng = _resolve(m, today, lambda year: half_range(year, half))
    if rng is None:
        return None
    return Atom(rng, f"{rng.start.year}年{'上' if half == 1 else '下'}半年", f"H{half} {rng.start.year}")


_YEAR_RULES = (
    re.compile(rf"{NB}(?P<y>{YEAR4})\s*(?:年\s*(?:度)?(?:\s*(?:全年|整年))?|全年|整年)"),
    re.compile(
        rf"(?:(?<=in )|(?<=for )|(?<=during )|(?<=of )|(?<=year )|(?<=throughout )|(?<=fy)|(?<=since ))(?P<y>{YEAR4})"
        r"(?![0-9]|[-/.]\d|\s*(?:q[1-4]|h[12])(?![0-9a-z]))"
        rf"|(?<![a-z])(?:full[\s-]year|all\s+of|the\s+whole\s+of)\s+(?P<y2>{YEAR4})(?![0-9])"
    ),
)


def _whole_year(m: re.Match[str], today: dt.date) -> Atom | None:
    year = _year(m, today)
    if year is None:
        return None
    rng = clip(year_range(year), today)
    return Atom(rng, f"{year}年", str(year))


_PROMOS: dict[str, tuple[int, int, int, str, str]] = {
    "618": (6, 1, 18, "618", "618"),
    "11": (11, 1, 11, "双11", "Double 11"),
    "12": (12, 1, 12, "双12", "Double 12"),
}
_PROMO_NUMERIC = rf"{NB}(?P<pn>618|6\.18|11\.11|12\.12)(?![0-9]){NOT_UNIT}"
_PROMO_RULES = (
    re.compile(
        YEAR_PREFIX_ZH + rf"(?:双\s*(?P<pz>11|十一|12|十二)(?![0-9])|(?P<p6>六一八)|{_PROMO_NUMERIC})"
        r"(?:\s*(?:大促|促销|活动))?(?:\s*期间)?"
    ),
    re.compile(
        YEAR_PREFIX_EN + rf"(?:(?<![a-z])(?:the\s+)?(?:double\s*-?\s*(?P<pe>11|eleven|12|twelve)(?![0-9a-z])"
        rf"|(?P<ps>singles'?\s*day))|双\s*(?P<pd>11|十一|12|十二)(?![0-9])|{_PROMO_NUMERIC})"
        r"(?:\s+(?:sale|sales\s+event|festival|shopping\s+festival|promo|promotion|event))?" + YEAR_SUFFIX_EN
    ),
)


def _promo_key(m: re.Match[str]) -> str:
    gd = m.groupdict()
    token = "".join(gd.get(k) or "" for k in ("pz", "p6", "pn", "pe", "ps", "pd"))  # pd: 双11 in an English sentence
    if token in ("六一八", "6.18", "618"):
        return "618"
    return "11" if token in ("11", "十一", "11.11", "eleven") or token.startswith("singles") else "12"


def _promo(m: re.Match[str], today: dt.date) -> Atom | None:
    month, first, last, zh, en = _PROMOS[_promo_key(m)]

    def make(year: int) -> TimeRange:
        return TimeRange(dt.date(year, month, first), dt.date(year, month, last))

    year = _year(m, today)
    rng = clip(make(year) if year is not None else latest_ended(today, make), today)
    return Atom(rng, f"{rng.start.year}年{zh}", f"{en} {rng.start.year}")


DATE_RULES: tuple[Rule, ...] = (
    *((pattern, _month) for pattern in _MONTH_RULES),
    *((pattern, _day) for pattern in _DAY_RULES),
    (_DOTTED_RANGE, _dotted_range),
    *((pattern, _quarter) for pattern in _QUARTER_RULES),
    (_FIRST_QUARTERS, _first_quarters),
    *((pattern, _half) for pattern in _HALF_RULES),
    *((pattern, _whole_year) for pattern in _YEAR_RULES),
    *((pattern, _promo) for pattern in _PROMO_RULES),
)
