"""Evidence: the recent daily trend of the entities that fire, in one query filtered to them."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from alerts.evaluate.hits import Hit, number
from alerts.evaluate.queries import Plan
from alerts.evaluate.source import Source, SourceFailed
from alerts.findings import entity_key
from metrics.catalog.types import TIME_DIMENSION
from metrics.problems import UserError
from metrics.query import DimensionFilter, MetricQuery, TimeRange

TREND_DAYS = 7
TREND_ENTITIES = 200  # the worst ones; a storm beyond that is one grouped ticket anyway
log = logging.getLogger("opsbot.alerts")

Trend = list[dict[str, Any]]


def trend_query(plan: Plan, hits: list[Hit]) -> MetricQuery | None:
    """The rule's metric by day over the last TREND_DAYS days, for the firing entities only (each
    scope dimension filtered to their values), or None when a trend means nothing here."""
    metric = plan.rule.metric
    if not hits or plan.forecast or TIME_DIMENSION not in plan.catalog.sliceable.get(metric, ()):
        return None
    chosen = hits[:TREND_ENTITIES]
    narrow = []
    for dim in plan.rule.scope.dimensions:
        values = sorted({h.row.entity[dim] for h in chosen if h.row.entity.get(dim)})
        if not values:
            return None
        narrow.append(DimensionFilter(dim, tuple(values)))
    return MetricQuery(
        metrics=(metric,),
        time_range=TimeRange.last_days(plan.as_of, TREND_DAYS),
        dimensions=(*plan.rule.scope.dimensions, TIME_DIMENSION),
        filters=plan.filters + tuple(narrow),
    )


def trends(plan: Plan, src: Source, hits: list[Hit]) -> dict[str, Trend]:
    """Entity key → [{date, value}, …] over the last TREND_DAYS days (a day without rows is 0 for
    sums and counts, empty otherwise). A failing trend query leaves the findings without one."""
    query = trend_query(plan, hits)
    if query is None:
        return {}
    try:
        rows = src.rows(query)
    except (SourceFailed, UserError) as e:
        log.warning("trend for rule %s failed: %s", plan.rule.id, e)
        return {}
    by_entity: dict[str, dict[dt.date, float | None]] = {}
    for r in rows:
        if r.day is not None:
            by_entity.setdefault(entity_key(r.entity), {})[r.day] = number(r.values.get(plan.rule.metric))
    fill = 0.0 if plan.additive else None
    days = [query.time_range.start + dt.timedelta(days=i) for i in range(query.time_range.days)]
    out = {}
    for h in hits[:TREND_ENTITIES]:
        key = entity_key(h.row.entity)
        seen = by_entity.get(key, {})
        out[key] = [{"date": d.isoformat(), "value": seen.get(d, fill)} for d in days]
    return out
