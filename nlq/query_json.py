"""MetricQuery as JSON: the schema a language model fills in, and strict validation back into a MetricQuery.

`query_from_json` never trusts its input: it checks every field, collects every issue it finds
(unknown metric with suggestions, unknown dimension, a metric that cannot be sliced that way, bad
dates, …) and raises one `UserError` listing them all, so one repair round can fix everything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

from metrics.catalog.types import TIME_DIMENSION, Catalog, Grain
from metrics.compiler import compile_query
from metrics.compiler.plan import MAX_LIMIT, check_sliceable
from metrics.problems import Problem, UserError, nearest
from metrics.query import (
    OPERATORS,
    Comparison,
    DimensionFilter,
    MetricFilter,
    MetricQuery,
    Operator,
    OrderBy,
    TimeRange,
)
from metrics.values import ValueResolver

GRAINS: tuple[Grain, ...] = ("day", "week", "month")
COMPARISONS: tuple[Comparison, ...] = ("previous", "yoy")
TOP_KEYS = frozenset(
    {"metrics", "dimensions", "grain", "filters", "metric_filters", "time_range", "compare", "order_by", "limit"}
)


# --- the schema -------------------------------------------------------------------------------


def query_schema(catalog: Catalog) -> dict[str, Any]:
    """A JSON schema for a MetricQuery over this catalog (public metrics and its dimensions as enums)."""
    metric_ids = [m.id for m in catalog.public_metrics()]
    dimension_ids = list(catalog.dimensions)
    filterable = [d for d in dimension_ids if d != TIME_DIMENSION]
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["metrics", "time_range"],
        "properties": {
            "metrics": _id_list(metric_ids, "Metric ids to compute.", min_items=1),
            "dimensions": _id_list(dimension_ids, "Break the result down by these dimensions (may be empty)."),
            "grain": {
                "type": "string",
                "enum": list(GRAINS),
                "description": "Time bucket when broken down by date.",
            },
            "filters": {
                "type": "array",
                "description": "Keep only rows whose dimension is one of `values` (or none of them if negate).",
                "items": _filter_schema(filterable),
            },
            "metric_filters": {
                "type": "array",
                "description": "Keep result rows whose metric satisfies `op value`, e.g. days_of_cover < 3.",
                "items": _metric_filter_schema(metric_ids),
            },
            "time_range": _time_range_schema(),
            "compare": {
                "type": ["string", "null"],
                "enum": [*COMPARISONS, None],
                "description": "previous = the preceding period of equal length (环比); yoy = a year earlier (同比).",
            },
            "order_by": {
                "type": "array",
                "description": "Sort keys: metric or dimension ids of this query.",
                "items": _order_schema(),
            },
            "limit": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_LIMIT},
        },
    }


def _id_list(ids: list[str], description: str, *, min_items: int = 0) -> dict[str, Any]:
    """A list of ids from an enum."""
    schema: dict[str, Any] = {
        "type": "array",
        "items": {"type": "string", "enum": ids},
        "description": description,
    }
    if min_items:
        schema["minItems"] = min_items
    return schema


def _filter_schema(dimension_ids: list[str]) -> dict[str, Any]:
    """{dimension, values[], negate}."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["dimension", "values"],
        "properties": {
            "dimension": {"type": "string", "enum": dimension_ids},
            "values": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "negate": {"type": "boolean"},
        },
    }


def _metric_filter_schema(metric_ids: list[str]) -> dict[str, Any]:
    """{metric, op, value}."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["metric", "op", "value"],
        "properties": {
            "metric": {"type": "string", "enum": metric_ids},
            "op": {"type": "string", "enum": list(OPERATORS)},
            "value": {"type": "number"},
        },
    }


def _time_range_schema() -> dict[str, Any]:
    """{start, end} as ISO dates."""
    day = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["start", "end"],
        "description": "Inclusive range of calendar days, ISO dates (YYYY-MM-DD).",
        "properties": {"start": day, "end": day},
    }


def _order_schema() -> dict[str, Any]:
    """{key, descending}."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["key"],
        "properties": {"key": {"type": "string"}, "descending": {"type": "boolean"}},
    }


