"""Threshold, graded, forecast and change conditions: the breach test is part of the one query
(MetricQuery.metric_filters → the WHERE of the outermost SELECT), so only breaching entities come back."""

from __future__ import annotations

import operator
from collections.abc import Callable

from alerts.evaluate.hits import Hit, base_evidence, number, require_rows
from alerts.evaluate.queries import Plan
from alerts.evaluate.source import Source
from alerts.evaluate.text import baseline_name, change_text, json_value, limit_text, value_text
from alerts.rules.model import Change, Forecast, Graded, Op, Threshold
from metrics.query import COMPARE_SUFFIX, MetricFilter, OrderBy

TESTS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _worse(op: Op, value: float | None, limit: float) -> float:
    """How far past the limit, in the direction that matters (for ordering)."""
    if value is None:
        return 0.0
    return value - limit if op in (">", ">=") else limit - value


def threshold(plan: Plan, src: Source, c: Threshold | Forecast) -> list[Hit]:
    metric = plan.rule.metric
    breach = (MetricFilter(metric, c.op, c.limit),)
    order = OrderBy(metric, descending=c.op in (">", ">="))
    rows = src.rows(plan.query(breach, order=order))
    if not rows:
        require_rows(plan, src, plan.query(having=False))
    hits = []
    for row in rows:
        evidence = base_evidence(plan, row) | {"limit": c.limit, "op": c.op}
        value = number(row.values.get(metric))
        text = limit_text(c.op, c.limit, plan.metric)
        hits.append(Hit(row, c.severity, text, evidence, _worse(c.op, value, c.limit)))
    return hits


def graded(plan: Plan, src: Source, c: Graded) -> list[Hit]:
    """The least strict level filters in SQL; each entity gets the highest level its value reaches."""
    metric = plan.rule.metric
    first = c.levels[0][1]
    order = OrderBy(metric, descending=c.op in (">", ">="))
    rows = src.rows(plan.query((MetricFilter(metric, c.op, first),), order=order))
    if not rows:
        require_rows(plan, src, plan.query(having=False))
    test = TESTS[c.op]
    hits = []
    for row in rows:
        value = number(row.values.get(metric))
        if value is None:
            continue
        reached = [(severity, limit) for severity, limit in c.levels if test(value, limit)]
        if not reached:
            continue
        severity, limit = reached[-1]
        evidence = base_evidence(plan, row) | {
            "op": c.op,
            "limit": limit,
            "levels": {s: v for s, v in c.levels},
            "level": severity,
        }
        hits.append(
            Hit(row, severity, limit_text(c.op, limit, plan.metric, severity), evidence, _worse(c.op, value, limit))
        )
    return hits


def change_breach(plan: Plan, c: Change) -> tuple[MetricFilter, ...]:
    """The change test as filters on the compared query's columns (a move either way stays in Python)."""
    m = plan.rule.metric
    suffix = COMPARE_SUFFIX[c.versus]
    filters = [MetricFilter(f"{m}_{suffix}", ">=", c.min_base)] if c.min_base > 0 else []
    if c.direction != "any":
        drop = c.direction == "drop"
        if c.percent is not None:
            size = c.percent / 100
            filters.append(MetricFilter(f"{m}_change_pct", "<" if drop else ">", -size if drop else size))
        elif c.absolute is not None:
            filters.append(MetricFilter(f"{m}_change", "<" if drop else ">", -c.absolute if drop else c.absolute))
    return tuple(filters)


def moved(c: Change, change: float | None, pct: float | None) -> bool:
    """The same test in Python (it also decides direction "any")."""
    amount = pct * 100 if c.percent is not None and pct is not None else change
    size = c.percent if c.percent is not None else c.absolute
    if amount is None or size is None:
        return False
    if c.direction == "drop":
        return amount < -size
    if c.direction == "rise":
        return amount > size
    return abs(amount) > size


def change(plan: Plan, src: Source, c: Change) -> list[Hit]:
    m = plan.rule.metric
    suffix = COMPARE_SUFFIX[c.versus]
    rows = src.rows(plan.query(change_breach(plan, c), compare=c.versus))
    if not rows:
        require_rows(plan, src, plan.query(compare=c.versus, having=False))
    shifted = plan.period.shifted(c.versus)
    hits = []
    for row in rows:
        base = number(row.values.get(f"{m}_{suffix}"))
        delta, pct = number(row.values.get(f"{m}_change")), number(row.values.get(f"{m}_change_pct"))
        if base is None or base < c.min_base or not moved(c, delta, pct):
            continue
        evidence = base_evidence(plan, row) | {
            "baseline": json_value(base),
            "baseline_text": value_text(base, plan.metric),
            "baseline_name": baseline_name(c, plan.rule.scope.window_days),
            "baseline_period": {"start": shifted.start.isoformat(), "end": shifted.end.isoformat()},
            "change": delta,
            "change_pct": pct,
        }
        rank = abs(pct if pct is not None else delta or 0.0)
        hits.append(Hit(row, c.severity, change_text(c, plan.metric, plan.rule.scope.window_days), evidence, rank))
    return hits
