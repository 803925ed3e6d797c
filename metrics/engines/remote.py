"""What the server engines (PostgreSQL, MySQL protocol, Spark) share: rendering the tree in the
engine's dialect with bind parameters, the pool, the table check, the generator's record and the
forecast store in a schema opsbot owns on the engine (``?forecast_schema=``, default ``opsbot``).

An engine module supplies the driver calls: connect (read-only, time limit), run one statement
under the limit and the cap, list a schema's tables and columns, and turn driver errors into
`UserError`s."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlglot import exp

from metrics.engines import errors
from metrics.engines.limits import Gate, limits_from
from metrics.engines.pool import DEFAULT_SIZE, Pool
from metrics.engines.render import ParamStyle, render, to_tree
from metrics.engines.url import parse_url
from metrics.forecast.store import GENERATED_TABLES, META_TABLE, PROJECTION_TABLE
from metrics.problems import UserError, user_error
from metrics.warehouse import (
    DEFAULT_ROW_CAP,
    DEFAULT_TIMEOUT_S,
    REQUIRED_TABLES,
    QueryResult,
    ResultColumn,
    Statement,
    Warehouse,
)

Rows = tuple[list[ResultColumn], list[tuple[Any, ...]], bool]


class RemoteWarehouse(Warehouse):
    """A warehouse on a server engine. Safe to share between threads (one pooled connection a query)."""

    paramstyle: ParamStyle = "pyformat"

    def __init__(
        self,
        target: str | Path,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        row_cap: int = DEFAULT_ROW_CAP,
        check_tables: Sequence[str] = REQUIRED_TABLES,
    ) -> None:
        self.url = parse_url(target)
        self.timeout_s = timeout_s
        self.row_cap = row_cap
        self.limits = limits_from(self.url.options)
        self._gate = Gate(self.limits)
        self._setup()
        self._pool: Pool[Any] = Pool(self._connect, self._disconnect, int(self.url.options.get("pool", DEFAULT_SIZE)))
        try:
            present = set(self.tables(self.data_schema))
            missing = [t for t in check_tables if t not in present]
            if missing:
                raise errors.foreign(self.label, missing)
            self._meta = self._read_meta() if "opsbot_meta" in present else {}
        except BaseException:
            self._pool.close()
            raise

    # --- what an engine module supplies ----------------------------------------------------------------

    def _setup(self) -> None:
        """Check the driver is installed and the URL complete (before any connection)."""

    def _connect(self) -> Any:
        raise NotImplementedError

    def _disconnect(self, con: Any) -> None:
        con.close()

    def _execute(self, con: Any, sql: str, params: dict[str, Any] | None, timeout_s: float, row_cap: int) -> Rows:
        """Run one statement: (columns, at most row_cap rows, whether more were there)."""
        raise NotImplementedError

    def _problem(self, e: Exception, timeout_s: float) -> UserError | None:
        """The user-facing error for a driver error, None when it is not one of ours to explain."""
        raise NotImplementedError

    def tables(self, schema: str) -> list[str]:
        """The tables (and views) of a schema of the engine."""
        rows = self.query(
            exp.select("table_name")
            .from_("information_schema.tables")
            .where(exp.column("table_schema").eq(exp.Placeholder(this="schema"))),
            {"schema": schema},
        ).rows
        return [str(r[0]) for r in rows]

    def _column_rows(self, schema: str) -> list[tuple[Any, ...]]:
        """(table, column, type) of a schema's tables."""
        return self.query(
            exp.select("table_name", "column_name", "data_type")
            .from_("information_schema.columns")
            .where(exp.column("table_schema").eq(exp.Placeholder(this="schema"))),
            {"schema": schema},
        ).rows

    @property
    def data_schema(self) -> str:
        """The schema (database) the contract tables are in."""
        raise NotImplementedError

    # --- shared ------------------------------------------------------------------------------------------

    @property
    def forecast_schema(self) -> str:
        return self.url.forecast_schema

    @property
    def forecast_location(self) -> str:
        return f"{self.label} (schema {self.forecast_schema})"

    def adapt(self, tree: exp.Expr) -> exp.Expr:
        """The tree as this engine runs it: the forecast tables read from the forecast schema."""
        for table in list(tree.find_all(exp.Table)):
            if table.name in GENERATED_TABLES and not table.args.get("db"):
                table.set("db", exp.to_identifier(self.forecast_schema))
        return tree

    def sql_text(
        self, sql: Statement, params: dict[str, Any] | None = None, row_cap: int | None = None
    ) -> tuple[str, dict[str, Any] | None]:
        """The text and parameters the engine is sent for a statement (capped at ``row_cap`` + 1 rows)."""
        tree = self.adapt(to_tree(sql))
        if row_cap is not None:
            tree = capped(tree, row_cap + 1)
        return render(tree, params, self.dialect, self.paramstyle)

    def query(
        self,
        sql: Statement,
        params: dict[str, Any] | None = None,
        *,
        timeout_s: float | None = None,
        row_cap: int | None = None,
    ) -> QueryResult:
        cap = self.row_cap if row_cap is None else row_cap
        limit = self.timeout_s if timeout_s is None else timeout_s
        text, bound = self.sql_text(sql, params, cap)
        started = time.perf_counter()
        try:
            with self._gate.slot(), self._pool.connection() as con:
                columns, rows, more = self._execute(con, text, bound, limit, cap)
        except UserError:
            raise
        except Exception as e:
            problem = self._problem(e, limit)
            if problem is not None:
                raise problem from e
            raise
        return QueryResult(tuple(columns), rows, more, (time.perf_counter() - started) * 1000)

    def close(self) -> None:
        self._pool.close()

    def _read_meta(self) -> dict[str, str]:
        rows = self.query(exp.select("key", "value").from_("opsbot_meta")).rows
        return {str(k): str(v) for k, v in rows}

    def meta(self) -> dict[str, str]:
        return dict(self._meta)

    def columns(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        schemas = [self.data_schema] + ([self.forecast_schema] if self.has_forecast() else [])
        for schema in schemas:
            for table, column, dtype in self._column_rows(schema):
                out.setdefault(str(table), {})[str(column)] = duckdb_type(str(dtype), self.dialect)
        return out

    def last_day(self) -> dt.date:
        end = self._meta.get("end_date")
        if end:
            return dt.date.fromisoformat(end)
        day = exp.Cast(this=exp.column("order_ts"), to=exp.DataType.build("DATE"))
        rows = self.query(exp.select(exp.Max(this=day)).from_("fact_order")).rows
        if not rows or rows[0][0] is None:
            raise user_error("empty_warehouse", f"{self.label} has no orders.", f"{self.label} 中没有订单数据。")
        value = rows[0][0]
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])

    def has_forecast(self) -> bool:
        return {META_TABLE, PROJECTION_TABLE} <= set(self.tables(self.forecast_schema))

    def forecast_as_of(self) -> dt.date | None:
        if not self.has_forecast():
            return None
        key = exp.column("key").eq(exp.Literal.string("as_of_date"))
        rows = self.query(exp.select("value").from_(META_TABLE).where(key)).rows
        return dt.date.fromisoformat(str(rows[0][0])) if rows else None

    def forecast_problem(self) -> str | None:
        return None


def capped(tree: exp.Expr, rows: int) -> exp.Expr:
    """The statement with its outermost LIMIT at most ``rows``: the engine stops early, and the order
    of the outermost ORDER BY holds (a wrapping subquery may lose it, e.g. on MariaDB)."""
    if not isinstance(tree, exp.Query):
        return tree
    limit = tree.args.get("limit")
    current = limit.expression if isinstance(limit, exp.Limit) else None
    if isinstance(current, exp.Literal) and current.is_int and int(current.this) <= rows:
        return tree
    if limit is not None and not isinstance(current, exp.Literal):
        return tree  # a parameter or an expression: the fetch cap still holds
    if tree.args.get("offset") is not None:
        return tree
    return tree.limit(rows, copy=False)


def duckdb_type(dtype: str, dialect: str) -> str:
    """An engine's type name in DuckDB's spelling (VARCHAR, DECIMAL(12,2), TIMESTAMP …)."""
    from sqlglot.errors import ParseError

    try:
        return exp.DataType.build(dtype, dialect=dialect).sql(dialect="duckdb").upper()
    except (ParseError, ValueError):
        return dtype.upper()
