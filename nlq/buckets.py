"""Trend buckets that are not whole: a week or month of a trend that the period covers only in part
(the current week so far) reads as a drop unless it is flagged — in the text and in JSON."""

from __future__ import annotations

import datetime as dt

from metrics.catalog.types import TIME_DIMENSION
from metrics.query import MetricQuery
from nlq.time_calendar import month_end, week_start


def _bucket(day: dt.date, grain: str) -> tuple[dt.date, dt.date]:
    if grain == "week":
        start = week_start(day)
        return start, start + dt.timedelta(days=6)
    return day.replace(day=1), month_end(day.year, day.month)


def partial_buckets(query: MetricQuery) -> tuple[str, ...]:
    """The keys (week start, or YYYY-MM) of the buckets the query's period covers only in part."""
    if TIME_DIMENSION not in query.dimensions or query.grain == "day":
        return ()
    rng, out = query.time_range, []
    for day in (rng.start, rng.end):
        start, end = _bucket(day, query.grain)
        if start < rng.start or end > rng.end:
            key = start.isoformat() if query.grain == "week" else start.strftime("%Y-%m")
            if key not in out:
                out.append(key)
    return tuple(out)


def partial_note(keys: tuple[str, ...], lang: str) -> tuple[str, ...]:
    if not keys:
        return ()
    listed = "、".join(keys) if lang == "zh" else ", ".join(keys)
    return (
        (f"注意：{listed} 不是完整周期（至今/部分），与其他周期不可直接比较。",)
        if lang == "zh"
        else (f"Note: {listed} is not a whole bucket (to date / partial); do not compare it with the others.",)
    )
