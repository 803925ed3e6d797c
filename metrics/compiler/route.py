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
    if stored.merge == "entity":  # the kept values, counted again: exact over any days and groups
        kept = exp.column(key_name(f"entity_{metric_id}"), table=ALIAS)
        return exp.Count(this=exp.Distinct(expressions=[kept]))
    total: exp.Expr = exp.Sum(this=exp.column(metric_id, table=ALIAS))
    if stored.merge in ("count", "distinct"):  # a count stays a BIGINT, like COUNT on the raw rows
        total = exp.cast(total, exp.DataType.Type.BIGINT)
    return total


def on_rollup(catalog: Catalog, rollup: Rollup, unit: Unit) -> Unit:
    measures = tuple((leaf.id, _merged(catalog, rollup, leaf)) for leaf in unit.leaves)
    return replace(unit, model=rollup_model(rollup, unit.model), measures=measures)


def _sub_unit(unit: Unit, leaves: tuple[Metric, ...]) -> Unit:
    keep = {leaf.id for leaf in leaves}
    return replace(unit, leaves=leaves, measures=tuple((n, m) for n, m in unit.measures if n in keep))


def split(
    catalog: Catalog, unit: Unit, p: Plan, ranges: list[TimeRange], rows: dict[str, int]
) -> list[tuple[str, Unit]]:
    """The unit's metrics grouped by the rollup that reads them — greedily, the rollup covering the most
    of those left (the smaller on a tie) — and those no rollup covers ("" : the raw tables)."""
    left = unit.leaves
    parts: list[tuple[str, Unit]] = []
    while left:
        best: tuple[int, int, str] | None = None
        for rollup in catalog.rollups.values():
            if rollup.id not in rows:
                continue
            covered = tuple(x for x in left if covers(catalog, rollup, _sub_unit(unit, (x,)), p, ranges))
            if covered and covers(catalog, rollup, _sub_unit(unit, covered), p, ranges):
                key = (-len(covered), rows[rollup.id], rollup.id)
                best = key if best is None or key < best else best
        if best is None:
            break
        rid = best[2]
        covered = tuple(x for x in left if covers(catalog, catalog.rollups[rid], _sub_unit(unit, (x,)), p, ranges))
        parts.append((rid, _sub_unit(unit, covered)))
        left = tuple(x for x in left if x not in covered)
    if left:
        parts.append(("", _sub_unit(unit, left)))
    return parts


def route(catalog: Catalog, p: Plan, available: Available | None) -> Routed:
    """The plan with each unit's metrics read from the smallest fresh rollups that cover them (a unit
    whose metrics are covered by different rollups, or only partly, becomes one unit per source)."""
    if available is None or not (available.fresh or available.stale):
        return Routed(p, (), ())
    ranges = [p.query.time_range]
    compare = p.query.comparison_range()
    if compare is not None:
        ranges.append(compare)
    units: list[Unit] = []
    used: list[str] = []
    stale: list[str] = []
    everything = available.fresh | available.stale
    for unit in p.units:
        for rid, _ in split(catalog, unit, p, ranges, everything):
            if rid in available.stale and rid not in stale:
                stale.append(rid)
        parts = split(catalog, unit, p, ranges, available.fresh)
        if len(parts) == 1 and not parts[0][0]:
            units.append(unit)
            continue
        for rid, part in parts:
            if rid:
                units.append(replace(on_rollup(catalog, catalog.rollups[rid], part), name=f"{unit.name}__{rid}"))
                used.append(rid)
            else:
                units.append(part)
    return Routed(replace(p, units=tuple(units)), tuple(dict.fromkeys(used)), tuple(stale))
