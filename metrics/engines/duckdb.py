"""The embedded default engine: DuckDB opened read-only, no file or network access, time limit, row cap.

The forecast store beside the warehouse file (metrics/forecast/store.py) is attached too when it
is readable; when the file is created, replaced or removed, the next query reconnects."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from metrics.engines.limits import Gate, limits_from, too_big
from metrics.engines.url import parse_url
from metrics.forecast.store import store_path
from metrics.problems import UserError, user_error
from metrics.rollups.store import Stamp, source_identity
from metrics.rollups.store import store_path as rollups_store_path
from metrics.warehouse import (
    DEFAULT_ROW_CAP,
    DEFAULT_TIMEOUT_S,
    REQUIRED_TABLES,
    QueryResult,
    ResultColumn,
    Statement,
    Warehouse,
)
from metrics.warehouse_connect import FORECAST_DB, WAREHOUSE_DB, Opened, open_warehouse

FileIdentity = tuple[int, int, int] | None  # (inode, mtime in ns, size) of a file, None when absent


def file_identity(path: Path) -> FileIdentity:
    """What tells one version of a file from another (a replaced file has a new inode): one stat."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _creation_hint(path: Path) -> str:
    return f"opsbot demo-data --out {path}"


@dataclass(eq=False)
class _Link:
    """One open connection and what was read through it; closed once retired and idle."""

    opened: Opened
    meta: dict[str, str]
    active: int = 0  # queries running on it
    retired: bool = False
    closed: bool = False

    def close_if_done(self) -> None:
        if self.retired and self.active == 0 and not self.closed:
            self.closed = True
            self.opened.con.close()