# --- MetricQuery → JSON -------------------------------------------------------------------------


def query_to_json(q: MetricQuery) -> dict[str, Any]:
    """The JSON form of a MetricQuery; `query_from_json(catalog, query_to_json(q)) == q` for valid queries."""
    return {
        "metrics": list(q.metrics),
        "dimensions": list(q.dimensions),
        "grain": q.grain,
        "filters": [{"dimension": f.dimension, "values": list(f.values), "negate": f.negate} for f in q.filters],
        "metric_filters": [{"metric": f.metric, "op": f.op, "value": f.value} for f in q.metric_filters],
        "time_range": {"start": q.time_range.start.isoformat(), "end": q.time_range.end.isoformat()},
        "compare": q.compare,
        "order_by": [{"key": o.key, "descending": o.descending} for o in q.order_by],
        "limit": q.limit,
    }


# --- JSON → MetricQuery -------------------------------------------------------------------------


@dataclass
class _Reader:
    """Reads one JSON document field by field, collecting every problem instead of stopping at the first."""

    catalog: Catalog
    resolver: ValueResolver
    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, en: str, zh: str, suggestions: list[str] | tuple[str, ...] = ()) -> None:
        self.problems.append(Problem(code, en, zh, tuple(suggestions)))

    def bad_type(self, where: str, expected_en: str, expected_zh: str) -> None:
        self.add("bad_query_json", f"{where}: expected {expected_en}.", f"{where}：应为{expected_zh}。")

    def strings(self, data: Mapping[str, Any], key: str, *, required: bool = False) -> list[str]:
        value = data.get(key)
        if value is None:
            if required:
                self.add("bad_query_json", f"{key}: required.", f"缺少 {key}。")
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.bad_type(key, "a list of strings", "字符串列表")
            return []
        return cast(list[str], value)

    def objects(self, data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.bad_type(key, "a list of objects", "对象列表")
            return []
        return cast(list[Mapping[str, Any]], value)

    def unknown_keys(self, data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                self.add(
                    "bad_query_json",
                    f"{where}: unknown field {key!r}.",
                    f"{where}：未知字段 {key!r}。",
                    nearest(str(key), sorted(allowed)),
                )

    # -- metrics and dimensions

    def metric_id(self, raw: str, where: str) -> str | None:
        metric = self.catalog.metrics.get(raw)
        if metric is not None and not metric.internal:
            return raw
        public = self.catalog.public_metrics()
        by_name = [m.id for m in public if raw.strip().lower() in (n.lower() for n in m.names.all())]
        suggestions = list(dict.fromkeys([*by_name, *nearest(raw, [m.id for m in public])]))
        self.add("unknown_metric", f"{where}: unknown metric {raw!r}.", f"{where}：没有指标 {raw!r}。", suggestions)
        return None

    def dimension_id(self, raw: str, where: str) -> str | None:
        if raw in self.catalog.dimensions:
            return raw
        wanted = raw.strip().lower()
        by_name = [d.id for d in self.catalog.dimensions.values() if wanted in map(str.lower, d.names.all())]
        suggestions = list(dict.fromkeys([*by_name, *nearest(raw, list(self.catalog.dimensions))]))
        self.add(
            "unknown_dimension", f"{where}: unknown dimension {raw!r}.", f"{where}：没有维度 {raw!r}。", suggestions
        )
        return None

    def metrics(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        raw = self.strings(data, "metrics", required=True)
        if "metrics" in data and isinstance(data["metrics"], list) and not data["metrics"]:
            self.add("no_metric", "metrics: name at least one metric.", "metrics：请至少指定一个指标。")
        ids = [self.metric_id(m, "metrics") for m in raw]
        return tuple(dict.fromkeys(i for i in ids if i is not None))

    def dimensions(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        ids = [self.dimension_id(d, "dimensions") for d in self.strings(data, "dimensions")]
        return tuple(i for i in ids if i is not None)

    # -- filters

    def filters(self, data: Mapping[str, Any]) -> tuple[DimensionFilter, ...]:
        out = []
        for i, item in enumerate(self.objects(data, "filters")):
            parsed = self.one_filter(item, f"filters[{i}]")
            if parsed is not None:
                out.append(parsed)
        return tuple(out)

    def one_filter(self, item: Mapping[str, Any], where: str) -> DimensionFilter | None:
        self.unknown_keys(item, frozenset({"dimension", "values", "negate"}), where)
        dim_raw, values, negate = item.get("dimension"), item.get("values"), item.get("negate", False)
        ok = True
        if not isinstance(dim_raw, str):
            self.bad_type(f"{where}.dimension", "a dimension id", "维度 id")
            ok = False
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
            self.bad_type(f"{where}.values", "a non-empty list of strings", "非空字符串列表")
            ok = False
        if not isinstance(negate, bool):
            self.bad_type(f"{where}.negate", "true or false", "true 或 false")
            ok = False
        dim = self.dimension_id(dim_raw, f"{where}.dimension") if isinstance(dim_raw, str) else None
        if not ok or dim is None:
            return None
        canonical = [self.value(dim, v) for v in cast(list[str], values)]
        if any(v is None for v in canonical):
            return None
        return DimensionFilter(dim, tuple(v for v in canonical if v is not None), cast(bool, negate))

    def value(self, dimension: str, raw: str) -> str | None:
        try:
            return self.resolver.resolve(dimension, raw).id
        except UserError as e:
            self.problems.extend(e.problems)
            return None

    def metric_filters(self, data: Mapping[str, Any]) -> tuple[MetricFilter, ...]:
        out = []
        for i, item in enumerate(self.objects(data, "metric_filters")):
            where = f"metric_filters[{i}]"
            self.unknown_keys(item, frozenset({"metric", "op", "value"}), where)
            metric, op, value = item.get("metric"), item.get("op"), item.get("value")
            mid = self.metric_id(metric, f"{where}.metric") if isinstance(metric, str) else None
            if not isinstance(metric, str):
                self.bad_type(f"{where}.metric", "a metric id", "指标 id")
            if op not in OPERATORS:
                self.bad_type(f"{where}.op", f"one of {' '.join(OPERATORS)}", f"{' '.join(OPERATORS)} 之一")
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.bad_type(f"{where}.value", "a number", "数字")
            elif mid is not None and op in OPERATORS:
                out.append(MetricFilter(mid, cast(Operator, op), float(value)))
        return tuple(out)

    # -- time, comparison, order, limit

    def day(self, raw: Any, where: str) -> dt.date | None:
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw.strip())
            except ValueError:
                pass
        self.add(
            "bad_date",
            f"{where}: {raw!r} is not an ISO date (YYYY-MM-DD).",
            f"{where}：{raw!r} 不是 ISO 日期（YYYY-MM-DD）。",
        )
        return None

    def time_range(self, data: Mapping[str, Any]) -> TimeRange | None:
        raw = data.get("time_range")
        if not isinstance(raw, dict):
            self.bad_type("time_range", "an object {start, end} of ISO dates", "形如 {start, end} 的 ISO 日期对象")
            return None
        self.unknown_keys(raw, frozenset({"start", "end"}), "time_range")
        start, end = self.day(raw.get("start"), "time_range.start"), self.day(raw.get("end"), "time_range.end")
        if start is None or end is None:
            return None
        if end < start:
            self.add(
                "bad_date",
                f"time_range: ends ({end}) before it starts ({start}).",
                f"time_range：结束日期（{end}）早于开始日期（{start}）。",
            )
            return None
        return TimeRange(start, end)

    def grain(self, data: Mapping[str, Any]) -> Grain:
        raw = data.get("grain", "day")
        if raw is None:
            return "day"
        if raw not in GRAINS:
            self.add("bad_grain", f"grain: {raw!r} is not day, week or month.", f"grain：{raw!r} 不是 day/week/month。")
            return "day"
        return cast(Grain, raw)

    def compare(self, data: Mapping[str, Any]) -> Comparison | None:
        raw = data.get("compare")
        if raw is None:
            return None
        if raw not in COMPARISONS:
            self.add(
                "bad_compare",
                f"compare: {raw!r} is not previous, yoy or null.",
                f"compare：{raw!r} 不是 previous、yoy 或 null。",
            )
            return None
        return cast(Comparison, raw)

    def order_by(self, data: Mapping[str, Any]) -> tuple[OrderBy, ...]:
        out = []
        for i, item in enumerate(self.objects(data, "order_by")):
            where = f"order_by[{i}]"
            self.unknown_keys(item, frozenset({"key", "descending"}), where)
            key, descending = item.get("key"), item.get("descending", True)
            if not isinstance(key, str) or not key:
                self.bad_type(f"{where}.key", "a metric or dimension id", "指标或维度 id")
            elif not isinstance(descending, bool):
                self.bad_type(f"{where}.descending", "true or false", "true 或 false")
            else:
                out.append(OrderBy(key, descending))
        return tuple(out)

    def limit(self, data: Mapping[str, Any]) -> int | None:
        raw = data.get("limit")
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_LIMIT:
            self.add(
                "bad_limit",
                f"limit: expected a whole number from 1 to {MAX_LIMIT}, got {raw!r}.",
                f"limit：应为 1 到 {MAX_LIMIT} 的整数，实际为 {raw!r}。",
            )
            return None
        return raw

    # -- combinations

    def sliceable(
        self, metric_ids: tuple[str, ...], dims: tuple[str, ...], filters: tuple[DimensionFilter, ...]
    ) -> None:
        """Every metric × dimension pair the catalog forbids, not only the first."""
        for mid in metric_ids:
            metric = self.catalog.metrics[mid]
            for dim in dims:
                self.collect(partial(check_sliceable, self.catalog, metric, (dim,), "broken down"))
            for f in filters:
                self.collect(partial(check_sliceable, self.catalog, metric, (f.dimension,), "filtered"))

    def collect(self, check: Callable[[], object]) -> None:
        try:
            check()
        except UserError as e:
            for p in e.problems:
                if p not in self.problems:
                    self.problems.append(p)


def query_from_json(catalog: Catalog, data: Any, *, resolver: ValueResolver | None = None) -> MetricQuery:
    """Validate `data` strictly against the catalog; raise UserError listing every issue found.

    Filter values are resolved to canonical ids where the catalog lists a dimension's values
    (天猫 / Tmall → tmall); pass a `resolver` with a warehouse to check looked-up values too."""
    if not isinstance(data, dict):
        raise UserError(Problem("bad_query_json", "The query must be a JSON object.", "查询必须是 JSON 对象。"))
    reader = _Reader(catalog, resolver or ValueResolver(catalog))
    reader.unknown_keys(data, TOP_KEYS, "query")
    metrics, dims = reader.metrics(data), reader.dimensions(data)
    filters, metric_filters = reader.filters(data), reader.metric_filters(data)
    time_range, grain, compare = reader.time_range(data), reader.grain(data), reader.compare(data)
    order_by, limit = reader.order_by(data), reader.limit(data)
    reader.sliceable(metrics, dims, filters)
    query = None
    if metrics and time_range is not None:  # the remaining rules (order keys, shapes, …), on what did parse
        query = MetricQuery(metrics, time_range, dims, grain, filters, metric_filters, compare, order_by, limit)
        reader.collect(partial(compile_query, catalog, query))
    if reader.problems or query is None:
        raise UserError(*reader.problems)
    return query
