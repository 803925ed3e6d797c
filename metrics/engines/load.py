"""`opsbot demo-data --to URL`: copy a DuckDB warehouse's tables (the data contract and the
generator's record) into PostgreSQL, a MySQL-protocol engine or a Spark folder of Parquet tables.

Types follow the contract (sqlglot renders each DuckDB type in the target's dialect; MySQL text
columns become VARCHAR(255) so they can be indexed); the join and date columns get indexes on the
server engines. A table already there is replaced. The copy is written by a user that may create
tables — not the read-only user opsbot queries with (docs/warehouses.md)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
from sqlglot import exp

from metrics.engines import errors
from metrics.engines.url import WarehouseURL, parse_url
from metrics.problems import user_error

Progress = Callable[[str, float], None]
# the columns queries join and filter on: indexed on the server engines
INDEXES: dict[str, tuple[str, ...]] = {
    "dim_category": ("category_id",),
    "dim_channel": ("channel_id",),
    "dim_warehouse": ("warehouse_id",),
    "dim_sku": ("sku_id",),
    "fact_order": ("order_id", "order_ts"),
    "fact_order_item": ("order_id", "sku_id"),
    "fact_refund": ("order_id", "refund_ts"),
    "fact_inventory_daily": ("snapshot_date", "sku_id"),
    "fact_purchase_order": ("sku_id",),
    "fact_complaint": ("order_id",),
}


@dataclass(frozen=True)
class LoadReport:
    target: str
    tables: dict[str, int]  # table → rows copied
    seconds: float


@dataclass(frozen=True)
class SourceTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type)
    rows: int


def source_tables(con: duckdb.DuckDBPyConnection) -> list[SourceTable]:
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    ]
    out = []
    for name in names:
        cols = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_name = ? ORDER BY ordinal_position",
            [name],
        ).fetchall()
        count = con.execute(exp.select("count(*)").from_(exp.to_identifier(name, quoted=True)).sql("duckdb")).fetchone()
        out.append(SourceTable(name, tuple((str(c), str(t)) for c, t in cols), int(count[0]) if count else 0))
    return out


def create_table(table: SourceTable, dialect: str, schema: str | None = None) -> str:
    """CREATE TABLE in the target dialect, from the DuckDB column types."""
    defs = []
    for name, dtype in table.columns:
        kind = exp.DataType.build(dtype, dialect="duckdb")
        if dialect == "mysql" and kind.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT):
            kind = exp.DataType.build("VARCHAR(255)", dialect="mysql")
        defs.append(exp.ColumnDef(this=exp.to_identifier(name, quoted=True), kind=kind))
    target = exp.Table(this=exp.to_identifier(table.name), db=exp.to_identifier(schema) if schema else None)
    return exp.Create(this=exp.Schema(this=target, expressions=defs), kind="TABLE").sql(dialect=dialect, identify=True)


def drop_table(name: str, dialect: str, schema: str | None = None) -> str:
    target = exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(schema) if schema else None)
    return exp.Drop(tables=[target], kind="TABLE", exists=True).sql(dialect=dialect, identify=True)


def create_index(table: str, column: str, dialect: str, schema: str | None = None) -> str:
    target = exp.Table(this=exp.to_identifier(table), db=exp.to_identifier(schema) if schema else None)
    index = exp.Index(
        this=exp.to_identifier(f"ix_{table}_{column}"),
        table=target,
        params=exp.IndexParameters(columns=[exp.column(column)]),
    )
    return exp.Create(this=index, kind="INDEX").sql(dialect=dialect, identify=True)


def load_demo(source: Path, target: str, progress: Progress | None = None) -> LoadReport:
    """Copy every table of the DuckDB file ``source`` into the warehouse at ``target``."""
    url = parse_url(target)
    if not Path(source).exists():
        raise user_error(
            "no_warehouse",
            f"No warehouse at {source}. Create the demo one with: opsbot demo-data --out {source}",
            f"找不到数据仓库 {source}。可以用这条命令生成演示数据：opsbot demo-data --out {source}",
        )
    started = time.perf_counter()
    con = duckdb.connect(str(source), read_only=True)
    try:
        tables = source_tables(con)
        with tempfile.TemporaryDirectory(prefix="opsbot-load-") as tmp:
            copied = _COPIERS[url.engine](con, tables, url, Path(tmp), progress or (lambda _s, _f: None))
    finally:
        con.close()
    return LoadReport(url.redacted(), copied, time.perf_counter() - started)


def _export(con: duckdb.DuckDBPyConnection, table: SourceTable, path: Path, fmt: str, null: str = "\\N") -> None:
    """One table to a CSV (NULL as ``null``, unquoted) or Parquet file."""
    options = "FORMAT parquet" if fmt == "parquet" else f"FORMAT csv, HEADER false, NULLSTR '{null}', QUOTE '\"'"
    columns: list[exp.Expr] = []
    for name, dtype in table.columns:  # booleans as 1/0: PostgreSQL reads both, MySQL only the digits
        column = exp.column(name, quoted=True)
        boolean = dtype.upper() == "BOOLEAN" and fmt == "csv"
        columns.append(exp.cast(column, exp.DataType.Type.INT).as_(name, quoted=True) if boolean else column)
    select = exp.select(*columns).from_(exp.to_identifier(table.name, quoted=True)).sql("duckdb")
    con.execute(f"COPY ({select}) TO '{path.as_posix()}' ({options})")  # path: our temporary folder


def _to_postgres(
    con: duckdb.DuckDBPyConnection,
    tables: list[SourceTable],
    url: WarehouseURL,
    tmp: Path,
    progress: Progress,
    into: str | None = None,
    suffix: str = "",
) -> dict[str, int]:
    try:
        import psycopg
    except ImportError as e:
        raise errors.missing_driver("PostgreSQL", "psycopg") from e
    from metrics.engines.postgres import PostgresWarehouse

    info = PostgresWarehouse._conninfo_of(url)
    info["options"] = ""
    schema = into or url.options.get("schema")
    try:
        pg = psycopg.connect(**info)
    except psycopg.OperationalError as e:
        raise errors.unreachable(url.redacted(), errors.first_line(e)) from e
    copied = {}
    try:
        if schema:
            pg.execute(
                exp.Create(this=exp.Table(this=exp.to_identifier(schema)), kind="SCHEMA", exists=True).sql(
                    "postgres", identify=True
                )
            )
        for i, table in enumerate(tables):
            progress(table.name, i / len(tables))
            csv = tmp / f"{table.name}.csv"
            _export(con, table, csv, "csv")
            name = table.name + suffix
            pg.execute(drop_table(name, "postgres", schema))
            pg.execute(create_table(SourceTable(name, table.columns, table.rows), "postgres", schema))
            target = exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(schema) if schema else None)
            copy_sql = f"COPY {target.sql('postgres', identify=True)} FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            with pg.cursor() as cur, cur.copy(copy_sql) as copy, csv.open("rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            for column in INDEXES.get(name, ()):
                pg.execute(create_index(name, column, "postgres", schema))
            pg.execute(f"ANALYZE {target.sql('postgres', identify=True)}")
            pg.commit()
            copied[table.name] = table.rows
    finally:
        pg.close()
    progress("done", 1.0)
    return copied


def _to_mysql(
    con: duckdb.DuckDBPyConnection,
    tables: list[SourceTable],
    url: WarehouseURL,
    tmp: Path,
    progress: Progress,
    into: str | None = None,
    suffix: str = "",
) -> dict[str, int]:
    try:
        import pymysql
    except ImportError as e:
        raise errors.missing_driver("MySQL", "pymysql") from e
    from metrics.engines.mysql import MySQLWarehouse

    args = MySQLWarehouse._connect_args(url)
    args.pop("init_command", None)
    args["local_infile"] = True
    try:
        my = pymysql.connect(**args)
    except pymysql.err.OperationalError as e:
        raise errors.unreachable(url.redacted(), errors.first_line(e)) from e
    copied = {}
    try:
        with my.cursor() as cur:
            if into:
                cur.execute(
                    exp.Create(this=exp.Table(this=exp.to_identifier(into)), kind="DATABASE", exists=True).sql(
                        "mysql", identify=True
                    )
                )
            for i, table in enumerate(tables):
                progress(table.name, i / len(tables))
                csv = tmp / f"{table.name}.csv"
                _export(con, table, csv, "csv", null="NULL")  # without an escape character NULL reads as NULL
                named = table.name + suffix
                cur.execute(drop_table(named, "mysql", into))
                cur.execute(create_table(SourceTable(named, table.columns, table.rows), "mysql", into))
                target = exp.Table(this=exp.to_identifier(named), db=exp.to_identifier(into) if into else None)
                name = target.sql("mysql", identify=True)
                cur.execute(
                    f"LOAD DATA LOCAL INFILE %s INTO TABLE {name} CHARACTER SET utf8mb4 "
                    "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' LINES TERMINATED BY '\\n'",
                    (str(csv),),
                )
                for column in INDEXES.get(named, ()):
                    cur.execute(create_index(named, column, "mysql", into))
                my.commit()
                copied[table.name] = table.rows
    finally:
        my.close()
    progress("done", 1.0)
    return copied


def _to_spark(
    con: duckdb.DuckDBPyConnection,
    tables: list[SourceTable],
    url: WarehouseURL,
    tmp: Path,
    progress: Progress,
    into: str | None = None,
    suffix: str = "",
) -> dict[str, int]:
    folder = url.options.get("path")
    if not folder:
        raise user_error(
            "spark_load_path",
            "Loading into Spark writes a folder of Parquet tables: give it as ?path=/folder in the URL.",
            "装入 Spark 会写一个 Parquet 表的文件夹：请在地址里用 ?path=/文件夹 指定。",
        )
    root = Path(folder).expanduser() / (into or "")
    root.mkdir(parents=True, exist_ok=True)
    copied = {}
    for i, table in enumerate(tables):
        progress(table.name, i / len(tables))
        part = root / f".{table.name}{suffix}.parquet.tmp"
        _export(con, table, part, "parquet")
        part.replace(root / f"{table.name}{suffix}.parquet")
        copied[table.name] = table.rows
    progress("done", 1.0)
    return copied


def _unsupported(
    con: duckdb.DuckDBPyConnection,
    tables: list[SourceTable],
    url: WarehouseURL,
    tmp: Path,
    progress: Progress,
    into: str | None = None,
    suffix: str = "",
) -> dict[str, int]:
    raise user_error(
        "load_duckdb",
        "The target is a DuckDB file: make the demo there with opsbot demo-data --out <file>.",
        "目标是 DuckDB 文件：请用 opsbot demo-data --out <文件> 直接生成演示数据。",
    )


class Copier(Protocol):
    def __call__(
        self,
        con: duckdb.DuckDBPyConnection,
        tables: list[SourceTable],
        url: WarehouseURL,
        tmp: Path,
        progress: Progress,
        into: str | None = None,
        suffix: str = "",
    ) -> dict[str, int]: ...


def copy_tables(
    con: duckdb.DuckDBPyConnection, url: WarehouseURL, into: str | None = None, suffix: str = ""
) -> dict[str, int]:
    """Copy every table of an open DuckDB database into the engine (into a schema, names suffixed)."""
    with tempfile.TemporaryDirectory(prefix="opsbot-load-") as tmp:
        return _COPIERS[url.engine](con, source_tables(con), url, Path(tmp), lambda _s, _f: None, into, suffix)


_COPIERS: dict[str, Copier] = {
    "postgres": _to_postgres,
    "mysql": _to_mysql,
    "spark": _to_spark,
    "duckdb": _unsupported,
}
