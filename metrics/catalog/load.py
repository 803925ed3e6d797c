"""Load the catalog YAML files into a `Catalog`, reporting every problem at once with file:line."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, cast

import sqlglot
import yaml
from sqlglot import exp

from metrics.catalog.check import check_catalog
from metrics.catalog.rollups import check_rollups, read_rollup
from metrics.catalog.types import (
    Catalog,
    Dimension,
    DimensionValue,
    Grain,
    Join,
    Lookup,
    Metric,
    MetricKind,
    Model,
    Names,
    Role,
    Totals,
    Unit,
)
from metrics.file_problems import Collector, FileProblem, Source
from metrics.yamlsrc import Located, load_located

CATALOG_DIR = Path(__file__).parent  # the YAML files live beside this module
METRIC_KINDS = ("aggregate", "snapshot", "derived", "trailing", "repeat")
UNITS = ("currency", "count", "units", "ratio", "days", "number", "date")
DEFAULT_FORMAT = {
    "currency": "currency",
    "count": "integer",
    "units": "integer",
    "ratio": "percent",
    "days": "decimal",
    "number": "decimal",
    "date": "date",
}


class CatalogError(Exception):
    """The catalog is invalid; `problems` lists every problem found."""

    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def parse_sql(text: Any, where: Located, key: str, out: Collector) -> exp.Expr | None:
    if not isinstance(text, str) or not text.strip():
        out.add(where, key, f"{key}: expected a SQL expression")
        return None
    try:
        return sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError as e:
        out.add(where, key, f"{key}: cannot parse SQL {text!r}: {str(e).splitlines()[0]}")
        return None


def _strs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return (str(value),)


def read_names(node: Located, out: Collector) -> Names:
    name = node.get("name")
    syn = node.get("synonyms") or {}
    if not isinstance(name, dict) or not name.get("zh") or not name.get("en"):
        out.add(node, "name", "name: needs both zh and en")
        name = {"zh": str(node.get("id", "?")), "en": str(node.get("id", "?"))}
    if not isinstance(syn, dict):
        out.add(node, "synonyms", "synonyms: expected {zh: [...], en: [...]}")
        syn = {}
    return Names(str(name["zh"]), str(name["en"]), _strs(syn.get("zh")), _strs(syn.get("en")))


def items(doc: Any, key: str, path: Path, out: Collector) -> list[Located]:
    if not isinstance(doc, Located) or not isinstance(doc.get(key), list):
        out.problems.append(FileProblem(str(path), 1, f"expected a top-level '{key}:' list"))
        return []
    good: list[Located] = []
    for i, item in enumerate(doc[key]):
        if isinstance(item, Located) and isinstance(item.get("id"), str):
            good.append(item)
        else:
            out.problems.append(FileProblem(str(path), doc[key].item_lines[i], f"{key} entry needs an id"))
    return good


def source(node: Located) -> Source:
    return Source(node.file, node.line)


def _columns(section: Any) -> dict[str, dict[str, str]]:
    return {str(t): {str(c): str(ty) for c, ty in (cols or {}).items()} for t, cols in section.items()}


def read_tables(doc: Any, path: Path, out: Collector) -> tuple[dict[str, dict[str, str]], frozenset[str]]:
    """The warehouse's tables and the generated ones (`generated_tables:`), and the names of the latter."""
    if not isinstance(doc, Located) or not isinstance(doc.get("tables"), dict):
        out.problems.append(FileProblem(str(path), 1, "expected a top-level 'tables:' mapping"))
        return {}, frozenset()
    tables = _columns(doc["tables"])
    generated = doc.get("generated_tables") or {}
    if not isinstance(generated, dict):
        out.add(doc, "generated_tables", "generated_tables: expected a mapping of table → columns")
        return tables, frozenset()
    for name in generated:
        if str(name) in tables:
            out.add(doc["generated_tables"], name, f"generated table {name!r} is also listed under tables")
    return {**tables, **_columns(generated)}, frozenset(str(t) for t in generated)


