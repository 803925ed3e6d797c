"""Readable Chinese labels for entities and thresholds ("玻尿酸补水面膜（SKU-00012）· 上海仓", "≥ 8.0%（红）")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alerts.rules.model import Anomaly, Change, Rule, Severity
from metrics.catalog.types import Catalog, Metric
from metrics.present import format_number, plain_json

OP_TEXT = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}
SEVERITY_ZH: dict[Severity, str] = {"warning": "黄", "critical": "红"}


def dictionary_name(catalog: Catalog, dim: str, value: str) -> str | None:
    for v in catalog.dimensions[dim].values:
        if v.id == value:
            return v.zh
    return None


def entity_label(catalog: Catalog, rule: Rule, entity: dict[str, str], names: dict[str, str]) -> str:
    """Each dimension's Chinese name; values without a dictionary (SKUs) also show their id.
    The whole scope (no dimensions) is named by its filters, e.g. "抖音", else "整体"."""
    if not entity:
        parts = ["、".join(dictionary_name(catalog, dim, v) or v for v in values) for dim, values in rule.scope.filters]
        return " · ".join(parts) or "整体"
    parts = []
    for dim, value in entity.items():
        known = dictionary_name(catalog, dim, value)
        name = names.get(dim) or known
        if not value:
            parts.append(f"（无{catalog.dimensions[dim].names.zh}）")
        elif known is not None or not name or name == value:
            parts.append(name or value)
        else:
            parts.append(f"{name}（{value}）")
    label = parts[0]
    for part in parts[1:]:  # "…（SKU-00012）· 上海仓": a full-width bracket brings its own space
        label += ("· " if label.endswith("）") else " · ") + part
    return label


def value_text(value: Any, metric: Metric) -> str:
    return format_number(value, metric.format)


def json_value(value: Any) -> float | str | None:
    """A metric value for a Finding: a number as float, a date as its ISO string."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    converted = plain_json(value)
    if isinstance(converted, bool) or not isinstance(converted, int | float):
        return None if converted is None else str(converted)
    return float(converted)


def limit_text(op: str, limit: float, metric: Metric, severity: Severity | None = None) -> str:
    text = f"{OP_TEXT[op]} {value_text(limit, metric)}"
    return f"{text}（{SEVERITY_ZH[severity]}）" if severity is not None else text


def baseline_name(c: Change, window_days: int) -> str:
    if c.versus == "week_ago":
        return "上周同日" if window_days == 1 else "上周同期"
    return "前一天" if window_days == 1 else f"前{window_days}天"


def change_text(c: Change, metric: Metric, window_days: int) -> str:
    sign = {"drop": "−", "rise": "+", "any": "±"}[c.direction]
    size = f"{c.percent:g}%" if c.percent is not None else value_text(c.absolute, metric)
    return f"{sign}{size} vs {baseline_name(c, window_days)}"


def anomaly_text(c: Anomaly) -> str:
    test = {"rise": f"z ≥ {c.z:g}", "drop": f"z ≤ −{c.z:g}", "any": f"|z| ≥ {c.z:g}"}[c.direction]
    return f"{test}（对比近{c.weeks}周同星期几）"


def no_data_text(window_days: int) -> str:
    return "当天无数据" if window_days == 1 else f"近{window_days}天无数据"
