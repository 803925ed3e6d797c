"""Read rollups.yaml and check each rollup against its model: what it may store and how it merges."""

from __future__ import annotations

from sqlglot import exp

from metrics.catalog.types import TIME_DIMENSION, Catalog, Merge, Metric, Model, Rollup, RollupMeasure
from metrics.file_problems import Collector, Source
from metrics.yamlsrc import Located

KEYS = ("id", "model", "grain", "dimensions", "measures", "distinct")
GRAINS = ("day",)


def _strings(node: Located, key: str, out: Collector) -> tuple[str, ...]:
    value = node.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        out.add(node, key, f"rollup {node['id']}: {key}: expected a list of ids")
        return ()
    if len(set(value)) != len(value):
        out.add(node, key, f"rollup {node['id']}: {key}: an id is listed twice")
    return tuple(value)


def read_rollup(node: Located, out: Collector) -> Rollup | None:
    """One `rollups:` entry; every key is read or reported. Measures are classified later (check_rollups)."""
    for key in node:
        if key not in KEYS:
            out.add(node, key, f"rollup {node['id']}: unknown key {key!r} (known: {', '.join(KEYS)})")
    grain = node.get("grain", "day")
    if grain not in GRAINS:
        out.add(node, "grain", f"rollup {node['id']}: grain {grain!r}: rollups are kept per day")
    if not isinstance(node.get("model"), str):
        out.add(node, "model", f"rollup {node['id']}: model: the id of the model it aggregates")
        return None
    measures = _strings(node, "measures", out) if "measures" in node else ()
    distinct = node.get("distinct")
    if distinct is not None and not isinstance(distinct, str):
        out.add(node, "distinct", f"rollup {node['id']}: distinct: the id of one distinct-count metric")
        distinct = None
    if not measures and distinct is None:
        out.add(node, "measures", f"rollup {node['id']}: measures: name at least one metric")
    return Rollup(
        id=node["id"],
        model=node["model"],
        dimensions=_strings(node, "dimensions", out) if "dimensions" in node else (),
        grain="day",
        measures=tuple(RollupMeasure(m, "sum") for m in measures)
        + ((RollupMeasure(distinct, "entity"),) if distinct else ()),
        source=Source(node.file, node.line),
    )


def fans_out(model: Model, dims: tuple[str, ...]) -> bool:
    """Whether reading `dims` joins a table with many rows per row of the model's table."""
    used = {c.table for d in dims for c in model.dimensions[d].find_all(exp.Column) if c.table}
    changed = True
    while changed:
        changed = False
        for j in model.joins:
            if j.alias in used:
                for c in j.on.find_all(exp.Column):
                    if c.table and c.table not in used:
                        used.add(c.table)
                        changed = True
    return any(j.fanout and j.alias in used for j in model.joins)


def _counts_key(e: exp.Expr, key: exp.Column | None) -> bool:
    if key is None:
        return False
    if isinstance(e, exp.Case):
        ifs = e.args.get("ifs") or []
        return len(ifs) == 1 and e.args.get("default") is None and ifs[0].args.get("true") == key
    return e == key


def merge_of(metric: Metric, model: Model, dims: tuple[str, ...]) -> Merge | None:
    """How a stored value of `metric` merges across groups and days; None when it cannot be stored."""
    e = metric.expr
    if metric.kind == "snapshot":
        return "sum" if isinstance(e, exp.Sum) else None
    if metric.kind != "aggregate":
        return None
    if isinstance(e, exp.Sum):
        return "sum"
    if isinstance(e, exp.Count):
        if not isinstance(e.this, exp.Distinct):
            return "count"
        inner = e.this.expressions
        if len(inner) == 1 and _counts_key(inner[0], model.primary_key) and not fans_out(model, dims):
            return "count"  # each row of the model's table lies in exactly one group
        return "distinct"
    return None


def entity_of(metric: Metric) -> exp.Expr | None:
    """x of an aggregate COUNT(DISTINCT x): the value a rollup keeps to count it again exactly."""
    e = metric.expr
    if metric.kind != "aggregate" or not isinstance(e, exp.Count) or not isinstance(e.this, exp.Distinct):
        return None
    inner = e.this.expressions
    return inner[0] if len(inner) == 1 else None


def check_rollups(catalog: Catalog, out: Collector) -> dict[str, Rollup]:
    """Each rollup with its measures classified; problems for anything it cannot store."""
    checked: dict[str, Rollup] = {}
    for r in catalog.rollups.values():
        model = catalog.models.get(r.model)
        if model is None:
            out.add(r.source, None, f"rollup {r.id}: unknown model {r.model!r}")
            continue
        if model.totals is not None or model.table in catalog.generated_tables:
            out.add(r.source, None, f"rollup {r.id}: model {r.model} holds generated or total rows; not rolled up")
            continue
        bad = [d for d in r.dimensions if d == TIME_DIMENSION or d not in model.dimensions]
        if bad:
            out.add(r.source, None, f"rollup {r.id}: dimensions {bad} are not dimensions of model {r.model}")
            continue
        measures = []
        for m in r.measures:
            metric = catalog.metrics.get(m.metric)
            if m.merge == "entity":
                if metric is None or metric.model != r.model or entity_of(metric) is None:
                    out.add(
                        r.source, None, f"rollup {r.id}: distinct: {m.metric!r} is not a COUNT(DISTINCT x) of {r.model}"
                    )
                else:
                    measures.append(m)
                continue
            merge = merge_of(metric, model, r.dimensions) if metric is not None and metric.model == r.model else None
            if merge is None:
                out.add(
                    r.source,
                    None,
                    f"rollup {r.id}: {m.metric!r} is not a sum, count or distinct count of model {r.model}",
                )
                continue
            measures.append(RollupMeasure(m.metric, merge))
        checked[r.id] = Rollup(r.id, r.model, r.dimensions, r.grain, tuple(measures), r.source)
    return checked