def read_model(node: Located, out: Collector) -> Model | None:
    joins = []
    for j in node.get("joins") or []:
        on = parse_sql(j.get("on"), j, "on", out)
        if on is not None:
            joins.append(Join(str(j.get("table")), str(j.get("alias")), on, bool(j.get("fanout", False))))
    time = node.get("time")
    if not isinstance(time, Located) or time.get("type") not in ("timestamp", "date"):
        out.add(node, "time", "time: needs {column: alias.column, type: timestamp|date}")
        return None
    time_col = parse_sql(time.get("column"), time, "column", out)
    where = parse_sql(node["where"], node, "where", out) if "where" in node else None
    dims: dict[str, exp.Expr] = {}
    for dim_id, text in (node.get("dimensions") or {}).items():
        parsed = parse_sql(text, node["dimensions"], dim_id, out)
        if parsed is not None:
            dims[str(dim_id)] = parsed
    if not isinstance(time_col, exp.Column):
        out.add(time, "column", "time.column: must be a column like o.order_ts")
        return None
    totals = read_totals(node, out) if "totals" in node else None
    return Model(
        id=node["id"],
        names=read_names(node, out),
        description=str(node.get("description", "")),
        table=str(node.get("table")),
        alias=str(node.get("alias")),
        joins=tuple(joins),
        where=where,
        time_column=time_col,
        primary_key=_column(node, "primary_key", out),
        time_type=time["type"],
        dimensions=dims,
        source=source(node),
        totals=totals,
    )


def read_totals(node: Located, out: Collector) -> Totals | None:
    """`totals: {column: p.warehouse_id, dimensions: [warehouse, region]}` (checked against the model later)."""
    spec = node["totals"]
    if not isinstance(spec, Located) or not isinstance(spec.get("dimensions"), list) or not spec["dimensions"]:
        out.add(node, "totals", "totals: needs {column: alias.column, dimensions: [dimension, ...]}")
        return None
    if "column" not in spec:
        out.add(spec, None, "totals: needs a column (like p.warehouse_id) that is NULL on the total rows")
        return None
    column = _column(spec, "column", out)
    if column is None:
        return None
    return Totals(column, _strs(spec["dimensions"]), Source(node.file, node.line_of("totals")))


def _column(node: Located, key: str, out: Collector) -> exp.Column | None:
    if key not in node:
        return None
    parsed = parse_sql(node[key], node, key, out)
    if not isinstance(parsed, exp.Column):
        out.add(node, key, f"{key}: must be a column like o.order_id")
        return None
    return parsed


def read_dimension(node: Located, out: Collector) -> Dimension:
    lookup = node.get("lookup")
    values = tuple(
        DimensionValue(str(v["id"]), str(v.get("zh", v["id"])), str(v.get("en", v["id"])), _strs(v.get("synonyms")))
        for v in node.get("values") or []
    )
    kind: Literal["time", "categorical"] = "time" if node.get("kind") == "time" else "categorical"
    grains = cast(tuple[Grain, ...], tuple(node.get("grains") or ()))
    bad = [g for g in grains if g not in ("day", "week", "month")]
    if bad:
        out.add(node, "grains", f"grains: unknown grain(s) {bad}; use day, week, month")
    return Dimension(
        id=node["id"],
        names=read_names(node, out),
        kind=kind,
        key_column=str(node.get("key_column", node["id"])),
        lookup=Lookup(str(lookup["table"]), str(lookup["key"]), lookup.get("name_zh"), lookup.get("name_en"))
        if isinstance(lookup, dict)
        else None,
        values=values,
        grains=grains,
        source=source(node),
    )


def _metric_exprs(node: Located, kind: str, out: Collector) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if kind in ("aggregate", "snapshot", "derived"):
        fields["expr"] = parse_sql(node.get("expr"), node, "expr", out)
    if kind == "repeat":
        fields["entity"] = parse_sql(node.get("entity"), node, "entity", out)
        fields["count"] = parse_sql(node.get("count"), node, "count", out)
        fields["at_least"] = int(node.get("at_least", 2))
    if kind == "trailing":
        fields["base"] = str(node.get("base"))
        days = node.get("days")
        if not isinstance(days, int) or days < 1:
            out.add(node, "days", "days: a trailing metric needs a positive whole number of days")
            days = 1
        fields["days"] = days
    if kind in ("aggregate", "snapshot", "repeat"):
        fields["model"] = str(node.get("model"))
    return fields


