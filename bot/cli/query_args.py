"""Parse the query command's small languages: DIM=VALUE filters, METRIC<VALUE filters, order keys."""

from __future__ import annotations

import re

from metrics.problems import user_error
from metrics.query import OPERATORS, DimensionFilter, MetricFilter, Operator, OrderBy

_SPLIT = re.compile(r"[,，、]")


def parse_where(items: tuple[str, ...]) -> tuple[DimensionFilter, ...]:
    merged: dict[tuple[str, bool], list[str]] = {}
    for item in items:
        negate = "!=" in item
        dim, sep, raw = item.partition("!=" if negate else "=")
        values = [v.strip() for v in _SPLIT.split(raw) if v.strip()]
        if not sep or not dim.strip() or not values:
            raise user_error(
                "bad_where",
                f"--where {item!r}: expected DIMENSION=VALUE, e.g. channel=天猫.",
                f"--where {item!r}：格式应为 维度=值，例如 channel=天猫。",
            )
        merged.setdefault((dim.strip(), negate), []).extend(values)
    return tuple(DimensionFilter(d, tuple(v), n) for (d, n), v in merged.items())


def parse_having(items: tuple[str, ...]) -> tuple[MetricFilter, ...]:
    out = []
    for item in items:
        for op in OPERATORS:
            metric, sep, raw = item.partition(op)
            if sep:
                break
        try:
            value = float(raw.strip().rstrip("%")) / (100 if raw.strip().endswith("%") else 1)
        except ValueError:
            value = None
        if not sep or not metric.strip() or value is None:
            raise user_error(
                "bad_having",
                f"--having {item!r}: expected METRIC<NUMBER, e.g. days_of_cover<7.",
                f"--having {item!r}：格式应为 指标<数字，例如 days_of_cover<7。",
            )
        op_: Operator = op
        out.append(MetricFilter(metric.strip(), op_, value))
    return tuple(out)


def parse_order(items: tuple[str, ...], dimensions: tuple[str, ...]) -> tuple[OrderBy, ...]:
    out = []
    for item in items:
        key, _, direction = item.strip().lstrip("-").partition(":")
        if direction not in ("", "asc", "desc"):
            raise user_error(
                "bad_order",
                f"--order {item!r}: direction must be asc or desc.",
                f"--order {item!r}：方向只能是 asc 或 desc。",
            )
        descending = direction == "desc" or item.startswith("-") or (not direction and key not in dimensions)
        out.append(OrderBy(key, descending))
    return tuple(out)
