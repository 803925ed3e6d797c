"""Result cells as JSON values and as short human text (¥, %, thousands, ISO dates), per metric format."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

from metrics.compiler import CompiledQuery, OutputColumn


def plain_json(value: Any) -> Any:
    """Any warehouse value as JSON, full precision: dates in ISO form, decimals as numbers."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_cell(value: Any, column: OutputColumn, grain: str) -> Any:
    """A result cell as JSON; a month bucket is YYYY-MM (a week is its Monday), an integral id stays whole."""
    if column.role == "dimension":
        if column.ref == "date" and grain == "month" and isinstance(value, dt.date):
            return value.strftime("%Y-%m")
        if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
            return int(value)
    return plain_json(value)


def json_rows(compiled: CompiledQuery, rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    grain = compiled.query.grain
    return [[json_cell(v, c, grain) for v, c in zip(row, compiled.columns, strict=True)] for row in rows]


def format_number(value: Any, fmt: str, *, signed: bool = False) -> str:
    """Text for a metric value in its catalog format: currency, percent, integer, decimal or date."""
    if value is None:
        return "—"
    if fmt == "date":  # a date-valued metric (a projected stockout day): ISO, as in JSON
        return str(plain_json(value))
    x = float(value)
    if not math.isfinite(x):
        return "—"
    sign = "+" if signed and x > 0 else ""
    if fmt == "percent":
        return f"{sign}{x * 100:.1f}%" if not signed else f"{sign}{x * 100:.1f}pp"
    if fmt == "currency":
        return f"{sign}¥{x:,.2f}" if x >= 0 else f"-¥{-x:,.2f}"
    if fmt == "integer":
        return f"{sign}{x:,.0f}"
    return f"{sign}{x:,.2f}"


def format_cell(value: Any, column: OutputColumn, compiled: CompiledQuery) -> str:
    if column.role in ("dimension", "label"):
        return str(json_cell(value, column, compiled.query.grain)) if value is not None else "—"
    metric = next(m for m in compiled.metrics if m.id == column.ref)
    if column.role == "change_pct":
        return "—" if value is None else f"{float(value) * 100:+.1f}%"
    if column.role == "change":
        return format_number(value, metric.format, signed=True)
    return format_number(value, metric.format)
