"""Aggregate awareness: answer each unit of a plan from the smallest rollup that covers it.

A rollup (rollups.yaml) covers a unit when it is a rollup of the unit's model and stores every one of
its metrics, keeps every dimension the query breaks down or filters by (a role's row filters
included), and its metrics merge the way the unit reads them: sums and counts over any days and
groups; a distinct count only at the rollup's own grain (by day, or a one-day period) and exactly its
dimensions; stock (snapshots) only on the last snapshot day, which the rollup holds per day. A
covered unit reads the rollup's table as if it were the model: the same time filter, the same
buckets, the same joins of units — only the measure is a sum of the stored values. A rollup that is
stale (older than the warehouse) is never read: the unit falls back to the next rollup or the raw
tables, and the caller logs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlglot import exp

from metrics.catalog.types import TIME_DIMENSION, Catalog, Metric, Model, Rollup
from metrics.compiler.plan import Plan, Unit
from metrics.compiler.units import key_name
from metrics.query import TimeRange

ALIAS = "r"


@dataclass(frozen=True)
class Available:
    """Rollups stored beside the warehouse: the rows of each fresh one; the stale ones are never read."""

    fresh: dict[str, int] = field(default_factory=dict)
    stale: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Routed:
    plan: Plan
    used: tuple[str, ...]  # rollups read
    stale: tuple[str, ...]  # rollups that would have covered a unit but are older than the warehouse


def _source_metric(catalog: Catalog, leaf: Metric) -> str:
    return leaf.base or leaf.id if leaf.kind == "trailing" else leaf.id


def _one_day(ranges: list[TimeRange]) -> bool:
    return all(r.days == 1 for r in ranges)


def covers(catalog: Catalog, rollup: Rollup, unit: Unit, p: Plan, ranges: list[TimeRange]) -> bool:
    if rollup.model != unit.model.id or unit.variant == "repeat":
        return False
    kept = set(rollup.dimensions)
    dims = {d for d in p.dimensions if d != TIME_DIMENSION}
    if not dims <= kept or not {f.dimension for f in p.filters} <= kept:
        return False
    for leaf in unit.leaves:
        stored = rollup.measure(_source_metric(catalog, leaf))
        if stored is None:
            return False
        if unit.variant == "snapshot" and (leaf.kind != "snapshot" or stored.merge != "sum"):
            return False
        if stored.merge == "distinct":
            at_grain = (TIME_DIMENSION in p.dimensions and p.query.grain == "day") or (
                TIME_DIMENSION not in p.dimensions and _one_day(ranges)
            )
            if unit.variant != "period" or dims != kept or not at_grain:
                return False
    return True


def rollup_model(rollup: Rollup, model: Model) -> Model:
    """The rollup's table seen as a model: a date time column (k_date) and one column per dimension."""
    return Model(
        id=f"rollup:{rollup.id}",
        names=model.names,
        description=model.description,
        table=rollup.table,
        alias=ALIAS,
        joins=(),
        where=None,
        time_column=exp.column(key_name(TIME_DIMENSION), table=ALIAS),
        time_type="date",
        dimensions={d: exp.column(key_name(d), table=ALIAS) for d in rollup.dimensions},
        source=rollup.source,
    )


def _merged(catalog: Catalog, rollup: Rollup, leaf: Metric) -> exp.Expr:
    metric_id = _source_metric(catalog, leaf)
    stored = rollup.measure(metric_id)
    assert stored is not None
    total: exp.Expr = exp.Sum(this=exp.column(metric_id, table=ALIAS))
    if stored.merge in ("count", "distinct"):  # a count stays a BIGINT, like COUNT on the raw rows
        total = exp.cast(total, exp.DataType.Type.BIGINT)
    return total


def on_rollup(catalog: Catalog, rollup: Rollup, unit: Unit) -> Unit:
    measures = tuple((leaf.id, _merged(catalog, rollup, leaf)) for leaf in unit.leaves)
    return replace(unit, model=rollup_model(rollup, unit.model), measures=measures)


def route(catalog: Catalog, p: Plan, available: Available | None) -> Routed:
    """The plan with each unit a rollup covers reading the smallest fresh one."""
    if available is None or not (available.fresh or available.stale):
        return Routed(p, (), ())
    ranges = [p.query.time_range]
    compare = p.query.comparison_range()
    if compare is not None:
        ranges.append(compare)
    units, used, stale = [], [], []
    for unit in p.units:
        rows = available.fresh | available.stale
        candidates = sorted(
            (rows[r.id], r.id) for r in catalog.rollups.values() if r.id in rows and covers(catalog, r, unit, p, ranges)
        )
        fresh = [rid for _, rid in candidates if rid in available.fresh]
        stale += [rid for _, rid in candidates if rid in available.stale and rid not in stale]
        if fresh:
            units.append(on_rollup(catalog, catalog.rollups[fresh[0]], unit))
            used.append(fresh[0])
        else:
            units.append(unit)
    return Routed(replace(p, units=tuple(units)), tuple(dict.fromkeys(used)), tuple(stale))
