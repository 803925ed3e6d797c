"""The compiler's tree → SQL text of one engine, with its bind-parameter style.

Only trees reach an engine: a string is SQL in the DuckDB dialect (the SQL guard's output, the
catalog's lookups) and is parsed first, so every engine renders from the same tree."""

from __future__ import annotations

from typing import Any, Literal

import sqlglot
from sqlglot import exp

from metrics.warehouse import Statement

ParamStyle = Literal["pyformat", "colon"]
_TOKEN = "__opsbot_param_{}__"


def to_tree(sql: Statement) -> exp.Expr:
    """A copy of the statement's tree (the caller's tree is never changed)."""
    if isinstance(sql, str):
        return sqlglot.parse_one(sql, read="duckdb")
    return sql.copy()


def render(
    tree: exp.Expr, params: dict[str, Any] | None, dialect: str, style: ParamStyle
) -> tuple[str, dict[str, Any] | None]:
    """(SQL text, the parameters it uses). ``pyformat`` is ``%(name)s`` with every other ``%``
    doubled (psycopg, pymysql); ``colon`` is ``:name`` (Spark)."""
    holders = list(tree.find_all(exp.Placeholder))
    names = [h.name for h in holders]
    values = dict(params or {})
    missing = sorted({n for n in names if n not in values})
    if missing:
        raise KeyError(f"no value for the parameter(s) {', '.join(missing)}")
    used = {n: values[n] for n in names} or None
    if style == "colon" or not holders:
        return tree.sql(dialect=dialect), used
    for h in holders:
        h.replace(exp.var(_TOKEN.format(h.name)))
    text = tree.sql(dialect=dialect).replace("%", "%%")
    for name in set(names):
        text = text.replace(_TOKEN.format(name), f"%({name})s")
    return text, used
