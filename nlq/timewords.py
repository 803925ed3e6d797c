"""Time expressions in Chinese and English questions → an inclusive day range, comparison and grain.

`find_time("上周GMV环比", today)` → last Monday–Sunday, compare="previous". The rules live in
nlq/time_relative.py (今天, 上周, 最近7天, 未来3天, 周一 …), nlq/time_dates.py (10月, 11月11日, Q3, 2025年,
双11 …), nlq/time_markers.py (同比/环比, 每天/weekly, thresholds) and nlq/time_compose.py (ranges, since).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Literal, cast

from metrics.query import Comparison, TimeRange
from nlq.time_calendar import Unit, full_range, looking_ahead, make_label
from nlq.time_compose import Period, first_period
from nlq.time_markers import (
    COMPARE_TAIL,
    NOW_WORD,
    PERIOD_JOIN,
    Grain,
    Span,
    compare_phrases,
    find_compare,
    find_grain,
    find_not_time,
)
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
    other: TimeRange | None = None  # a second named period, side by side (compare="other")
    other_name: str = ""


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
    now: tuple[Period, list[Span]] | None = None
    second: tuple[Period, list[Span], Comparison] | None = None
    with looking_ahead(ahead):
        period = first_period(_mask(norm, not_time + compare_spans + grain_spans), today)
        second = _second(norm, period, not_time + grain_spans, today) if period is not None else None
        now = _now_first(norm, period, today) if period is not None and second is None else None
    zh = lang.lower().startswith("zh") if lang else has_cjk(text)
    if now is not None:  # 目前的库存和10月底相比: now, beside the period named
        other_name = make_label((period.zh if zh else period.en) if period else "", now[0].rng, zh)
        rng = TimeRange(today, today)
        label = make_label("现在" if zh else "now", rng, zh)
        used = _merge([*grain_spans, *now[1]])
        return TimeMatch(rng, "other", grain, used, label, True, "现在" if zh else "now", now[0].rng, other_name)
    spans = compare_spans + grain_spans
    if period is not None:
        period = whole_buckets(period, grain, today)
        label = make_label(period.zh if zh else period.en, period.rng, zh)
        name = period.zh if zh else period.en
        if second is not None:
            other, taken, relation = second
            both = _merge([*spans, *grain_spans, period.span, *taken])
            if relation != "other":  # like for like: the comparison is relative (环比 / 同比)
                return TimeMatch(period.rng, relation, grain, both, label, True, name)
            other_name = make_label(other.zh if zh else other.en, other.rng, zh)
            return TimeMatch(period.rng, "other", grain, both, label, True, name, other.rng, other_name)
        return TimeMatch(period.rng, compare, grain, _merge([*spans, period.span, *period.also]), label, True, name)
    with looking_ahead(ahead):
        named = _named_compare(norm, not_time + grain_spans, today)
    if named is not None:
        before, taken = named
        current = default or TimeRange(today, today)
        before_name = make_label(before.zh if zh else before.en, before.rng, zh)
        merged = _merge([*grain_spans, *taken])
        label = make_label("", current, zh)
        return TimeMatch(current, "other", grain, merged, label, False, "", before.rng, before_name)
    if default is None:
        return None
    return TimeMatch(default, compare, grain, _merge(spans), make_label("", default, zh), False)


def _second(
    text: str, first: Period, hidden: list[Span], today: dt.date
) -> tuple[Period, list[Span], Comparison] | None:
    """A second named period beside the first — 8月和9月, 昨天跟前天比, this week vs last week, 跟上月底比 —
    with the spans it takes (a comparison phrase naming it is taken whole) and how it relates: "other",
    or "previous" / "yoy" when it is the period just before (本周比上周: like for like, the same
    length) or a year before (今年双11比去年双11). 本周和上周分别 names both periods whole."""
    other = first_period(_mask(text, [*hidden, first.span]), today)
    if other is None or other.rng == first.rng:
        return None
    relation = _relation(first, other, text)
    phrases = compare_phrases(_mask(text, [*hidden, first.span]))
    inside = [(a, b) for a, b, kind in phrases if a <= other.span[0] and other.span[1] <= b]
    if inside:
        a, b = inside[0]
        if kind_at(phrases, a) == "week_ago":  # 跟上周同期比: the same days a week earlier, not the whole week
            return other, [(a, b), other.span], "week_ago"
        named = kind_at(phrases, a) == "previous" and not re.search(r"环比|同比|同期|over|on", text[a:b])
        return (other, [(a, b), other.span], relation) if named or relation != "other" else None
    lo, hi = sorted((first.span, other.span))
    join = PERIOD_JOIN.search(text, lo[1], hi[0])
    if relation != "other" and join is None:  # 今年双11比去年双11: 比去年 is the comparison phrase
        near = [(a, b) for a, b, _ in phrases if lo[1] <= a and b <= hi[0]]
        if near and all(not text[x].strip() or text[x] in "的#" for x in range(lo[1], hi[0]) if not _within(x, near)):
            return other, [other.span, *near], relation
        return None
    if join is None or join.start() != lo[1] or join.end() != hi[0]:
        return None
    return other, [other.span, join.span("c"), *_tail(text, hi[1])], relation


def _tail(text: str, at: int) -> list[Span]:
    """The words closing a comparison right after its second period (…比, 相比), if any."""
    tail = COMPARE_TAIL.match(text, at)
    return [tail.span()] if tail else []


def _within(x: int, spans: list[Span]) -> bool:
    return any(a <= x < b for a, b in spans)


def _relation(first: Period, other: Period, text: str) -> Comparison:
    """How a second period relates to the first: just before it (previous), a year before (yoy), or
    neither (other). Named both with 分别 / respectively, it is always the other period, whole."""
    if EACH_OF.search(text):
        return "other"
    if other.rng.end == first.rng.start - dt.timedelta(days=1):
        return "previous"
    return "yoy" if other.rng == first.rng.year_earlier() else "other"


def _now_first(text: str, period: Period, today: dt.date) -> tuple[Period, list[Span]] | None:
    """A now-word before a period joined to it (目前库存和10月底相比): the period is the other one."""
    now = None
    for m in NOW_WORD.finditer(text, 0, period.span[0]):
        now = m
    if now is None:
        return None
    join = PERIOD_JOIN.search(text, now.end(), period.span[0])
    if join is None or join.end() != period.span[0]:
        return None
    return period, [now.span(), period.span, join.span("c"), *_tail(text, period.span[1])]


def _named_compare(text: str, hidden: list[Span], today: dt.date) -> tuple[Period, list[Span]] | None:
    """现在的库存跟上月底比: no period of its own (now), compared with a named one."""
    phrases = compare_phrases(_mask(text, hidden))
    for a, b, kind in phrases:
        if kind != "previous" or re.search(r"环比|同比|同期", text[a:b]):
            continue
        other = first_period(_mask(text, [*hidden, (0, a)]), today)
        if other is not None:
            end = max(b, other.span[1])
            return other, [(a, end), *_tail(text, end)]
    return None


EACH_OF = re.compile(r"分别|各是|各自|各有|(?<![a-z])(?:respectively|each)(?![a-z])")


def kind_at(phrases: list[tuple[int, int, Comparison]], start: int) -> Comparison | None:
    return next((kind for a, _, kind in phrases if a == start), None)


def whole_buckets(period: Period, grain: Grain | None, today: dt.date) -> Period:
    """最近8周每周 / monthly for the past 6 months: a trailing period read by its own unit covers whole
    buckets — the complete weeks (months) before the current one, so no partial first bucket reads
    as a drop."""
    if period.rolling is None or grain is None or period.rolling[1] != grain or grain not in ("week", "month"):
        return period
    count, unit = period.rolling
    zh = f"最近{count}个完整{'周' if unit == 'week' else '月'}"
    en = f"last {count} full {unit}{'s' if count != 1 else ''}"
    return replace(period, rng=full_range(cast(Unit, unit), count, today), zh=zh, en=en)


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
