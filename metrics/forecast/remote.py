"""Forecasts on a server engine: read the history through the warehouse, store the projection in
a schema opsbot owns on that engine (``?forecast_schema=``, default ``opsbot``).

The history the forecast needs (the stocked series, their window of daily stock, purchase orders
and sales up to the as-of date) is read with a few SELECTs through the `Warehouse`, into an
in-memory DuckDB laid out like the warehouse, so the same forecasting code runs on every engine.
The projection is written as ``fc_*_new`` tables and swapped in (one transaction on PostgreSQL,
one RENAME TABLE on the MySQL protocol), so stockout questions — one statement each, reading
``<forecast_schema>.fc_stock_projection`` — never see half a refresh. The writing user needs
CREATE on that schema only (docs/warehouses.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd
from sqlglot import exp

from metrics.forecast import history, store
from metrics.warehouse import Warehouse

LONG_S = 600.0
NO_CAP = 200_000_000


def _frame(wh: Warehouse, tree: exp.Select, params: dict[str, Any] | None = None) -> pd.DataFrame:
    res = wh.query(tree, params, timeout_s=LONG_S, row_cap=NO_CAP)
    return pd.DataFrame.from_records(res.rows, columns=res.names)


def _p(name: str) -> exp.Placeholder:
    return exp.Placeholder(this=name)


def pull(wh: Warehouse, as_of: dt.date, window_days: int = history.WINDOW_DAYS) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with what `history.load` reads for ``as_of``, read through ``wh``."""
    start = as_of - dt.timedelta(days=window_days - 1)
    day = {"day": as_of}
    until = {"next": as_of + dt.timedelta(days=1)}
    valid = exp.column("status", "o").neq(exp.Literal.string("cancelled"))
    before = exp.column("order_ts", "o") < _p("next")
    frames = {
        "dim_category": _frame(wh, exp.select("category_id").from_("dim_category")),
        "dim_sku": _frame(wh, exp.select("sku_id", "category_id", "lead_time_days").from_("dim_sku")),
        "fact_inventory_daily": _frame(
            wh,
            exp.select("snapshot_date", "sku_id", "warehouse_id", "on_hand", "reserved")
            .from_("fact_inventory_daily")
            .where(exp.column("snapshot_date").between(_p("start"), _p("day"))),
            {"start": start, "day": as_of},
        ),
        "fact_purchase_order": _frame(
            wh,
            exp.select("sku_id", "warehouse_id", "qty", "created_date", "expected_date", "received_date")
            .from_("fact_purchase_order")
            .where(exp.column("created_date") <= _p("day")),
            day,
        ),
        "fact_order": _frame(
            wh,
            exp.select("o.order_id", "o.order_ts", "o.warehouse_id", "o.status")
            .from_("fact_order AS o")
            .where(exp.and_(valid, before)),
            until,
        ),
        "fact_order_item": _frame(
            wh,
            exp.select("i.order_id", "i.sku_id", "i.qty")
            .from_("fact_order_item AS i")
            .join("fact_order AS o", on="o.order_id = i.order_id")
            .where(exp.and_(valid, before)),
            until,
        ),
    }
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    for name, frame in frames.items():
        con.register("incoming", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")  # names from the dict above
        con.unregister("incoming")
    _fix_types(con)
    return con


def _fix_types(con: duckdb.DuckDBPyConnection) -> None:
    """Engines hand back DECIMAL sums and datetimes for DATE columns: cast them as the forecast expects."""
    casts = {
        "fact_inventory_daily": {"snapshot_date": "DATE", "on_hand": "BIGINT", "reserved": "BIGINT"},
        "fact_purchase_order": {
            "qty": "BIGINT",
            "created_date": "DATE",
            "expected_date": "DATE",
            "received_date": "DATE",
        },
        "fact_order": {"order_ts": "TIMESTAMP"},
        "fact_order_item": {"qty": "BIGINT"},
        "dim_sku": {"lead_time_days": "BIGINT"},
    }
    for table, columns in casts.items():
        for column, kind in columns.items():
            con.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {kind}")  # our own names


def write(wh: Warehouse, frame: pd.DataFrame, meta: dict[str, str]) -> None:
    """Store the projection in the engine's forecast schema: written as *_new, then swapped in."""
    from metrics.engines.load import copy_tables

    con = duckdb.connect(":memory:")
    try:
        con.execute(store.projection_ddl())
        con.register("frame", frame)
        cols = ", ".join(name for name, _ in store.PROJECTION_COLUMNS)
        con.execute(f"INSERT INTO {store.PROJECTION_TABLE} SELECT {cols} FROM frame")
        con.execute(f"CREATE TABLE {store.META_TABLE} (key VARCHAR, value VARCHAR)")
        con.executemany(f"INSERT INTO {store.META_TABLE} VALUES (?, ?)", list(meta.items()))
        con.unregister("frame")
        copy_tables(con, wh.url, into=wh.url.forecast_schema, suffix="_new")
    finally:
        con.close()
    _swap(wh)


def _swap(wh: Warehouse) -> None:
    schema = wh.url.forecast_schema
    names = [store.PROJECTION_TABLE, store.META_TABLE]
    if wh.url.engine == "postgres":
        import psycopg

        from metrics.engines.postgres import PostgresWarehouse

        info = PostgresWarehouse._conninfo_of(wh.url)
        info["options"] = ""
        with psycopg.connect(**info) as pg, pg.transaction():
            for name in names:
                old = exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(schema))
                pg.execute(exp.Drop(tables=[old], kind="TABLE", exists=True).sql("postgres", identify=True))
                new = exp.Table(this=exp.to_identifier(name + "_new"), db=exp.to_identifier(schema))
                rename = exp.Alter(this=new, kind="TABLE", actions=[exp.AlterRename(this=exp.to_identifier(name))])
                pg.execute(rename.sql("postgres", identify=True))
    elif wh.url.engine == "mysql":
        import pymysql

        from metrics.engines.mysql import MySQLWarehouse

        my = pymysql.connect(**MySQLWarehouse._connect_args(wh.url))
        try:
            with my.cursor() as cur:
                pairs = []
                for name in names:
                    q = exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(schema)).sql(
                        "mysql", identify=True
                    )
                    old = exp.Table(this=exp.to_identifier(name + "_old"), db=exp.to_identifier(schema))
                    cur.execute(exp.Drop(tables=[old], kind="TABLE", exists=True).sql("mysql", identify=True))
                    new = exp.Table(this=exp.to_identifier(name + "_new"), db=exp.to_identifier(schema))
                    if _mysql_has(cur, schema, name):
                        pairs.append(f"{q} TO {old.sql('mysql', identify=True)}")
                    pairs.append(f"{new.sql('mysql', identify=True)} TO {q}")
                cur.execute("RENAME TABLE " + ", ".join(pairs))  # identifiers quoted by sqlglot: one atomic rename
                for name in names:
                    gone = exp.Table(this=exp.to_identifier(name + "_old"), db=exp.to_identifier(schema))
                    cur.execute(exp.Drop(tables=[gone], kind="TABLE", exists=True).sql("mysql", identify=True))
        finally:
            my.close()
    else:  # Spark folder of Parquet tables: rename the files
        from pathlib import Path

        root = Path(wh.url.options["path"]).expanduser() / schema
        for name in names:
            (root / f"{name}_new.parquet").replace(root / f"{name}.parquet")


def _mysql_has(cur: Any, schema: str, table: str) -> bool:
    cur.execute(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s", (schema, table)
    )
    row = cur.fetchone()
    return bool(row and row[0])
