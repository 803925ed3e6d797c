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
from metrics.compiler.units import key_name, unit_select
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
    source (or `days`)."""
    dims = (TIME_DIMENSION, *rollup.dimensions, *(entity_dimension(m) for m in rollup.entities))
    return unit_select(rollup_unit(catalog, rollup), dims, "day", (), days, params)


def checksum_select(catalog: Catalog, rollup: Rollup, params: Params) -> exp.Select:
    """k_date, n (rows), h (sum of row hashes) over every column the rollup reads, per day."""
    model = catalog.models[rollup.model]
    exprs: list[exp.Expr] = [model.time_column, *(model.dimensions[d] for d in rollup.dimensions)]
    exprs += [e for m in rollup.measures if (e := catalog.metrics[m.metric].expr) is not None]
    if model.where is not None:
        exprs.append(model.where)
    columns = list({c.sql(): c.copy() for e in exprs for c in e.find_all(exp.Column)}.values())
    digest = exp.Sum(this=exp.Anonymous(this="hash", expressions=columns))
    unit = Unit(f"sum_{rollup.id}", model, "period", (), (("n", exp.Count(this=exp.Star())), ("h", digest)))
    return unit_select(unit, (TIME_DIMENSION,), "day", (), ALL_DAYS, params)


def fingerprint(catalog: Catalog, rollup: Rollup) -> str:
    """Changes whenever what the rollup would hold changes (its model, dimensions or metrics)."""
    params = Params()
    text = build_select(catalog, rollup, params).sql(dialect="duckdb") + repr(sorted(params.values.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
