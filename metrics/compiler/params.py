"""Bind parameters: values never pasted into SQL text, except when rendering for display."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp


@dataclass
class Params:
    """Collects values and hands out named placeholders ($p0, $p1 …)."""

    values: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> exp.Placeholder:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return exp.Placeholder(this=name)


def literal(value: Any) -> exp.Expr:
    """A SQL literal for a bound value (used only to show SQL, never to run it)."""
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.Type.TIMESTAMP)
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def inline(tree: exp.Expr, values: dict[str, Any]) -> exp.Expr:
    """A copy of `tree` with every placeholder replaced by its value as a literal."""

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder) and node.name in values:
            return literal(values[node.name])
        return node

    return tree.copy().transform(swap)