class DuckDBWarehouse(Warehouse):
    """A read-only DuckDB warehouse. Safe to share between threads: each query uses its own cursor."""

    dialect = "duckdb"

    def __init__(
        self,
        target: str | Path,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        row_cap: int = DEFAULT_ROW_CAP,
        check_tables: Sequence[str] = REQUIRED_TABLES,
    ) -> None:
        self.url = parse_url(target)
        assert self.url.path is not None
        self.path: Path = self.url.path
        self.timeout_s = timeout_s
        self.row_cap = row_cap
        self.limits = limits_from(self.url.options)
        self._gate = Gate(self.limits)
        self._required = tuple(check_tables)
        self._lock = threading.Lock()
        self._closed = False
        self._reopen_problem: str | None = None
        self._forecast_path = store_path(self.path)
        self._rollups_path = rollups_store_path(self.path)
        self._side = self._sides()  # taken before connecting: a later change is seen
        self._link = self._open()

    @property
    def forecast_path(self) -> Path:
        """The forecast store that belongs to this warehouse (it may not exist)."""
        return self._forecast_path

    def _sides(self) -> tuple[FileIdentity, FileIdentity]:
        """The forecast store and the rollup store as they are now: a change means reconnecting."""
        return file_identity(self._forecast_path), file_identity(self._rollups_path)

    def _open(self) -> _Link:
        if not self.path.exists():
            raise user_error(
                "no_warehouse",
                f"No warehouse at {self.path}. Create the demo one with: {_creation_hint(self.path)}",
                f"找不到数据仓库 {self.path}。可以用这条命令生成演示数据：{_creation_hint(self.path)}",
            )
        try:
            opened = open_warehouse(
                self.path,
                self.forecast_path,
                memory_limit=self.limits.memory_limit,
                threads=self.limits.threads,
                rollups=self._rollups_path,
            )
        except duckdb.Error as e:
            raise user_error(
                "bad_warehouse",
                f"{self.path} is not a readable DuckDB warehouse ({str(e).splitlines()[0]}). "
                f"Regenerate it with: {_creation_hint(self.path)}",
                f"{self.path} 不是可读取的 DuckDB 数据仓库（{str(e).splitlines()[0]}）。"
                f"可以重新生成：{_creation_hint(self.path)}",
            ) from e
        try:
            self._check_tables(opened.con)
        except UserError:
            opened.con.close()
            raise
        return _Link(opened, _read_meta(opened.con))  # read-only: how it was made cannot change while open

    def _check_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        present = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = $db AND table_schema = 'main'",
                {"db": WAREHOUSE_DB},
            ).fetchall()
        }
        missing = [t for t in self._required if t not in present]
        if missing:
            raise user_error(
                "foreign_warehouse",
                f"{self.path} is a DuckDB file but not an opsbot warehouse: missing tables {', '.join(missing)}.",
                f"{self.path} 是 DuckDB 文件，但不是 opsbot 数据仓库：缺少表 {'、'.join(missing)}。",
            )

    # --- the current connection, swapped when the forecast store changes ---------------------------

    def _acquire(self) -> _Link:
        side = self._sides()
        with self._lock:
            if side != self._side and not self._closed:
                self._reconnect(side)
            link = self._link
            link.active += 1
            return link

    def _release(self, link: _Link) -> None:
        with self._lock:
            link.active -= 1
            link.close_if_done()

    def _reconnect(self, side: tuple[FileIdentity, FileIdentity]) -> None:
        """Open a new connection (lock held) and swap it in; queries on the old one finish first."""
        self._side = side
        try:
            fresh = self._open()
        except (UserError, duckdb.Error) as e:  # the warehouse itself went bad meanwhile: keep the working one
            reason = e.text("en") if isinstance(e, UserError) else str(e).splitlines()[0]
            self._reopen_problem = f"could not reopen {self.path} for the changed forecast or rollup store: {reason}"
            return
        self._reopen_problem = None
        old, self._link = self._link, fresh
        old.retired = True
        old.close_if_done()

    def _current(self) -> _Link:
        link = self._acquire()
        self._release(link)
        return link

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._link.retired = True
            self._link.close_if_done()

    # --- queries ------------------------------------------------------------------------------------

    @property
    def forecast_location(self) -> str:
        return str(self._forecast_path)

    def query(
        self,
        sql: Statement,
        params: dict[str, Any] | None = None,
        *,
        timeout_s: float | None = None,
        row_cap: int | None = None,
    ) -> QueryResult:
        """Run one statement with a time limit (interrupted when exceeded) and a row cap, once one of
        the ``max_queries`` slots is free (`warehouse_busy` after ``queue_s``)."""
        with self._gate.slot():
            link = self._acquire()
            try:
                return self._run(link, sql, params, timeout_s, row_cap)
            finally:
                self._release(link)

    def _run(
        self, link: _Link, sql: Statement, params: dict[str, Any] | None, timeout_s: float | None, row_cap: int | None
    ) -> QueryResult:
        cap = self.row_cap if row_cap is None else row_cap
        limit = self.timeout_s if timeout_s is None else timeout_s
        cursor = link.opened.con.cursor()
        timer = threading.Timer(limit, cursor.interrupt)
        started = time.perf_counter()
        timer.start()
        try:
            cursor.execute(link.opened.cursor_setup)
            cursor.execute(sql if isinstance(sql, str) else sql.sql(dialect="duckdb"), params or {})
            rows = cursor.fetchmany(cap + 1)
            description = cursor.description or []
        except duckdb.InterruptException as e:
            raise user_error(
                "timeout",
                f"The query took longer than {limit:g} s and was stopped.",
                f"查询超过 {limit:g} 秒，已中止。",
            ) from e
        except duckdb.OutOfMemoryException as e:
            raise too_big() from e
        finally:
            timer.cancel()
            cursor.close()
        columns = tuple(ResultColumn(d[0], str(d[1])) for d in description)
        return QueryResult(columns, rows[:cap], len(rows) > cap, (time.perf_counter() - started) * 1000)

    def columns(self) -> dict[str, dict[str, str]]:
        return _read_columns(self)

    def meta(self) -> dict[str, str]:
        """The generator's record (seed, scale, start and end dates); empty for other warehouses."""
        return dict(self._current().meta)

    def last_day(self) -> dt.date:
        """The warehouse's last complete day: the generator's end date, else the last order day."""
        end = self.meta().get("end_date")
        if end:
            return dt.date.fromisoformat(end)
        rows = self.query("SELECT MAX(CAST(order_ts AS DATE)) FROM fact_order").rows
        if not rows or rows[0][0] is None:
            raise user_error("empty_warehouse", f"{self.path} has no orders.", f"{self.path} 中没有订单数据。")
        value: dt.date = rows[0][0]
        return value

    # --- the rollup store ----------------------------------------------------------------------------

    def rollup_stamps(self) -> dict[str, Stamp]:
        """What each stored rollup was built from (metrics/rollups/store.py); empty without a store."""
        return self._current().opened.rollups

    def rollup_source(self) -> str:
        """The warehouse file as it is now, to compare with the stamps: one stat."""
        return source_identity(self.path)

    # --- the forecast store ---------------------------------------------------------------------------

    def has_forecast(self) -> bool:
        """The forecast store is attached: its tables (fc_stock_projection …) can be queried."""
        return self._current().opened.forecast

    def forecast_as_of(self) -> dt.date | None:
        """The as-of date of the attached forecast store (fc_meta); None when there is none."""
        return self._current().opened.forecast_as_of

    def forecast_problem(self) -> str | None:
        """Why the forecast store beside the warehouse is not usable, None when it is fine or absent."""
        link = self._current()
        return self._reopen_problem or link.opened.forecast_problem


def _read_columns(warehouse: DuckDBWarehouse) -> dict[str, dict[str, str]]:
    columns = exp.select("table_name", "column_name", "data_type").from_("information_schema.columns")
    where = exp.and_(
        exp.column("table_schema").eq(exp.Literal.string("main")),
        exp.column("table_catalog").isin(exp.Placeholder(this="wh"), exp.Placeholder(this="fc")),
    )
    rows = warehouse.query(columns.where(where), {"wh": WAREHOUSE_DB, "fc": FORECAST_DB}, row_cap=100_000).rows
    out: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        out.setdefault(str(table), {})[str(column)] = str(dtype)
    return out


def _read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    try:
        return {str(k): str(v) for k, v in con.execute("SELECT key, value FROM opsbot_meta").fetchall()}
    except duckdb.Error:
        return {}
