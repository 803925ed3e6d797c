"""Check a rule's parts against the catalog and each other (after each part was read on its own)."""

from __future__ import annotations

from dataclasses import dataclass

from alerts.rules.fields import Fields, hint
from alerts.rules.kinds import point_in_time, reads_forecast
from alerts.rules.model import Anomaly, Condition, Forecast, NoData, Scope
from metrics.catalog.types import TIME_DIMENSION, Catalog


@dataclass(frozen=True)
class Parts:
    """A rule's pieces as read, with the mappings they came from (for file:line)."""

    rule: Fields
    scope_node: Fields | None
    metric: str | None
    scope: Scope
    condition: Condition | None
    extra_metrics: tuple[str, ...]

    def scope_problem(self, key: str, message: str) -> None:
        if self.scope_node is not None and key in self.scope_node.node:
            self.scope_node.problem(key, message)
        else:
            self.rule.problem("scope" if "scope" in self.rule.node else "metric", message)


def check_metric_ids(p: Parts, catalog: Catalog) -> bool:
    """The rule's metric and its evidence metrics exist; True when the rule's metric does."""
    public = [m.id for m in catalog.public_metrics()]
    for mid in p.extra_metrics:
        if mid not in catalog.metrics:
            p.rule.problem("extra_metrics", f"extra_metrics: unknown metric {mid!r}{hint(mid, public)}")
    if p.metric is None:
        return False
    if p.metric not in catalog.metrics:
        p.rule.problem("metric", f"metric: unknown metric {p.metric!r}{hint(p.metric, public)}")
        return False
    return True


def check_rule(p: Parts, catalog: Catalog) -> None:
    if not check_metric_ids(p, catalog):
        return
    assert p.metric is not None
    others = [m for m, _, _ in p.scope.having] + [m for m in p.extra_metrics if m in catalog.metrics]
    for mid in dict.fromkeys([p.metric, *others]):
        check_slices(p, mid, catalog)
    check_period(p, others, catalog)
    check_condition(p, catalog)


def check_slices(p: Parts, mid: str, catalog: Catalog) -> None:
    allowed = catalog.sliceable.get(mid, frozenset())
    can = ", ".join(sorted(d for d in allowed if d != "date")) or "nothing"
    for dim in p.scope.dimensions:
        if dim not in allowed:
            p.scope_problem("dimensions", f"scope.dimensions: {mid} cannot be broken down by {dim} (only by {can})")
    for dim, _ in p.scope.filters:
        if dim not in allowed:
            p.scope_problem("filters", f"scope.filters: {mid} cannot be filtered by {dim} (only by {can})")


def check_period(p: Parts, others: list[str], catalog: Catalog) -> None:
    """Forecast metrics look ahead (ahead_days), point-in-time ones read the as-of day, flows a window."""
    assert p.metric is not None
    forecast = reads_forecast(catalog, p.metric)
    scope_keys = p.scope_node.node if p.scope_node is not None else {}
    if forecast and "window_days" in scope_keys:
        p.scope_problem("window_days", f"scope.window_days: {p.metric} is a forecast metric; use ahead_days")
    if not forecast and "ahead_days" in scope_keys:
        p.scope_problem("ahead_days", f"scope.ahead_days: only forecast metrics look ahead, and {p.metric} is not one")
    if forecast and not isinstance(p.condition, Forecast) and p.condition is not None:
        p.rule.problem("condition", f"condition: {p.metric} is a forecast metric; use condition type forecast")
    if point_in_time(catalog, p.metric) and p.scope.window_days != 1:
        p.scope_problem(
            "window_days",
            f"scope.window_days: {p.metric} is a point-in-time value (read on the as-of day); remove window_days",
        )
    for mid in dict.fromkeys(others):
        if reads_forecast(catalog, mid) != forecast:
            kind = "a forecast metric" if reads_forecast(catalog, mid) else "not a forecast metric"
            p.rule.problem(
                "extra_metrics" if mid in p.extra_metrics else "scope",
                f"{mid} is {kind} but {p.metric} is {'' if forecast else 'not '}one: "
                "a rule's metrics are computed over the same days",
            )


def check_condition(p: Parts, catalog: Catalog) -> None:
    assert p.metric is not None
    c = p.condition
    metric = catalog.metrics[p.metric]
    if isinstance(c, Forecast):
        if not reads_forecast(catalog, p.metric):
            forecasts = sorted(m.id for m in catalog.public_metrics() if reads_forecast(catalog, m.id))
            p.rule.problem(
                "condition",
                f"condition: type forecast needs a forecast metric ({', '.join(forecasts)}); {p.metric} is not one",
            )
        elif p.scope.ahead_days == 0:
            p.scope_problem(
                "ahead_days", "condition: type forecast needs scope.ahead_days (how many days to look ahead)"
            )
    if metric.unit == "date" and c is not None and not isinstance(c, NoData):
        p.rule.problem("metric", f"metric: {p.metric} is a date; it cannot be compared with a number")
    for mid, _, _ in p.scope.having:
        if catalog.metrics[mid].unit == "date":
            p.scope_problem("having", f"scope.having: {mid} is a date; it cannot be compared with a number")
    if isinstance(c, Anomaly) and p.scope.window_days != 1:
        p.scope_problem("window_days", "scope.window_days: an anomaly compares one day with the same weekday; use 1")
    if isinstance(c, Anomaly):
        others = [m for m, _, _ in p.scope.having] + [m for m in p.extra_metrics if m in catalog.metrics]
        for mid in dict.fromkeys([p.metric, *others]):
            if TIME_DIMENSION not in catalog.sliceable.get(mid, frozenset()):
                p.rule.problem("condition", f"condition: an anomaly reads {mid} day by day, and it has no daily values")
    if isinstance(c, NoData):
        if p.scope.having:
            p.scope_problem("having", "scope.having: no_data looks for entities without rows; having cannot apply")
        for dim in p.scope.dimensions:
            if not catalog.dimensions[dim].values:
                p.scope_problem(
                    "dimensions",
                    f"scope.dimensions: no_data must know the expected entities, and {dim} has no value "
                    "dictionary in the catalog (use a dimension with values, or none)",
                )
