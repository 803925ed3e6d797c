"""Small sqlglot builders shared by the compiler: buckets, safe division, templates."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from metrics.catalog.types import Grain

_TEMPLATES: dict[str, exp.Expr] = {}


def template(sql: str, **parts: exp.Expr) -> exp.Expr:
    """Parse `sql` once, then substitute each bare column named like a keyword argument."""
    if sql not in _TEMPLATES:
        _TEMPLATES[sql] = sqlglot.parse_one(sql, read="duckdb")

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name in parts:
            return parts[node.name].copy()
        return node

    return _TEMPLATES[sql].copy().transform(swap)


def day_of(column: exp.Expr, is_timestamp: bool) -> exp.Expr:
    return exp.cast(column.copy(), exp.DataType.Type.DATE) if is_timestamp else column.copy()


def bucket(column: exp.Expr, grain: Grain, is_timestamp: bool) -> exp.Expr:
    """The day, week (its Monday) or month (its first day) of a time column, as a DATE."""
    if grain == "day":
        return day_of(column, is_timestamp)
    unit = "WEEK" if grain == "week" else "MONTH"
    return template(f"CAST(DATE_TRUNC('{unit}', __t) AS DATE)", __t=column)


def safe_divisions(tree: exp.Expr) -> exp.Expr:
    """Every a / b becomes CAST(a AS DOUBLE) / NULLIF(b, 0): float division, no division by zero."""
    result = tree.copy()
    divisions = list(result.find_all(exp.Div))
    for div in reversed(divisions):  # innermost first, so parents wrap already-safe children
        safe = exp.Div(
            this=exp.cast(div.this, exp.DataType.Type.DOUBLE),
            expression=exp.Nullif(this=div.expression, expression=exp.Literal.number(0)),
        )
        if div is result:
            return safe
        div.replace(safe)
    return result


def all_of(conditions: list[exp.Expr]) -> exp.Expr | None:
    return exp.and_(*conditions, copy=False) if conditions else None


def table(name: str, alias: str | None = None) -> exp.Table:
    """A table reference built directly (no SQL parsing: compiling must stay fast)."""
    node = exp.Table(this=exp.to_identifier(name))
    if alias:
        node.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return node


def named(expression: exp.Expr, name: str) -> exp.Alias:
    return exp.Alias(this=expression, alias=exp.to_identifier(name))


def with_ctes(select: exp.Select, ctes: list[tuple[str, exp.Expr]]) -> exp.Select:
    ctes_nodes = [exp.CTE(this=q, alias=exp.TableAlias(this=exp.to_identifier(n))) for n, q in ctes]
    select.set("with_", exp.With(expressions=ctes_nodes))
    return select


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=False)


def add_join(select: exp.Select, target: exp.Expr, on: exp.Expr | None = None, kind: str = "") -> None:
    """Append a join in place: kind is '', 'LEFT', 'FULL OUTER' or 'CROSS'."""
    args: dict[str, object] = {"this": target}
    if on is not None:
        args["on"] = on
    if kind == "CROSS":
        args["kind"] = "CROSS"
    elif kind:
        side, _, outer = kind.partition(" ")
        args["side"] = side
        if outer:
            args["kind"] = outer
    select.append("joins", exp.Join(**args))
