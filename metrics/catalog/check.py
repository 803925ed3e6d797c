"""Cross-checks of a freshly read catalog: references, cycles, clashes, what slices what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlglot import exp

from metrics.catalog.types import PERIOD_DAYS, TIME_DIMENSION, Catalog, Metric, Model, Totals
from metrics.file_problems import FileProblem, Source

Report = Callable[[Source, str], None]


def _column_problems(expr: exp.Expr, aliases: dict[str, str], tables: dict[str, dict[str, str]]) -> list[str]:
    found = []
    for col in expr.find_all(exp.Column):
        if not col.table:
            found.append(f"column {col.name!r} must be qualified with a table alias ({', '.join(aliases)})")
        elif col.table not in aliases:
            found.append(f"unknown table alias {col.table!r} in {col.sql()}")
        elif col.name not in tables.get(aliases[col.table], {}):
            found.append(f"unknown column {col.sql()}: table {aliases[col.table]} has no column {col.name!r}")
    return found


def model_aliases(model: Model) -> dict[str, str]:
    return {model.alias: model.table, **{j.alias: j.table for j in model.joins}}


def check_model(model: Model, catalog: Catalog, report: Report) -> None:
    for table in (model.table, *(j.table for j in model.joins)):
        if table not in catalog.tables:
            report(model.source, f"model {model.id}: unknown table {table!r}")
    aliases = model_aliases(model)
    if len(aliases) != 1 + len(model.joins):
        report(model.source, f"model {model.id}: table aliases must be unique")
    exprs: list[exp.Expr] = [model.time_column, *(j.on for j in model.joins), *model.dimensions.values()]
    if model.primary_key is not None:
        exprs.append(model.primary_key)
    if model.where is not None:
        exprs.append(model.where)
    for e in exprs:
        for msg in _column_problems(e, aliases, catalog.tables):
            report(model.source, f"model {model.id}: {msg}")
    for dim in model.dimensions:
        if dim not in catalog.dimensions or dim == TIME_DIMENSION:
            report(model.source, f"model {model.id}: unknown dimension {dim!r}")
    if model.totals is not None:
        check_totals(model, model.totals, catalog, report)


def check_totals(model: Model, totals: Totals, catalog: Catalog, report: Report) -> None:
    for msg in _column_problems(totals.column, model_aliases(model), catalog.tables):
        report(totals.source, f"model {model.id}: totals: {msg}")
    for dim in totals.dimensions:
        if dim not in model.dimensions:
            report(
                totals.source,
                f"model {model.id}: totals: unknown dimension {dim!r} (the model has {', '.join(model.dimensions)})",
            )


def check_dimensions(catalog: Catalog, report: Report) -> None:
    for dim in catalog.dimensions.values():
        if dim.lookup is not None:
            cols = catalog.tables.get(dim.lookup.table)
            if cols is None:
                report(dim.source, f"dimension {dim.id}: unknown lookup table {dim.lookup.table!r}")
            else:
                for col in (dim.lookup.key, dim.lookup.name_zh, dim.lookup.name_en):
                    if col is not None and col not in cols:
                        report(dim.source, f"dimension {dim.id}: lookup table {dim.lookup.table} has no column {col!r}")
        seen: dict[str, str] = {}
        for value in dim.values:
            for spelling in value.spellings():
                key = spelling.lower()
                if key in seen and seen[key] != value.id:
                    report(dim.source, f"dimension {dim.id}: {spelling!r} names both {seen[key]!r} and {value.id!r}")
                seen[key] = value.id


def _references(metric: Metric) -> list[str]:
    if metric.kind == "derived" and metric.expr is not None:
        return [c.name for c in metric.expr.find_all(exp.Column) if not c.table and c.name != PERIOD_DAYS]
    if metric.kind == "trailing" and metric.base:
        return [metric.base]
    return []


def check_metric(metric: Metric, catalog: Catalog, report: Report) -> None:
    if metric.kind in ("aggregate", "snapshot", "repeat"):
        model = catalog.models.get(metric.model or "")
        if model is None:
            report(metric.source, f"metric {metric.id}: unknown model {metric.model!r}")
            return
        for e in (metric.expr, metric.entity, metric.count):
            if e is not None:
                for msg in _column_problems(e, model_aliases(model), catalog.tables):
                    report(metric.source, f"metric {metric.id}: {msg}")
    if metric.kind == "derived" and metric.expr is not None:
        qualified = [c.sql() for c in metric.expr.find_all(exp.Column) if c.table]
        if qualified:
            report(
                metric.source,
                f"metric {metric.id}: a derived metric refers to metric ids, not columns ({qualified[0]})",
            )
    for ref in _references(metric):
        if ref not in catalog.metrics:
            report(metric.source, f"metric {metric.id}: unknown metric {ref!r} in its definition")
    if metric.kind == "trailing":
        base = catalog.metrics.get(metric.base or "")
        if base is not None and base.kind != "aggregate":
            report(metric.source, f"metric {metric.id}: trailing base {base.id!r} must be an aggregate metric")


def find_cycles(catalog: Catalog, report: Report) -> set[str]:
    """Report each dependency cycle once; return the metrics on cycles."""
    state: dict[str, int] = {}
    on_cycle: set[str] = set()

    def visit(mid: str, path: list[str]) -> None:
        state[mid] = 1
        for ref in _references(catalog.metrics[mid]):
            if ref not in catalog.metrics:
                continue
            if state.get(ref) == 1:
                cycle = [*path[path.index(ref) :], ref] if ref in path else [mid, ref]
                on_cycle.update(cycle)
                report(catalog.metrics[ref].source, f"metric {ref}: circular definition {' → '.join(cycle)}")
            elif ref not in state:
                visit(ref, [*path, ref])
        state[mid] = 2

    for mid in catalog.metrics:
        if mid not in state:
            visit(mid, [mid])
    return on_cycle


def check_clashes(catalog: Catalog, report: Report) -> None:
    owner: dict[str, str] = {}
    for metric in catalog.metrics.values():
        for spelling in {metric.id, *metric.names.all()}:
            key = spelling.lower()
            if key in owner and owner[key] != metric.id:
                report(metric.source, f"metric {metric.id}: name or synonym {spelling!r} already names {owner[key]}")
            owner.setdefault(key, metric.id)
    for dim in catalog.dimensions.values():
        for spelling in {dim.id, *dim.names.all()}:
            key = spelling.lower()
            if key in owner and not owner[key].startswith("dimension "):
                report(
                    dim.source, f"dimension {dim.id}: name or synonym {spelling!r} already names metric {owner[key]}"
                )
            owner.setdefault(key, f"dimension {dim.id}")


def leaves_of(catalog: Catalog, metric_id: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
    """The non-derived metrics a metric is computed from."""
    metric = catalog.metrics[metric_id]
    if metric.kind != "derived" or metric_id in seen:
        return frozenset({metric_id})
    out: frozenset[str] = frozenset()
    for ref in _references(metric):
        if ref in catalog.metrics:
            out |= leaves_of(catalog, ref, seen | {metric_id})
    return out


def leaf_dimensions(catalog: Catalog, leaf: Metric) -> frozenset[str]:
    if leaf.kind == "trailing":
        base = catalog.metrics.get(leaf.base or "")
        model = catalog.models.get(base.model or "") if base else None
        return frozenset(model.dimensions) if model else frozenset()
    model = catalog.models.get(leaf.model or "")
    return frozenset(model.dimensions) | {TIME_DIMENSION} if model else frozenset()


def check_roles(catalog: Catalog, report: Report) -> None:
    for role in catalog.roles.values():
        for dim_id, values in role.row_filters.items():
            dim = catalog.dimensions.get(dim_id)
            if dim is None:
                report(role.source, f"role {role.id}: unknown dimension {dim_id!r} in row_filters")
            elif dim.values:
                known = {v.id for v in dim.values}
                for v in values:
                    if v not in known:
                        report(role.source, f"role {role.id}: {dim_id} has no value {v!r}")
        for mid in (*(role.allow_metrics or ()), *role.deny_metrics):
            if mid not in catalog.metrics:
                report(role.source, f"role {role.id}: unknown metric {mid!r}")


def check_catalog(
    catalog: Catalog, restrictions: dict[str, tuple[Any, tuple[str, ...]]], problems: list[FileProblem]
) -> Catalog:
    """Run every cross-check, appending to `problems`; return the catalog with derived facts."""

    def report(where: Source, message: str) -> None:
        problems.append(FileProblem(where.file, where.line, message))

    for model in catalog.models.values():
        check_model(model, catalog, report)
    check_dimensions(catalog, report)
    for metric in catalog.metrics.values():
        check_metric(metric, catalog, report)
    check_clashes(catalog, report)
    check_roles(catalog, report)
    if find_cycles(catalog, report):
        return catalog
    leaf_models: dict[str, frozenset[str]] = {}
    sliceable: dict[str, frozenset[str]] = {}
    metrics: dict[str, Metric] = {}
    for mid, metric in catalog.metrics.items():
        leaves = leaves_of(catalog, mid)
        dims = frozenset(catalog.dimensions)
        for leaf in leaves:
            dims &= leaf_dimensions(catalog, catalog.metrics[leaf])
        if mid in restrictions:
            node, wanted = restrictions[mid]
            for d in wanted:
                if d not in dims:
                    report(
                        Source(node.file, node.line_of("dimensions")),
                        f"metric {mid}: cannot be sliced by {d!r} (its data has only {', '.join(sorted(dims))})",
                    )
            dims &= frozenset(wanted)
        sliceable[mid] = dims
        leaf_models[mid] = leaves
        metrics[mid] = replace(metric, depends_on=tuple(dict.fromkeys(_references(metric))))
    return replace(catalog, metrics=metrics, leaf_models=leaf_models, sliceable=sliceable)
