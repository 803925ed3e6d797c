"""Where rollups live: a side DuckDB file next to the warehouse, replaced atomically on refresh.

``data/demo.duckdb`` → ``data/demo.rollups.duckdb``. Beside one table per rollup (``ru_<id>``) it holds
``ru_meta``: per rollup, the fingerprint of its definition, the warehouse file it was built from
(``source``: inode, mtime and size — any write to the warehouse changes it) and its row count; and
``ru_days``: per rollup and day, the row count and checksum of the source rows, which tell a refresh
the days that changed. A rollup whose source or fingerprint differs from now is never read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlglot import exp

STORE_SUFFIX = ".rollups.duckdb"
META_TABLE = "ru_meta"
DAYS_TABLE = "ru_days"
ROLLUPS_DB = "ru"


@dataclass(frozen=True)
class Stamp:
    """What a stored rollup was built from and how big it is."""

    rollup: str
    fingerprint: str
    source: str
    rows: int
    built_at: str


def store_path(warehouse_path: Path) -> Path:
    """The rollup store that belongs to a warehouse file."""
    name = warehouse_path.name
    stem = name[: -len(".duckdb")] if name.endswith(".duckdb") else name
    return warehouse_path.with_name(stem + STORE_SUFFIX)


def source_identity(path: Path) -> str:
    """The warehouse file as it is now: inode, mtime (ns) and size, and those of its write-ahead log
    when there is one (changes not yet checkpointed into the file); empty when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    stamp = f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"
    try:
        wal = os.stat(path.with_name(path.name + ".wal"))
    except OSError:
        return stamp
    return f"{stamp}+wal:{wal.st_ino}:{wal.st_mtime_ns}:{wal.st_size}"


def qualified(table: str, database: str) -> exp.Table:
    """<database>.main.<table>, quoted (a store file's database is named after the file: demo.rollups)."""
    return exp.table_(
        exp.to_identifier(table, quoted=True),
        db=exp.to_identifier("main", quoted=True),
        catalog=exp.to_identifier(database, quoted=True),
    )


def read_stamps(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, Stamp]:
    """The stamps of the rollups stored in an attached store (`database`); empty when unreadable."""
    select = exp.select("rollup", "fingerprint", "source", "n_rows", "CAST(built_at AS VARCHAR)").from_(
        qualified(META_TABLE, database)
    )
    try:
        rows = con.execute(select.sql(dialect="duckdb")).fetchall()
    except duckdb.Error:
        return {}
    return {str(r[0]): Stamp(str(r[0]), str(r[1]), str(r[2]), int(r[3]), str(r[4])) for r in rows}


def stored_stamps(path: Path) -> dict[str, Stamp]:
    """The stamps in the store file at `path` (opened read-only); empty when there is none."""
    if not path.exists():
        return {}
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return {}
    try:
        name = con.execute("SELECT current_database()").fetchone()
        return read_stamps(con, str(name[0]) if name else "main")
    finally:
        con.close()


def drop_sql(table: exp.Table) -> str:
    return exp.Drop(tables=[table], kind="TABLE", exists=True).sql(dialect="duckdb")


def create_sql(table: exp.Table, columns: tuple[tuple[str, str], ...]) -> str:
    defs = [exp.ColumnDef(this=exp.to_identifier(n), kind=exp.DataType.build(t)) for n, t in columns]
    return exp.Create(this=exp.Schema(this=table, expressions=defs), kind="TABLE").sql(dialect="duckdb")


def insert_sql(table: exp.Table, width: int) -> str:
    row = exp.Tuple(expressions=[exp.Placeholder() for _ in range(width)])
    return exp.Insert(this=table, expression=exp.Values(expressions=[row])).sql(dialect="duckdb")


META_COLUMNS = (
    ("rollup", "VARCHAR"),
    ("fingerprint", "VARCHAR"),
    ("source", "VARCHAR"),
    ("n_rows", "BIGINT"),
    ("built_at", "TIMESTAMP"),
    ("days_rebuilt", "INTEGER"),
)
DAYS_COLUMNS = (("rollup", "VARCHAR"), ("day", "DATE"), ("n", "BIGINT"), ("h", "HUGEINT"))
