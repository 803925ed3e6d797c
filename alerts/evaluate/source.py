"""Running a rule's set-based statements through the semantic layer, and reading their rows.

Every statement is compiled from a MetricQuery by the semantic layer; a few are wrapped in one more
SELECT built as a sqlglot AST (a row count, or only some days of a by-date query). Each statement
run is recorded (parameters inlined, for people). A statement that fails at the source raises
``SourceFailed``; a query the rule itself makes invalid raises the layer's UserError unchanged.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from metrics.compiler import CompiledQuery
from metrics.compiler.params import inline
from metrics.problems import UserError
from metrics.query import MetricQuery
from metrics.service import SemanticLayer
from metrics.warehouse import QueryResult

log = logging.getLogger("opsbot.alerts")


class SourceFailed(Exception):
    """The warehouse (or the forecast store) could not answer: the rule cannot say "all OK"."""


@dataclass(frozen=True)
class Row:
    """One result row: the entity (dimension → value id), its names, its day, its values by column."""

    entity: dict[str, str]
    names: dict[str, str]  # dimension → Chinese name, when the query returned one
    day: dt.date | None
    values: dict[str, Any]


@dataclass
class Source:
    layer: SemanticLayer
    as_of: dt.date
    statements: list[str] = field(default_factory=list)

    def compile(self, query: MetricQuery) -> CompiledQuery:
        return self.layer.compile(query)

    def rows(self, query: MetricQuery) -> list[Row]:
        compiled = self.compile(query)
        return parse_rows(compiled, self.execute(compiled, compiled.ast, compiled.params))

    def rows_on_days(self, query: MetricQuery, days: list[dt.date]) -> list[Row]:
        """A query by date, keeping only ``days`` (e.g. the same weekday of past weeks)."""
        compiled = self.compile(query)
        date_col = next(c.name for c in compiled.columns if c.role == "dimension" and c.ref == "date")
        params = dict(compiled.params)
        holders = []
        for i, day in enumerate(days):
            params[f"day{i}"] = day
            holders.append(exp.Placeholder(this=f"day{i}"))
        wrapped = (
            exp.select(exp.Star())
            .from_(compiled.ast.subquery("by_day"))
            .where(exp.In(this=exp.column(date_col, table="by_day"), expressions=holders))
        )
        return parse_rows(compiled, self.execute(compiled, wrapped, params))

    def count_with_data(self, query: MetricQuery, columns: tuple[str, ...]) -> int:
        """How many rows of the query have a value other than empty or 0 in one of ``columns``."""
        compiled = self.compile(query)
        some = [
            exp.and_(
                exp.Not(this=exp.Is(this=exp.column(c, table="scope"), expression=exp.Null())),
                exp.NEQ(this=exp.column(c, table="scope"), expression=exp.Literal.number(0)),
            )
            for c in columns
        ]
        wrapped = (
            exp.select(exp.Count(this=exp.Star()).as_("n"))
            .from_(compiled.ast.subquery("scope"))
            .where(exp.or_(*some) if some else exp.true())
        )
        result = self.execute(compiled, wrapped, compiled.params)
        return int(result.rows[0][0]) if result.rows else 0

    def execute(self, compiled: CompiledQuery, ast: exp.Expr, params: dict[str, Any]) -> QueryResult:
        self.statements.append(inline(ast, params).sql(dialect="duckdb"))
        try:
            self.layer.prepare(compiled, as_of=self.as_of)
            return self.layer.warehouse.query(ast.sql(dialect="duckdb"), params)
        except Exception as e:  # any failure at the source: the evaluation reports no data, not "OK"
            text = (
                e.text("en") if isinstance(e, UserError) else f"{type(e).__name__}: {(str(e) or '?').splitlines()[0]}"
            )
            log.warning("alert query failed: %s", text)
            raise SourceFailed(text) from e


def first_line(e: Exception) -> str:
    return (str(e) or "?").splitlines()[0]


def plain(value: Any) -> Any:
    """A cell as a plain Python value: decimals as floats, dates as they are."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def parse_rows(compiled: CompiledQuery, result: QueryResult) -> list[Row]:
    out = []
    for raw in result.rows:
        entity: dict[str, str] = {}
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        day: dt.date | None = None
        for column, cell in zip(compiled.columns, raw, strict=True):
            if column.role == "dimension" and column.ref == "date":
                day = cell
            elif column.role == "dimension":
                entity[column.ref] = "" if cell is None else str(cell)
            elif column.role == "label":
                if column.name.endswith("_name_zh") and cell is not None:
                    names[column.ref] = str(cell)
            else:
                values[column.name] = plain(cell)
        out.append(Row(entity, names, day, values))
    return out
