"""Open the warehouse: an in-memory DuckDB with the warehouse file, and the forecast store beside it
when it is readable, attached read-only; then file and network access are switched off and the
configuration locked.

Bare table names: ``USE wh`` makes the warehouse the default database and the writable in-memory
one is detached, so nothing can be written anywhere. ``search_path`` is a setting of one
connection, though, and every query runs on a fresh cursor (a connection of its own), so each
cursor starts with `Opened.cursor_setup` (``SET search_path = 'wh.main,fc.main'``): warehouse
tables first, then the forecast store's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from sqlglot import exp

from metrics.forecast.store import META_TABLE
from metrics.rollups.store import ROLLUPS_DB, Stamp, read_stamps

WAREHOUSE_DB = "wh"
FORECAST_DB = "fc"
# the in-memory database may attach files until it is locked; extensions never install or load
MEMORY_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
_AS_OF_SQL = (
    exp.select("value")
    .from_(exp.table_(META_TABLE, db="main", catalog=FORECAST_DB))
    .where("key = 'as_of_date'")
    .sql(dialect="duckdb")
)


@dataclass(frozen=True)
class Opened:
    """A locked connection and what became of the forecast store."""

    con: duckdb.DuckDBPyConnection
    forecast: bool  # the store is attached as `fc`
    forecast_problem: str | None  # why it is not (or is incomplete), None when fine or absent
    forecast_as_of: dt.date | None
    cursor_setup: str  # run first on every cursor: bare names resolve in the warehouse, then the store
    rollups: dict[str, Stamp] = field(default_factory=dict)  # the rollup store's, attached as `ru`


def _attach(path: Path, name: str) -> str:
    """ATTACH '<path>' AS <name> (READ_ONLY), built as a tree: the path is a string literal (quotes doubled)."""
    statement = exp.Attach(
        this=exp.Alias(this=exp.Literal.string(str(path)), alias=exp.to_identifier(name)),
        exists=False,
        expressions=[exp.AttachOption(this=exp.Var(this="READ_ONLY"))],
    )
    return statement.sql(dialect="duckdb")


def _search_path(databases: list[str]) -> str:
    path = ",".join(f"{db}.main" for db in databases)
    return exp.Set(
        expressions=[exp.SetItem(this=exp.EQ(this=exp.var("search_path"), expression=exp.Literal.string(path)))]
    ).sql(dialect="duckdb")


def _first_line(e: BaseException) -> str:
    return (str(e).splitlines() or [type(e).__name__])[0]


def _read_as_of(con: duckdb.DuckDBPyConnection, side: Path) -> tuple[dt.date | None, str | None]:
    try:
        row = con.execute(_AS_OF_SQL).fetchone()
        return (dt.date.fromisoformat(str(row[0])), None) if row else (None, f"{side} has no as_of_date")
    except (duckdb.Error, ValueError) as e:
        return None, f"{side} has no readable as_of_date ({_first_line(e)})"


def _attach_forecast(con: duckdb.DuckDBPyConnection, side: Path) -> tuple[bool, str | None]:
    if not side.exists():
        return False, None
    try:
        con.execute(_attach(side, FORECAST_DB))
    except duckdb.Error as e:
        return False, f"{side} is not a readable forecast store ({_first_line(e)}); forecasts are unavailable"
    return True, None


def _leave_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Make the warehouse the default database and detach the in-memory one, the only writable database."""
    row = con.execute("SELECT current_database()").fetchone()
    memory = str(row[0]) if row else "memory"
    con.execute(exp.Use(this=exp.Table(this=exp.to_identifier(WAREHOUSE_DB))).sql(dialect="duckdb"))
    con.execute(exp.Detach(this=exp.to_identifier(memory, quoted=True), exists=False).sql(dialect="duckdb"))


def _attach_rollups(con: duckdb.DuckDBPyConnection, store: Path | None) -> dict[str, Stamp]:
    """The rollup store attached read-only with its stamps; nothing when absent or unreadable (raw tables)."""
    if store is None or not store.exists():
        return {}
    try:
        con.execute(_attach(store, ROLLUPS_DB))
    except duckdb.Error:
        return {}
    return read_stamps(con, ROLLUPS_DB)


def open_warehouse(
    path: Path, side: Path, *, memory_limit: str = "1GB", threads: int = 2, rollups: Path | None = None
) -> Opened:
    """Connect with a memory and thread cap (locked with the rest of the configuration); raises
    duckdb.Error when the warehouse file cannot be attached. A forecast store that cannot be
    attached is skipped (and said why), never an error."""
    config = dict(MEMORY_CONFIG) | {"memory_limit": memory_limit, "threads": threads}
    con = duckdb.connect(":memory:", config=config)
    try:
        con.execute(_attach(path, WAREHOUSE_DB))
        forecast, problem = _attach_forecast(con, side)
        as_of = None
        if forecast:
            as_of, problem = _read_as_of(con, side)
        stamps = _attach_rollups(con, rollups)
        _leave_memory(con)
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    databases = [WAREHOUSE_DB] + ([FORECAST_DB] if forecast else []) + ([ROLLUPS_DB] if stamps else [])
    return Opened(con, forecast, problem, as_of, _search_path(databases), stamps)
