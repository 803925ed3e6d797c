"""Build one unit's SELECT: a model's rows in a period, filtered, grouped by the breakdown keys."""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from metrics.catalog.types import TIME_DIMENSION, Grain, Join, Model
from metrics.compiler.params import Params
from metrics.compiler.plan import Unit
from metrics.compiler.sqlparts import all_of, bucket, col, table, template
from metrics.query import DimensionFilter, TimeRange


def key_name(dim: str) -> str:
    return f"k_{dim}"


def time_filter(model: Model, time_range: TimeRange, params: Params) -> exp.Expr:
    column = model.time_column.copy()
    if model.time_type == "timestamp":
        start = dt.datetime.combine(time_range.start, dt.time())
        stop = dt.datetime.combine(time_range.end + dt.timedelta(days=1), dt.time())
        return exp.and_(
            exp.GTE(this=column, expression=params.bind(start)),
            exp.LT(this=column.copy(), expression=params.bind(stop)),
        )
    return exp.Between(this=column, low=params.bind(time_range.start), high=params.bind(time_range.end))


def dimension_expr(model: Model, dim: str, grain: Grain) -> exp.Expr:
    if dim == TIME_DIMENSION:
        return bucket(model.time_column, grain, model.time_type == "timestamp")
    return model.dimensions[dim].copy()


def filter_expr(model: Model, f: DimensionFilter, params: Params) -> exp.Expr:
    column = model.dimensions[f.dimension].copy()
    cond: exp.Expr = exp.In(this=column, expressions=[params.bind(v) for v in f.values])
    return exp.Not(this=cond) if f.negate else cond


def totals_condition(model: Model, dims: tuple[str, ...], filters: tuple[DimensionFilter, ...]) -> exp.Expr | None:
    """A model with total rows: the detail rows when the query splits or limits by a dimension the
    totals sum over (a role's row filters included), else only the total rows."""
    totals = model.totals
    if totals is None:
        return None
    detail = any(d in totals.dimensions for d in dims) or any(f.dimension in totals.dimensions for f in filters)
    is_null = exp.Is(this=totals.column.copy(), expression=exp.Null())
    return exp.Not(this=is_null) if detail else is_null


def needed_joins(model: Model, exprs: list[exp.Expr]) -> list[Join]:
    """The model's joins that the expressions reach, directly or through another join."""
    used = {c.table for e in exprs for c in e.find_all(exp.Column) if c.table}
    changed = True
    while changed:
        changed = False
        for j in model.joins:
            if j.alias in used:
                for c in j.on.find_all(exp.Column):
                    if c.table and c.table != j.alias and c.table not in used:
                        used.add(c.table)
                        changed = True
    return [j for j in model.joins if j.alias in used]


def join_node(j: Join) -> exp.Join:
    return exp.Join(this=table(j.table, j.alias), on=j.on.copy(), kind="")


def without_needless_distinct(measure: exp.Expr, key: exp.Column) -> exp.Expr:
    """COUNT(DISTINCT key) → COUNT(key) (also inside CASE) when no join fans the rows out:
    the same number, without the cost of de-duplication."""

    def counts_key(e: exp.Expr) -> bool:
        if isinstance(e, exp.Case):
            ifs = e.args.get("ifs") or []
            return len(ifs) == 1 and e.args.get("default") is None and ifs[0].args.get("true") == key
        return e == key

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Count) and isinstance(node.this, exp.Distinct):
            inner = node.this.expressions
            if len(inner) == 1 and counts_key(inner[0]):
                return exp.Count(this=inner[0].copy())
        return node

    return measure.transform(swap, copy=False)


def last_snapshot_condition(
    model: Model, time_range: TimeRange, grain: Grain, by_date: bool, params: Params
) -> exp.Expr:
    """Only the last snapshot day of the period (or of each date bucket): stock is semi-additive."""
    inner = (
        exp.select(exp.Max(this=model.time_column.copy()), copy=False)
        .from_(table(model.table, model.alias), copy=False)
        .where(time_filter(model, time_range, params), copy=False)
    )
    if by_date:
        inner = inner.group_by(bucket(model.time_column, grain, model.time_type == "timestamp"), copy=False)
    return exp.In(this=model.time_column.copy(), query=exp.Subquery(this=inner))


def unit_select(
    unit: Unit,
    dims: tuple[str, ...],
    grain: Grain,
    filters: tuple[DimensionFilter, ...],
    time_range: TimeRange,
    params: Params,
) -> exp.Select:
    model = unit.model
    window = TimeRange.last_days(time_range.end, unit.trailing_days) if unit.variant == "trailing" else time_range
    keys = [dimension_expr(model, d, grain) for d in dims]
    measures = [(name, m.copy()) for name, m in unit.measures]
    conditions = [time_filter(model, window, params)]
    if model.where is not None:
        conditions.insert(0, model.where.copy())
    conditions += [filter_expr(model, f, params) for f in filters]
    totals = totals_condition(model, dims, filters)
    if totals is not None:
        conditions.append(totals)
    if unit.variant == "snapshot":
        conditions.append(last_snapshot_condition(model, window, grain, TIME_DIMENSION in dims, params))
    if unit.variant == "repeat":
        leaf = unit.leaves[0]
        assert leaf.entity is not None and leaf.count is not None
        measures = [("entity", leaf.entity.copy()), ("n", leaf.count.copy())]
    used = needed_joins(model, keys + [m for _, m in measures] + conditions)
    if model.primary_key is not None and not any(j.fanout for j in used):
        measures = [(name, without_needless_distinct(m, model.primary_key)) for name, m in measures]
    joins = [join_node(j) for j in used]
    if unit.variant == "repeat":
        return _repeat_select(unit, dims, keys, measures, joins, conditions)
    select = exp.select(
        *[k.as_(key_name(d), copy=False) for d, k in zip(dims, keys, strict=True)],
        *[m.as_(name, copy=False) for name, m in measures],
        copy=False,
    )
    select = select.from_(table(model.table, model.alias), copy=False)
    for j in joins:
        select.append("joins", j)
    select = select.where(all_of(conditions), copy=False)
    return select.group_by(*[k.copy() for k in keys], copy=False) if keys else select


def _repeat_select(
    unit: Unit,
    dims: tuple[str, ...],
    keys: list[exp.Expr],
    measures: list[tuple[str, exp.Expr]],
    joins: list[exp.Join],
    conditions: list[exp.Expr],
) -> exp.Select:
    """Count the entities (e.g. buyers) whose per-entity count reaches `at_least`."""
    leaf = unit.leaves[0]
    model = unit.model
    entity = measures[0][1]
    inner = exp.select(
        *[k.as_(key_name(d), copy=False) for d, k in zip(dims, keys, strict=True)],
        *[m.as_(name, copy=False) for name, m in measures],
        copy=False,
    )
    inner = inner.from_(table(model.table, model.alias), copy=False)
    for j in joins:
        inner.append("joins", j)
    inner = inner.where(all_of(conditions), copy=False).group_by(*[k.copy() for k in keys], entity.copy(), copy=False)
    hit = template("SUM(CASE WHEN n >= __k THEN 1 ELSE 0 END)", __k=exp.Literal.number(leaf.at_least or 2))
    outer = exp.select(*[col(key_name(d)) for d in dims], hit.as_(leaf.id, copy=False), copy=False).from_(
        inner.subquery("per_entity", copy=False), copy=False
    )
    return outer.group_by(*[col(key_name(d)) for d in dims], copy=False) if dims else outer
