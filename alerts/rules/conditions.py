"""Read a rule's ``condition:`` mapping into one of the condition types of the model."""

from __future__ import annotations

import itertools
from typing import Literal, cast

from alerts.rules.fields import Fields
from alerts.rules.model import (
    SEVERITIES,
    Anomaly,
    Change,
    Condition,
    Forecast,
    Graded,
    NoData,
    Op,
    Severity,
    Threshold,
)
from alerts.rules.parts import OPS

TYPES = ("threshold", "graded", "change", "anomaly", "forecast", "no_data")
Direction = Literal["drop", "rise", "any"]
DIRECTIONS = ("drop", "rise", "any")
_KEYS: dict[str, tuple[str, ...]] = {
    "threshold": ("op", "limit", "severity"),
    "forecast": ("op", "limit", "severity"),
    "graded": ("op", "levels"),
    "change": ("versus", "direction", "percent", "absolute", "severity", "min_base"),
    "anomaly": ("z", "weeks", "direction", "severity", "min_value"),
    "no_data": ("severity",),
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "threshold": ("op", "limit"),
    "forecast": ("op", "limit"),
    "graded": ("op", "levels"),
    "change": ("direction",),
}
_DEFAULT_SEVERITY: dict[str, Severity] = {"forecast": "critical", "no_data": "critical"}


def read_condition(f: Fields | None) -> Condition | None:
    if f is None:
        return None
    kind = f.choice("type", TYPES)
    if kind is None:
        if "type" not in f.node:
            f.problem(None, f"condition: missing 'type' (one of {', '.join(TYPES)})")
        return None
    f.keys(("type", *_KEYS[kind]), required=_REQUIRED.get(kind, ()))
    severity = cast(Severity, f.choice("severity", SEVERITIES, _DEFAULT_SEVERITY.get(kind, "warning")))
    if kind in ("threshold", "forecast"):
        op, limit = f.choice("op", OPS), f.number("limit")
        if op is None or limit is None:
            return None
        made = Threshold if kind == "threshold" else Forecast
        return made(cast(Op, op), limit, severity)
    if kind == "graded":
        return _graded(f)
    if kind == "change":
        return _change(f, severity)
    if kind == "anomaly":
        return _anomaly(f, severity)
    return NoData(severity)


def _graded(f: Fields) -> Graded | None:
    """op: ">=", levels: {warning: 0.05, critical: 0.08} — each level stricter than the one below."""
    op = f.choice("op", OPS)
    levels_node = f.sub("levels")
    if levels_node is None:  # missing or not a mapping: reported
        return None
    levels_node.keys(SEVERITIES)
    levels: list[tuple[Severity, float]] = []
    for severity in SEVERITIES:
        value = levels_node.number(severity)
        if value is not None:
            levels.append((severity, value))
    if not levels:
        f.problem("levels", "condition.levels: give at least one of warning, critical with its limit")
        return None
    if op is None:
        return None
    limits = [v for _, v in levels]
    rising = op in (">", ">=")
    if any((b <= a) if rising else (b >= a) for a, b in itertools.pairwise(limits)):
        order = "higher" if rising else "lower"
        f.problem(
            "levels",
            f"condition.levels: with op {op!r} each level must be {order} than the one below it "
            f"(warning {limits[0]:g}, critical {limits[-1]:g})",
        )
        return None
    return Graded(cast(Op, op), tuple(levels))


def _change(f: Fields, severity: Severity) -> Change | None:
    versus = f.choice("versus", ("previous", "week_ago"), "previous")
    direction = f.choice("direction", DIRECTIONS)
    percent, absolute = f.number("percent"), f.number("absolute")
    has_percent, has_absolute = "percent" in f.node, "absolute" in f.node
    if has_percent == has_absolute:
        f.problem(None, "condition: a change needs exactly one of percent (e.g. 30 = 30%) or absolute")
        return None
    size = percent if has_percent else absolute
    if size is not None and size <= 0:
        key = "percent" if has_percent else "absolute"
        f.problem(key, f"condition.{key}: the size of the move must be positive (direction says which way)")
        return None
    min_base = f.number("min_base", 0.0)
    if direction is None or versus is None or size is None or min_base is None:
        return None
    return Change(
        cast(Literal["previous", "week_ago"], versus),
        cast(Direction, direction),
        percent=percent,
        absolute=absolute,
        severity=severity,
        min_base=min_base,
    )


def _anomaly(f: Fields, severity: Severity) -> Anomaly | None:
    z = f.number("z", 3.5)
    if z is not None and z <= 0:
        f.problem("z", "condition.z: the robust z-score limit must be positive")
        return None
    weeks = f.integer("weeks", 8, minimum=3, maximum=52)
    direction = f.choice("direction", DIRECTIONS, "rise")
    min_value = f.number("min_value", 0.0)
    if z is None or direction is None or min_value is None:
        return None
    return Anomaly(z, weeks, cast(Direction, direction), severity, min_value)
