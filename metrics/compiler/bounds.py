"""The calendar a query may ask about, 1900 through 2199, and the numbers it may compare with (finite).

The years are far enough for any shop's history and any forecast, and far from the ends of Python's
and the engines' date types, so the day after the period, the period before it and the same period a
year earlier always exist."""

from __future__ import annotations

import datetime as dt
import math

from metrics.problems import user_error
from metrics.query import MetricQuery

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)


def check_period(q: MetricQuery) -> None:
    """Every day the query names is within the calendar; every number it compares with is finite."""
    for f in q.metric_filters:
        if not math.isfinite(f.value):
            raise user_error(
                "bad_number",
                f"{f.metric} {f.op} {f.value}: the number must be finite.",
                f"{f.metric} {f.op} {f.value}：数值必须是有限的数。",
            )
    ranges = [q.time_range] + ([q.compare_range] if q.compare == "other" and q.compare_range else [])
    for r in ranges:
        for day in (r.start, r.end):
            if not FIRST_DAY <= day <= LAST_DAY:
                raise user_error(
                    "bad_date",
                    f"{day.isoformat()} is outside the dates a query can cover "
                    f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}).",
                    f"{day.isoformat()} 超出了可查询的日期范围（{FIRST_DAY.isoformat()} 至 {LAST_DAY.isoformat()}）。",
                )
