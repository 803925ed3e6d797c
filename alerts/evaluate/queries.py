"""The period a rule evaluates and the MetricQuery that evaluates all of its entities at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from alerts.rules.kinds import point_in_time, reads_forecast
from alerts.rules.model import Rule
from metrics.catalog.types import Catalog, Metric
from metrics.compiler.assemble import additive
from metrics.query import Comparison, DimensionFilter, MetricFilter, MetricQuery, OrderBy, TimeRange


@dataclass(frozen=True)
class Plan:
    """What evaluating one rule on one day needs: its metric, period and the scope as query parts."""

    rule: Rule
    catalog: Catalog
    as_of: dt.date
    period: TimeRange
    forecast: bool

    @property
    def metric(self) -> Metric:
        return self.catalog.metrics[self.rule.metric]

    @property
    def additive(self) -> bool:
        """A missing row means 0 (sums and counts), not "unknown" (ratios, stock)."""
        return additive(self.metric)

    @property
    def metrics(self) -> tuple[str, ...]:
        """The rule's metric, then the ones its scope filters on, then its evidence metrics."""
        having = (m for m, _, _ in self.rule.scope.having)
        return tuple(dict.fromkeys((self.rule.metric, *having, *self.rule.extra_metrics)))

    @property
    def filters(self) -> tuple[DimensionFilter, ...]:
        return tuple(DimensionFilter(dim, values) for dim, values in self.rule.scope.filters)

    @property
    def having(self) -> tuple[MetricFilter, ...]:
        return tuple(MetricFilter(m, op, value) for m, op, value in self.rule.scope.having)

    def query(
        self,
        breach: tuple[MetricFilter, ...] = (),
        *,
        compare: Comparison | None = None,
        order: OrderBy | None = None,
        having: bool = True,
    ) -> MetricQuery:
        """Every entity of the scope over the period; ``breach`` goes into the filters on the result."""
        return MetricQuery(
            metrics=self.metrics,
            time_range=self.period,
            dimensions=self.rule.scope.dimensions,
            filters=self.filters,
            metric_filters=(self.having if having else ()) + breach,
            compare=compare,
            order_by=(order,) if order is not None else (),
        )


def period_of(rule: Rule, catalog: Catalog, as_of: dt.date) -> TimeRange:
    """Forecast metrics: as_of+1 … as_of+ahead_days; point-in-time ones: the as-of day; flows: the
    window_days days ending on the as-of day."""
    if reads_forecast(catalog, rule.metric):
        return TimeRange(as_of + dt.timedelta(days=1), as_of + dt.timedelta(days=max(rule.scope.ahead_days, 1)))
    if point_in_time(catalog, rule.metric):
        return TimeRange(as_of, as_of)
    return TimeRange.last_days(as_of, rule.scope.window_days)


def plan_for(rule: Rule, catalog: Catalog, as_of: dt.date) -> Plan:
    return Plan(rule, catalog, as_of, period_of(rule, catalog, as_of), reads_forecast(catalog, rule.metric))