def read_metric(node: Located, out: Collector) -> Metric | None:
    kind = node.get("kind")
    if kind not in METRIC_KINDS:
        out.add(node, "kind", f"kind: {kind!r} is not one of {', '.join(METRIC_KINDS)}")
        return None
    unit = node.get("unit")
    if unit not in UNITS:
        out.add(node, "unit", f"unit: {unit!r} is not one of {', '.join(UNITS)}")
        unit = "number"
    desc = node.get("description") or {}
    if not isinstance(desc, dict) or not desc.get("zh") or not desc.get("en"):
        out.add(node, "description", "description: the definition (口径) is required in zh and en")
        desc = {"zh": "", "en": ""}
    for key in ("owner", "version"):
        if key not in node:
            out.add(node, None, f"metric {node['id']}: '{key}' is required")
    if node.get("better", "higher") not in ("higher", "lower"):
        out.add(node, "better", f"better: {node.get('better')!r} is not one of higher, lower")
    at_risk = node.get("at_risk")
    if at_risk is not None and (
        isinstance(at_risk, bool) or not isinstance(at_risk, int | float) or not 0 < at_risk <= 1 or unit != "ratio"
    ):
        out.add(node, "at_risk", "at_risk: a probability between 0 and 1, on a metric of unit ratio")
        at_risk = None
    if "format" in node and (node["format"] == "date") != (unit == "date"):
        out.add(node, "format", "format: 'date' is the format of unit date, and only of it")
    return Metric(
        id=node["id"],
        names=read_names(node, out),
        description_zh=str(desc["zh"]).strip(),
        description_en=str(desc["en"]).strip(),
        owner=str(node.get("owner", "")),
        unit=cast(Unit, unit),
        format=str(node.get("format", DEFAULT_FORMAT[str(unit)])),
        version=int(node.get("version", 1)),
        kind=cast(MetricKind, kind),
        source=source(node),
        internal=bool(node.get("internal", False)),
        lower_is_better=node.get("better") == "lower",
        at_risk=float(at_risk) if at_risk is not None else None,
        **_metric_exprs(node, str(kind), out),
    )


def read_role(node: Located, out: Collector) -> Role:
    filters = {str(d): _strs(v) for d, v in (node.get("row_filters") or {}).items()}
    allow = node.get("allow_metrics")
    return Role(
        id=node["id"],
        names=read_names(node, out),
        row_filters=filters,
        allow_metrics=_strs(allow) if allow is not None else None,
        deny_metrics=_strs(node.get("deny_metrics")),
        source=source(node),
    )


def _read_all(
    nodes: Iterable[Located], reader: Callable[[Located, Collector], Any], what: str, out: Collector
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for node in nodes:
        if node["id"] in result:
            out.add(node, "id", f"duplicate {what} id {node['id']!r} (first defined at {result[node['id']].source})")
            continue
        value = reader(node, out)
        if value is not None:
            result[node["id"]] = value
    return result


def _parse_file(path: Path, out: Collector) -> Any:
    try:
        return load_located(path)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        out.problems.append(FileProblem(str(path), line, f"invalid YAML: {getattr(e, 'problem', e)}"))
        return None


def load_catalog(directory: Path | None = None) -> Catalog:
    """Read tables/dimensions/models/metrics/roles YAML from `directory`; raise CatalogError."""
    directory = directory or Path(os.environ.get("OPSBOT_CATALOG") or CATALOG_DIR)
    out = Collector()
    docs: dict[str, tuple[Path, Any]] = {}
    for name in ("tables", "dimensions", "models", "metrics", "roles"):
        path = directory / f"{name}.yaml"
        if not path.exists():
            out.problems.append(FileProblem(str(path), 1, "file is missing"))
            docs[name] = (path, None)
        else:
            docs[name] = (path, _parse_file(path, out))
    rollups_path = directory / "rollups.yaml"  # optional: a catalog without rollups reads raw tables only
    docs["rollups"] = (rollups_path, _parse_file(rollups_path, out) if rollups_path.exists() else None)
    tables, generated = read_tables(docs["tables"][1], docs["tables"][0], out)

    def section(name: str) -> list[Located]:
        path, doc = docs[name]
        return items(doc, name, path, out) if doc is not None else []

    catalog = Catalog(
        tables=tables,
        models=_read_all(section("models"), read_model, "model", out),
        dimensions=_read_all(section("dimensions"), read_dimension, "dimension", out),
        metrics=_read_all(section("metrics"), read_metric, "metric", out),
        roles=_read_all_roles(section("roles"), out),
        generated_tables=generated,
        rollups=_read_all(section("rollups"), read_rollup, "rollup", out),
    )
    restrictions = {m["id"]: (m, _strs(m["dimensions"])) for m in section("metrics") if "dimensions" in m}
    catalog = check_catalog(catalog, restrictions, out.problems)
    catalog = replace(catalog, rollups=check_rollups(catalog, out))
    if out.problems:
        raise CatalogError(sorted(out.problems, key=lambda p: (p.file, p.line)))
    return catalog


def _read_all_roles(nodes: list[Located], out: Collector) -> dict[str, Role]:
    roles: dict[str, Role] = {}
    for node in nodes:
        if node["id"] in roles:
            out.add(node, "id", f"duplicate role id {node['id']!r}")
            continue
        roles[node["id"]] = read_role(node, out)
    return roles
