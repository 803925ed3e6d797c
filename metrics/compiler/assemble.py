"""Join the units on the breakdown keys, compute derived metrics, add names, filter, order, limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from metrics.catalog.types import PERIOD_DAYS, TIME_DIMENSION, Catalog, Grain, Metric
from metrics.compiler.params import Params
from metrics.compiler.plan import Plan, Unit
from metrics.compiler.sqlparts import add_join, all_of, col, safe_divisions, table, template
from metrics.compiler.units import key_name, unit_select
from metrics.query import MetricQuery, TimeRange


@dataclass(frozen=True)
class OutputColumn:
    """A result column: what it holds (dimension key, a name of it, a metric value or change)."""

    name: str
    role: str  # dimension | label | metric | compare | change | change_pct
    ref: str  # the dimension or metric id


def additive(leaf: Metric) -> bool:
    """Missing rows mean zero for sums and counts (not for stock snapshots or averages)."""
    if leaf.kind in ("repeat", "trailing"):
        return True
    return leaf.kind == "aggregate" and isinstance(leaf.expr, exp.Sum | exp.Count)


def period_days(
    q: MetricQuery, time_range: TimeRange, dims: tuple[str, ...], grain: Grain, params: Params, source: str
) -> exp.Expr:
    if TIME_DIMENSION not in dims or grain == "day":
        return exp.Literal.number(1 if TIME_DIMENSION in dims else time_range.days)
    last = "__b + INTERVAL 6 DAY" if grain == "week" else "__b + INTERVAL 1 MONTH - INTERVAL 1 DAY"
    return template(
        f"DATE_DIFF('day', GREATEST(__b, __s), LEAST(CAST({last} AS DATE), __e)) + 1",
        __b=col(key_name(TIME_DIMENSION), source),
        __s=params.bind(time_range.start),
        __e=params.bind(time_range.end),
    )


def metric_expr(catalog: Catalog, metric: Metric, where: dict[str, str], days: Callable[[], exp.Expr]) -> exp.Expr:
    """A metric as an expression over the units' columns (`where` maps leaf id → unit name)."""
    if metric.kind != "derived":
        ref: exp.Expr = col(metric.id, where[metric.id])
        return exp.Coalesce(this=ref, expressions=[exp.Literal.number(0)]) if additive(metric) else ref
    assert metric.expr is not None

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table:
            if node.name == PERIOD_DAYS:
                return days()
            return exp.Paren(this=metric_expr(catalog, catalog.metrics[node.name], where, days))
        return node

    return safe_divisions(metric.expr.copy().transform(swap))


def core(
    catalog: Catalog, p: Plan, time_range: TimeRange, params: Params, prefix: str, ctes: list[tuple[str, exp.Select]]
) -> exp.Select:
    """SELECT k_<dim>…, <metric>… over the period, with each unit added to `ctes`."""
    q, dims = p.query, p.dimensions
    names = []
    for unit in p.units:
        name = f"{prefix}{unit.name}"
        ctes.append((name, unit_select(unit, dims, q.grain, p.filters, time_range, params)))
        names.append(name)
    where = {leaf.id: n for unit, n in zip(p.units, names, strict=True) for leaf in unit.leaves}
    source, select = _join_units(p.units, names, dims, prefix, ctes)
    made: list[exp.Expr] = []

    def days() -> exp.Expr:  # bound only when a metric uses period_days
        if not made:
            made.append(period_days(q, time_range, dims, q.grain, params, source))
        return made[0].copy()

    keys = [col(key_name(d), source).as_(key_name(d), copy=False) for d in dims]
    values = [metric_expr(catalog, m, where, days).as_(m.id, copy=False) for m in p.metrics]
    return select.select(*keys, *values, copy=False)


def _join_units(
    units: tuple[Unit, ...], names: list[str], dims: tuple[str, ...], prefix: str, ctes: list[tuple[str, exp.Select]]
) -> tuple[str, exp.Select]:
    if len(names) == 1:
        return names[0], exp.select().from_(table(names[0]), copy=False)
    if not dims:
        select = exp.select().from_(table(names[0]), copy=False)
        for n in names[1:]:
            add_join(select, table(n), kind="CROSS")
        return names[0], select
    spine = f"{prefix}spine"
    parts = [exp.select(*[col(key_name(d)) for d in dims], copy=False).from_(table(n), copy=False) for n in names]
    union: exp.Query = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=True)
    ctes.append((spine, union))  # type: ignore[arg-type]
    select = exp.select().from_(table(spine), copy=False)
    for n in names:
        on = all_of([exp.NullSafeEQ(this=col(key_name(d), spine), expression=col(key_name(d), n)) for d in dims])
        add_join(select, table(n), on, "LEFT")
    return spine, select
