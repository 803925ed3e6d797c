"""Check a MetricQuery against the catalog and a role, and group its metrics into units.

A unit is one aggregation over one model with one way of reading time (the period, the last
snapshot of the period, a trailing window, or a per-entity repeat count). Each unit becomes one
CTE; the final query joins the units on the breakdown keys and computes derived metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlglot import exp

from metrics.catalog.types import TIME_DIMENSION, Catalog, Metric, Model, Role
from metrics.compiler.bounds import check_period
from metrics.problems import nearest, user_error
from metrics.query import DimensionFilter, MetricQuery, filterable_columns

Variant = Literal["period", "snapshot", "trailing", "repeat"]
MAX_LIMIT = 100_000
VERB_ZH = {"filtered": "筛选", "broken down": "拆分"}


@dataclass(frozen=True)
class Unit:
    name: str
    model: Model
    variant: Variant
    leaves: tuple[Metric, ...]
    measures: tuple[tuple[str, exp.Expr], ...]
    trailing_days: int = 0


@dataclass(frozen=True)
class Plan:
    query: MetricQuery
    metrics: tuple[Metric, ...]
    dimensions: tuple[str, ...]
    filters: tuple[DimensionFilter, ...]
    units: tuple[Unit, ...] = field(default=())


def check_metric_ids(catalog: Catalog, ids: tuple[str, ...]) -> tuple[Metric, ...]:
    if not ids:
        raise user_error(
            "no_metric",
            "Name at least one metric.",
            "请至少指定一个指标。",
            [m.id for m in catalog.public_metrics()][:5],
        )
    out = []
    for mid in ids:
        if mid not in catalog.metrics:
            raise user_error(
                "unknown_metric",
                f"Unknown metric {mid!r}.",
                f"没有指标 {mid!r}。",
                nearest(mid, [m.id for m in catalog.public_metrics()]),
            )
        out.append(catalog.metrics[mid])
    return tuple(dict.fromkeys(out))


def check_dimension_ids(catalog: Catalog, ids: tuple[str, ...]) -> None:
    for dim in ids:
        if dim not in catalog.dimensions:
            raise user_error(
                "unknown_dimension",
                f"Unknown dimension {dim!r}.",
                f"没有维度 {dim!r}。",
                nearest(dim, list(catalog.dimensions)),
            )


def check_sliceable(catalog: Catalog, metric: Metric, dims: tuple[str, ...], verb: str) -> None:
    allowed = catalog.sliceable[metric.id]
    for dim in dims:
        if dim in allowed:
            continue
        d = catalog.dimensions[dim]
        if dim == TIME_DIMENSION:
            why_en = "it is a point-in-time value (at the end of the period)"
            why_zh = "它是期末时点值"
        else:
            why_en = f"its data can only be split by {', '.join(sorted(allowed)) or 'nothing'}"
            why_zh = (
                f"它的数据只能按 {'、'.join(catalog.dimensions[a].names.zh for a in sorted(allowed)) or '（无）'} 切分"
            )
        raise user_error(
            "not_sliceable",
            f"{metric.names.en} ({metric.id}) cannot be {verb} by {d.names.en} ({dim}): {why_en}.",
            f"{metric.names.zh}（{metric.id}）不能按{d.names.zh}（{dim}）{VERB_ZH[verb]}：{why_zh}。",
        )


def check_role(
    catalog: Catalog, role: Role | None, metrics: tuple[Metric, ...], filters: tuple[DimensionFilter, ...]
) -> tuple[DimensionFilter, ...]:
    """Refuse what the role may not see; return the row filters to inject."""
    if role is None:
        return ()
    for metric in metrics:
        closure = {metric.id, *catalog.leaf_models[metric.id], *metric.depends_on}
        hidden = [
            m
            for m in closure
            if m in role.deny_metrics or (role.allow_metrics is not None and m not in role.allow_metrics)
        ]
        if hidden:
            raise user_error(
                "forbidden_metric",
                f"Role {role.id} may not see {metric.names.en} ({metric.id}).",
                f"角色 {role.names.zh} 无权查看 {metric.names.zh}（{metric.id}）。",
            )
        for dim in role.row_filters:
            if dim not in catalog.sliceable[metric.id]:
                raise user_error(
                    "forbidden_metric",
                    f"Role {role.id} sees only part of the {dim} data, and {metric.id} cannot be limited that way.",
                    f"角色 {role.names.zh} 只能看部分{catalog.dimensions[dim].names.zh}数据，"
                    f"而 {metric.names.zh} 无法按此限制。",
                )
    for f in filters:
        allowed = role.row_filters.get(f.dimension)
        if allowed is not None and not f.negate and not set(f.values) <= set(allowed):
            raise user_error(
                "forbidden_value",
                f"Role {role.id} may only see {f.dimension} {', '.join(allowed)}.",
                f"角色 {role.names.zh} 只能查看{catalog.dimensions[f.dimension].names.zh} {'、'.join(allowed)}。",
            )
    return tuple(DimensionFilter(dim, values) for dim, values in role.row_filters.items())


def check_shape(catalog: Catalog, q: MetricQuery, metrics: tuple[Metric, ...]) -> None:
    if (q.compare == "other") != (q.compare_range is not None):
        raise user_error(
            "bad_compare_range",
            "A second period is compared only with compare='other', and compare='other' needs that period.",
            "与另一时间段对比时，需同时给出 compare='other' 和那个时间段。",
        )
    if q.compare is not None and TIME_DIMENSION in q.dimensions:
        raise user_error(
            "compare_with_date",
            "A comparison cannot also be broken down by date; drop one of them.",
            "对比（同比/环比）暂不支持同时按日期拆分，请去掉其一。",
        )
    if q.grain not in catalog.dimensions[TIME_DIMENSION].grains:
        raise user_error(
            "bad_grain",
            f"Unknown grain {q.grain!r}; use day, week or month.",
            f"未知的时间粒度 {q.grain!r}，可选 day、week、month。",
        )
    if q.limit is not None and not 1 <= q.limit <= MAX_LIMIT:
        raise user_error(
            "bad_limit", f"Limit must be between 1 and {MAX_LIMIT}.", f"limit 必须在 1 到 {MAX_LIMIT} 之间。"
        )
    if len(set(q.dimensions)) != len(q.dimensions):
        raise user_error("repeated_dimension", "A dimension is listed twice.", "维度重复。")
    names = {m.id for m in metrics} | set(q.dimensions)
    for o in q.order_by:
        if o.key not in names:
            raise user_error(
                "bad_order",
                f"Cannot order by {o.key!r}: it is not a metric or dimension of the query.",
                f"无法按 {o.key!r} 排序：它不是本次查询的指标或维度。",
                sorted(names),
            )
    filterable = filterable_columns(tuple(m.id for m in metrics), q.compare)
    for mf in q.metric_filters:
        if mf.metric not in filterable:
            raise user_error(
                "bad_metric_filter",
                f"Filter on {mf.metric!r}: add that metric to the query.",
                f"按 {mf.metric!r} 筛选时，需要把该指标加入查询。",
            )
    check_dates(q, metrics)
    for f in q.filters:
        if f.dimension == TIME_DIMENSION:
            raise user_error(
                "date_filter",
                "Use the time range, not a filter, to choose dates.",
                "请用时间范围（from/to）选择日期，而不是维度筛选。",
            )


def check_dates(q: MetricQuery, metrics: tuple[Metric, ...]) -> None:
    """A date-valued metric (a projected stockout day) has no change to compute and no number to compare with."""
    dates = [m for m in metrics if m.unit == "date"]
    if q.compare is not None and dates:
        m = dates[0]
        raise user_error(
            "compare_date_metric",
            f"{m.names.en} ({m.id}) is a date; it cannot be compared with another period.",
            f"{m.names.zh}（{m.id}）是日期，不能做同比/环比。",
        )
    filterable = filterable_columns(tuple(m.id for m in metrics), q.compare)
    for mf in q.metric_filters:
        m = next(m for m in metrics if m.id == filterable[mf.metric])
        if m.unit == "date":
            raise user_error(
                "bad_metric_filter",
                f"{m.names.en} ({m.id}) is a date; it cannot be filtered by a number. Narrow the time range instead.",
                f"{m.names.zh}（{m.id}）是日期，不能按数值筛选，请缩小时间范围。",
            )


def build_units(catalog: Catalog, metrics: tuple[Metric, ...]) -> tuple[Unit, ...]:
    groups: dict[tuple[str, Variant, int], list[Metric]] = {}
    repeats: dict[str, int] = {}  # a repeat leaf's own unit, however many metrics reach it
    for metric in metrics:
        for leaf_id in sorted(catalog.leaf_models[metric.id]):
            leaf = catalog.metrics[leaf_id]
            if leaf.kind == "trailing":
                base = catalog.metrics[leaf.base or ""]
                key: tuple[str, Variant, int] = (base.model or "", "trailing", leaf.days or 0)
            elif leaf.kind == "repeat":
                key = (leaf.model or "", "repeat", repeats.setdefault(leaf.id, len(groups)))
            else:
                key = (leaf.model or "", "snapshot" if leaf.kind == "snapshot" else "period", 0)
            bucket = groups.setdefault(key, [])
            if leaf not in bucket:
                bucket.append(leaf)
    units = []
    for (model_id, variant, n), leaves in groups.items():
        suffix = {"period": "", "snapshot": "_last", "trailing": f"_{n}d", "repeat": f"_{leaves[0].id}"}[variant]
        measures = tuple((leaf.id, _measure(catalog, leaf)) for leaf in leaves if leaf.kind != "repeat")
        units.append(
            Unit(
                f"u_{model_id}{suffix}",
                catalog.models[model_id],
                variant,
                tuple(leaves),
                measures,
                n if variant == "trailing" else 0,
            )
        )
    return tuple(units)


def _measure(catalog: Catalog, leaf: Metric) -> exp.Expr:
    source = catalog.metrics[leaf.base or ""] if leaf.kind == "trailing" else leaf
    assert source.expr is not None
    return source.expr


def plan(catalog: Catalog, q: MetricQuery, role: Role | None = None) -> Plan:
    check_period(q)
    metrics = check_metric_ids(catalog, q.metrics)
    check_dimension_ids(catalog, q.dimensions)
    check_dimension_ids(catalog, tuple(f.dimension for f in q.filters))
    check_shape(catalog, q, metrics)
    for metric in metrics:
        check_sliceable(catalog, metric, q.dimensions, "broken down")
        check_sliceable(catalog, metric, tuple(f.dimension for f in q.filters), "filtered")
    policy_filters = check_role(catalog, role, metrics, q.filters)
    return Plan(q, metrics, q.dimensions, q.filters + policy_filters, build_units(catalog, metrics))
