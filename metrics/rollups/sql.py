"""The SQL a rollup is built from, as trees: the model's rows per day × dimensions (the compiler's own
unit SELECT, so a rollup holds exactly what a raw query would compute), and the per-day checksum of
those rows that tells a refresh which days changed."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from sqlglot import exp

from metrics.catalog.rollups import entity_of
from metrics.catalog.types import TIME_DIMENSION, Catalog, Rollup
from metrics.compiler.bounds import FIRST_DAY, LAST_DAY
from metrics.compiler.params import Params
from metrics.compiler.plan import Unit
from metrics.compiler.sqlparts import col
from metrics.compiler.units import dimension_expr, key_name, needed_joins, unit_select
from metrics.query import TimeRange

ALL_DAYS = TimeRange(FIRST_DAY, LAST_DAY)
DAY = key_name(TIME_DIMENSION)  # the rollup's day column: k_date


def entity_dimension(metric_id: str) -> str:
    """The rollup column keeping a distinct count's values: k_entity_<metric>."""
    return f"entity_{metric_id}"


def rollup_unit(catalog: Catalog, rollup: Rollup) -> Unit:
    """The rollup as one unit of its model; a kept entity (the buyer) becomes one more grouping key."""
    model = catalog.models[rollup.model]
    entities = {entity_dimension(m): entity_of(catalog.metrics[m]) for m in rollup.entities}
    model = replace(model, dimensions={**model.dimensions, **{k: v for k, v in entities.items() if v is not None}})
    leaves = tuple(catalog.metrics[m.metric] for m in rollup.measures if m.merge != "entity")
    measures = tuple((leaf.id, leaf.expr) for leaf in leaves if leaf.expr is not None)
    return Unit(f"build_{rollup.id}", model, "period", leaves, measures)


def build_select(catalog: Catalog, rollup: Rollup, params: Params, days: TimeRange = ALL_DAYS) -> exp.Select:
    """k_date, k_<dimension>…, k_entity_<metric>…, <metric>… per day and group, over every day of the
    source (or `days`). Metrics that need no fan-out join (order counts beside line sums) are computed
    without it — the compiler then counts the key without DISTINCT — and joined on the keys."""
    unit = rollup_unit(catalog, rollup)
    dims = (TIME_DIMENSION, *rollup.dimensions, *(entity_dimension(m) for m in rollup.entities))
    keys = [dimension_expr(unit.model, d, "day") for d in dims]
    where = [unit.model.where] if unit.model.where is not None else []

    def fans_out(measure: exp.Expr) -> bool:
        return any(j.fanout for j in needed_joins(unit.model, [*keys, *where, measure]))

    lines = tuple((n, m) for n, m in unit.measures if fans_out(m))
    rows = tuple((n, m) for n, m in unit.measures if not fans_out(m))
    if not lines or not rows:
        return unit_select(unit, dims, "day", (), days, params)
    a = unit_select(replace(unit, measures=lines), dims, "day", (), days, params).subquery("a")
    b = unit_select(replace(unit, measures=rows), dims, "day", (), days, params).subquery("b")
    names = [key_name(d) for d in dims]
    on = exp.and_(*[exp.NullSafeEQ(this=col(k, "a"), expression=col(k, "b")) for k in names])
    select = exp.select(
        *[exp.Coalesce(this=col(k, "a"), expressions=[col(k, "b")]).as_(k) for k in names],
        *[col(n, "a" if any(n == x for x, _ in lines) else "b").as_(n) for n, _ in unit.measures],
    )
    return select.from_(a).join(b, on=on, join_type="FULL OUTER")


def checksum_select(catalog: Catalog, model_id: str, params: Params) -> exp.Select:
    """k_date, n (rows), h (sum of row hashes) per day over every column any rollup of the model reads:
    computed once per model and refresh; a change to any of them marks the day changed for all of them."""
    model = catalog.models[model_id]
    exprs: list[exp.Expr] = [model.time_column]
    for rollup in catalog.rollups.values():
        if rollup.model == model_id:
            exprs += [model.dimensions[d] for d in rollup.dimensions]
            exprs += [e for m in rollup.measures if (e := catalog.metrics[m.metric].expr) is not None]
    if model.where is not None:
        exprs.append(model.where)
    columns = sorted({c.sql(): c.copy() for e in exprs for c in e.find_all(exp.Column)}.items())
    digest = exp.Sum(this=exp.Anonymous(this="hash", expressions=[c for _, c in columns]))
    unit = Unit(f"sum_{model_id}", model, "period", (), (("n", exp.Count(this=exp.Star())), ("h", digest)))
    return unit_select(unit, (TIME_DIMENSION,), "day", (), ALL_DAYS, params)


def fingerprint(catalog: Catalog, rollup: Rollup) -> str:
    """Changes whenever what the rollup would hold changes (its model, dimensions or metrics)."""
    params = Params()
    text = build_select(catalog, rollup, params).sql(dialect="duckdb") + repr(sorted(params.values.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
