"""The outermost SELECT: output names, dimension names (zh/en), metric filters, order, limit."""

from __future__ import annotations

from sqlglot import exp

from metrics.catalog.types import TIME_DIMENSION, Catalog
from metrics.compiler.assemble import OutputColumn
from metrics.compiler.params import Params
from metrics.compiler.plan import Plan
from metrics.compiler.sqlparts import add_join, all_of, col, table
from metrics.compiler.units import key_name
from metrics.query import COMPARE_SUFFIX

RESULT = "r"


def key_output(catalog: Catalog, dim: str, grain: str) -> str:
    return grain if dim == TIME_DIMENSION and grain != "day" else catalog.dimensions[dim].key_column


def output_columns(catalog: Catalog, p: Plan) -> list[OutputColumn]:
    out = []
    for dim in p.dimensions:
        d = catalog.dimensions[dim]
        out.append(OutputColumn(key_output(catalog, dim, p.query.grain), "dimension", dim))
        out += [OutputColumn(name, "label", dim) for name in d.output_columns()[1:]]
    for m in p.metrics:
        out.append(OutputColumn(m.id, "metric", m.id))
        if p.query.compare:
            out.append(OutputColumn(f"{m.id}_{COMPARE_SUFFIX[p.query.compare]}", "compare", m.id))
            out.append(OutputColumn(f"{m.id}_change", "change", m.id))
            out.append(OutputColumn(f"{m.id}_change_pct", "change_pct", m.id))
    return out


def compare_select(p: Plan, dims: tuple[str, ...]) -> exp.Select:
    """Current and comparison periods side by side, one row per group, with the change."""
    keys = [
        exp.Coalesce(this=col(key_name(d), "cur"), expressions=[col(key_name(d), "prev")]).as_(key_name(d), copy=False)
        for d in dims
    ]
    select = exp.select(*keys, copy=False).from_(table("cur"), copy=False)
    if dims:
        on = all_of([exp.NullSafeEQ(this=col(key_name(d), "cur"), expression=col(key_name(d), "prev")) for d in dims])
        add_join(select, table("prev"), on, "FULL OUTER")
    else:
        add_join(select, table("prev"), kind="CROSS")
    suffix = COMPARE_SUFFIX[p.query.compare or "previous"]
    for m in p.metrics:
        now, before = col(m.id, "cur"), col(m.id, "prev")
        pct = exp.Sub(
            this=exp.Div(
                this=exp.cast(now.copy(), exp.DataType.Type.DOUBLE),
                expression=exp.Nullif(this=before.copy(), expression=exp.Literal.number(0)),
            ),
            expression=exp.Literal.number(1),
        )
        select = select.select(
            now.as_(m.id, copy=False),
            before.as_(f"{m.id}_{suffix}", copy=False),
            exp.Sub(this=now.copy(), expression=before.copy()).as_(f"{m.id}_change", copy=False),
            pct.as_(f"{m.id}_change_pct", copy=False),
            copy=False,
        )
    return select


def _order(catalog: Catalog, p: Plan) -> list[exp.Ordered]:
    q = p.query
    keys: list[exp.Ordered] = []
    for o in q.order_by:
        ref = col(key_name(o.key) if o.key in p.dimensions else o.key, RESULT)
        keys.append(exp.Ordered(this=ref, desc=o.descending, nulls_first=False))
    if not q.order_by:
        if TIME_DIMENSION in p.dimensions:
            keys.append(exp.Ordered(this=col(key_name(TIME_DIMENSION), RESULT), desc=False, nulls_first=False))
        elif p.dimensions:
            keys.append(exp.Ordered(this=col(p.metrics[0].id, RESULT), desc=True, nulls_first=False))
    keys += [exp.Ordered(this=col(key_name(d), RESULT), desc=False, nulls_first=False) for d in p.dimensions]
    return keys


def final_select(catalog: Catalog, p: Plan, params: Params) -> exp.Select:
    q = p.query
    select = exp.select(copy=False).from_(table("result", RESULT), copy=False)
    for dim in p.dimensions:
        d = catalog.dimensions[dim]
        select = select.select(
            col(key_name(dim), RESULT).as_(key_output(catalog, dim, q.grain), copy=False), copy=False
        )
        if d.lookup is not None and d.lookup.name_zh and d.lookup.name_en:
            alias = f"l_{dim}"
            on = exp.EQ(this=col(d.lookup.key, alias), expression=col(key_name(dim), RESULT))
            add_join(select, table(d.lookup.table, alias), on, "LEFT")
            select = select.select(
                col(d.lookup.name_zh, alias).as_(f"{dim}_name_zh", copy=False),
                col(d.lookup.name_en, alias).as_(f"{dim}_name_en", copy=False),
                copy=False,
            )
    value_cols = [c for c in output_columns(catalog, p) if c.role in ("metric", "compare")]
    select = select.select(
        *[
            col(c.name, RESULT)
            for c in output_columns(catalog, p)
            if c.role in ("metric", "compare", "change", "change_pct")
        ],
        copy=False,
    )
    conditions: list[exp.Expr] = [
        exp.Not(
            this=exp.paren(
                all_of([exp.Is(this=col(c.name, RESULT), expression=exp.Null()) for c in value_cols]) or exp.false()
            )
        )
    ]
    ops = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "=": exp.EQ, "!=": exp.NEQ}
    for mf in q.metric_filters:
        conditions.append(ops[mf.op](this=col(mf.metric, RESULT), expression=params.bind(mf.value)))
    select = select.where(all_of(conditions), copy=False)
    order = _order(catalog, p)
    if order:
        select = select.order_by(*order, copy=False)
    return select.limit(params.bind(q.limit), copy=False) if q.limit is not None else select
