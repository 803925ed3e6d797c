"""The warehouse protocol: one class every engine implements, read-only and bounded.

``Warehouse(target)`` opens the engine a path or URL names (metrics/engines/url.py): a plain path
or ``duckdb:///…`` is the embedded DuckDB file, ``postgresql://`` PostgreSQL, ``mysql://`` the MySQL
protocol (MySQL, MariaDB, StarRocks, Doris), ``spark://`` / ``sc://`` Spark. Each engine lives in
one module of metrics/engines/ and sees only SQL the compiler (or the SQL guard) produced: a tree
is rendered in the engine's dialect, a DuckDB-dialect string is parsed and rendered the same way,
and values always travel as bind parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlglot import exp

from metrics.engines.url import WarehouseURL, parse_url

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
# The settings every DuckDB query runs with: no file or network access, and no extension installed or
# loaded behind our back (for a plain duckdb.connect of the file, e.g. to compare timings).
CONNECT_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

Statement = str | exp.Expr  # a tree, or SQL text in the DuckDB dialect


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


class Warehouse:
    """The warehouse protocol. ``Warehouse(path_or_url)`` returns the engine's implementation.

    Every implementation: a read-only session where the engine has one, the engine's own statement
    time limit (``timeout_s``), a row cap (``row_cap``, `QueryResult.truncated` when it cut), a small
    connection pool, and one-line `UserError`s in both languages for an unreachable host, bad
    credentials, a missing table or column and a timeout.
    """

    dialect = "duckdb"  # the sqlglot dialect the engine speaks
    url: WarehouseURL
    timeout_s: float
    row_cap: int

    def __new__(cls, target: str | Path, *args: Any, **kwargs: Any) -> Warehouse:
        if cls is Warehouse:
            from metrics.engines import engine_class

            cls = engine_class(parse_url(target).engine)
        return object.__new__(cls)

    def __init__(
        self,
        target: str | Path,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        row_cap: int = DEFAULT_ROW_CAP,
        check_tables: Sequence[str] = REQUIRED_TABLES,
    ) -> None:
        raise NotImplementedError

    @property
    def label(self) -> str:
        """Where the warehouse is, as it may be shown (no password)."""
        return self.url.redacted()

    @property
    def target(self) -> str:
        """What opens this warehouse again (in another process): the path or the URL."""
        return str(self.url.path) if self.url.engine == "duckdb" else self.url.text

    def query(
        self,
        sql: Statement,
        params: dict[str, Any] | None = None,
        *,
        timeout_s: float | None = None,
        row_cap: int | None = None,
    ) -> QueryResult:
        """Run one read-only statement with the time limit and the row cap."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def meta(self) -> dict[str, str]:
        """The generator's record (seed, scale, start and end dates); empty for other warehouses."""
        raise NotImplementedError

    def columns(self) -> dict[str, dict[str, str]]:
        """table → column → type (DuckDB spelling) of the warehouse's tables and the forecast store's."""
        raise NotImplementedError

    def last_day(self) -> dt.date:
        """The warehouse's last complete day: the generator's end date, else the last order day."""
        raise NotImplementedError

    def first_day(self) -> dt.date | None:
        start = self.meta().get("start_date")
        return dt.date.fromisoformat(start) if start else None

    def rollup_stamps(self) -> dict[str, Any]:
        """rollup id → metrics.rollups.store.Stamp of the rollups stored beside the warehouse. Only the
        embedded DuckDB engine keeps rollups; the others read raw tables (empty)."""
        return {}

    def rollup_source(self) -> str:
        """What the rollup stamps' `source` is compared with: the warehouse as it is now."""
        return ""

    def has_forecast(self) -> bool:
        """The forecast store can be queried (fc_stock_projection …)."""
        raise NotImplementedError

    def forecast_as_of(self) -> dt.date | None:
        """The as-of date of the stored forecast; None when there is none."""
        raise NotImplementedError

    def forecast_problem(self) -> str | None:
        """Why the forecast store is not usable, None when it is fine or absent."""
        raise NotImplementedError

    @property
    def forecast_location(self) -> str:
        """Where `forecast refresh` keeps the projection of this warehouse."""
        raise NotImplementedError
