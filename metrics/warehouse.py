"""The warehouse client: DuckDB opened read-only, no file or network access, time limit, row cap."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from metrics.problems import user_error

REQUIRED_TABLES = (
    "dim_category",
    "dim_channel",
    "dim_warehouse",
    "dim_sku",
    "fact_order",
    "fact_order_item",
    "fact_refund",
    "fact_inventory_daily",
    "fact_purchase_order",
    "fact_traffic_daily",
    "fact_ad_spend_daily",
    "fact_complaint",
)
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_ROW_CAP = 100_000
# no file or network access, and no extension may be installed or loaded behind our back
CONNECT_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type: str


@dataclass(frozen=True)
class QueryResult:
    """Rows of one query. `truncated` is true when the row cap cut the result short."""

    columns: tuple[ResultColumn, ...]
    rows: list[tuple[Any, ...]]
    truncated: bool
    elapsed_ms: float

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _creation_hint(path: Path) -> str:
    return f"opsbot demo-data --out {path}"


def _lock(con: duckdb.DuckDBPyConnection) -> None:
    """Lock the configuration so SQL cannot re-enable file or network access.

    A second connection to a file already open in this process shares its (locked) instance;
    then it is enough to confirm that external access is off."""
    try:
        con.execute("SET lock_configuration = true")
    except duckdb.InvalidInputException:
        row = con.execute("SELECT current_setting('enable_external_access')").fetchone()
        if row is None or row[0] not in (False, "false"):
            raise


class Warehouse:
    """A read-only DuckDB warehouse. Safe to share between threads: each query uses its own cursor."""

    def __init__(
        self,
        path: Path,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        row_cap: int = DEFAULT_ROW_CAP,
        check_tables: Sequence[str] = REQUIRED_TABLES,
    ) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self.row_cap = row_cap
        self._con = self._connect()
        self._check_tables(check_tables)
        self._meta = self._read_meta()  # read-only file: how it was made cannot change while it is open

    def _connect(self) -> duckdb.DuckDBPyConnection:
        if not self.path.exists():
            raise user_error(
                "no_warehouse",
                f"No warehouse at {self.path}. Create the demo one with: {_creation_hint(self.path)}",
                f"找不到数据仓库 {self.path}。可以用这条命令生成演示数据：{_creation_hint(self.path)}",
            )
        try:
            con = duckdb.connect(str(self.path), read_only=True, config=dict(CONNECT_CONFIG))
            _lock(con)
        except duckdb.Error as e:
            raise user_error(
                "bad_warehouse",
                f"{self.path} is not a readable DuckDB warehouse ({str(e).splitlines()[0]}). "
                f"Regenerate it with: {_creation_hint(self.path)}",
                f"{self.path} 不是可读取的 DuckDB 数据仓库（{str(e).splitlines()[0]}）。"
                f"可以重新生成：{_creation_hint(self.path)}",
            ) from e
        return con

    def _check_tables(self, required: Sequence[str]) -> None:
        present = {
            r[0]
            for r in self._con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        }
        missing = [t for t in required if t not in present]
        if missing:
            self.close()
            raise user_error(
                "foreign_warehouse",
                f"{self.path} is a DuckDB file but not an opsbot warehouse: missing tables {', '.join(missing)}.",
                f"{self.path} 是 DuckDB 文件，但不是 opsbot 数据仓库：缺少表 {'、'.join(missing)}。",
            )

    def close(self) -> None:
        self._con.close()

    def query(
        self,
        sql: str,
        params: dict[str, Any] | None = None,
        *,
        timeout_s: float | None = None,
        row_cap: int | None = None,
    ) -> QueryResult:
        """Run one statement with a time limit (interrupted when exceeded) and a row cap."""
        cap = self.row_cap if row_cap is None else row_cap
        limit = self.timeout_s if timeout_s is None else timeout_s
        cursor = self._con.cursor()
        timer = threading.Timer(limit, cursor.interrupt)
        started = time.perf_counter()
        timer.start()
        try:
            cursor.execute(sql, params or {})
            rows = cursor.fetchmany(cap + 1)
            description = cursor.description or []
        except duckdb.InterruptException as e:
            raise user_error(
                "timeout",
                f"The query took longer than {limit:g} s and was stopped.",
                f"查询超过 {limit:g} 秒，已中止。",
            ) from e
        finally:
            timer.cancel()
            cursor.close()
        columns = tuple(ResultColumn(d[0], str(d[1])) for d in description)
        return QueryResult(columns, rows[:cap], len(rows) > cap, (time.perf_counter() - started) * 1000)

    def _read_meta(self) -> dict[str, str]:
        try:
            return dict(self._con.execute("SELECT key, value FROM opsbot_meta").fetchall())
        except duckdb.Error:
            return {}

    def meta(self) -> dict[str, str]:
        """The generator's record (seed, scale, start and end dates); empty for other warehouses."""
        return dict(self._meta)

    def last_day(self) -> dt.date:
        """The warehouse's last complete day: the generator's end date, else the last order day."""
        end = self.meta().get("end_date")
        if end:
            return dt.date.fromisoformat(end)
        row = self._con.execute("SELECT MAX(CAST(order_ts AS DATE)) FROM fact_order").fetchone()
        if row is None or row[0] is None:
            raise user_error("empty_warehouse", f"{self.path} has no orders.", f"{self.path} 中没有订单数据。")
        value: dt.date = row[0]
        return value

    def first_day(self) -> dt.date | None:
        start = self.meta().get("start_date")
        return dt.date.fromisoformat(start) if start else None
