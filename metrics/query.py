"""MetricQuery: what to compute, independent of SQL and of any dialect."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from metrics.catalog.types import Grain

Comparison = Literal["previous", "yoy", "week_ago", "other"]
# the result column of the comparison period is `<metric id>_<suffix>`
COMPARE_SUFFIX: dict[Comparison, str] = {
    "previous": "previous",
    "yoy": "last_year",
    "week_ago": "week_ago",
    "other": "other",
}
Operator = Literal[">", ">=", "<", "<=", "=", "!="]
DEFAULT_PERIOD_DAYS = 30  # a query that names no period covers the 30 days ending on the as-of day
OPERATORS: tuple[Operator, ...] = (">=", "<=", "!=", ">", "<", "=")


@dataclass(frozen=True)
class TimeRange:
    """An inclusive range of local calendar days."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"time range ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def last_days(cls, end: dt.date, days: int) -> TimeRange:
        """The `days` days ending on `end`, inclusive (最近N天 / a trailing window)."""
        return cls(end - dt.timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> TimeRange:
        """The immediately preceding period (环比): the calendar month (quarter, year) before a whole
        calendar month (quarter, year), otherwise the range of the same length just before."""
        months = self._whole_months()
        if months in (1, 3, 12):
            end = self.start - dt.timedelta(days=1)
            return TimeRange(_months_back(self.start, months), end)
        return TimeRange(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def _whole_months(self) -> int:
        """How many calendar months the range spans exactly (0 when it is not whole months)."""
        after = self.end + dt.timedelta(days=1)
        if self.start.day != 1 or after.day != 1:
            return 0
        return (after.year - self.start.year) * 12 + after.month - self.start.month

    def year_earlier(self) -> TimeRange:
        """The same dates a year earlier (同比); Feb 29 maps to Feb 28."""
        return TimeRange(_year_back(self.start), _year_back(self.end))

    def week_earlier(self) -> TimeRange:
        """The same days a week earlier (the same weekdays: 上周同期 / week over week)."""
        week = dt.timedelta(days=7)
        return TimeRange(self.start - week, self.end - week)

    def shifted(self, comparison: Comparison) -> TimeRange:
        """The comparison period; "other" names its own (MetricQuery.compare_range) and is never shifted."""
        if comparison == "other":
            raise ValueError("an 'other' comparison names its period in MetricQuery.compare_range")
        if comparison == "week_ago":
            return self.week_earlier()
        return self.previous() if comparison == "previous" else self.year_earlier()


def _months_back(first: dt.date, months: int) -> dt.date:
    """The first day of the month `months` before `first` (itself a first day)."""
    total = first.year * 12 + first.month - 1 - months
    return dt.date(total // 12, total % 12 + 1, 1)


def _year_back(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class DimensionFilter:
    """Keep rows whose dimension is one of `values` (canonical ids), or none of them if negated."""

    dimension: str
    values: tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True)
class MetricFilter:
    """Keep result rows whose metric value satisfies `op value` (e.g. days_of_cover < 7). In a query
    with `compare`, `metric` may also name a comparison column: the comparison period's value
    (`<id>_previous`, `<id>_last_year` or `<id>_week_ago`), `<id>_change` or `<id>_change_pct`."""

    metric: str
    op: Operator
    value: float


@dataclass(frozen=True)
class OrderBy:
    key: str
    descending: bool = True


@dataclass(frozen=True)
class MetricQuery:
    """A governed question: metrics, breakdown, filters, period, comparison, order and limit."""

    metrics: tuple[str, ...]
    time_range: TimeRange
    dimensions: tuple[str, ...] = ()
    grain: Grain = "day"
    filters: tuple[DimensionFilter, ...] = ()
    metric_filters: tuple[MetricFilter, ...] = ()
    compare: Comparison | None = None
    order_by: tuple[OrderBy, ...] = ()
    limit: int | None = None
    compare_range: TimeRange | None = None  # with compare="other": the second period, side by side
    complete: bool = False  # every value of the one breakdown, 0 where nothing happened (no refunds)

    def comparison_range(self) -> TimeRange | None:
        """The period the query is compared with, if any."""
        if self.compare == "other":
            return self.compare_range
        return self.time_range.shifted(self.compare) if self.compare else None


def filterable_columns(metric_ids: tuple[str, ...], compare: Comparison | None) -> dict[str, str]:
    """The result columns a MetricFilter may name, each mapped to its metric id."""
    out = {m: m for m in metric_ids}
    if compare is not None:
        for m in metric_ids:
            for suffix in (COMPARE_SUFFIX[compare], "change", "change_pct"):
                out[f"{m}_{suffix}"] = m
    return out
