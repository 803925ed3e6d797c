"""Where forecasts live: a side DuckDB file next to the warehouse, replaced atomically on refresh.

``data/demo.duckdb`` → ``data/demo.forecast.duckdb``. The file holds the projection of one as-of
date (``fc_meta``) and is written to a temporary file first, then renamed over the old one, so a
reader never sees a half-written store and a process holding the old file keeps reading it.
The warehouse client attaches it read-only (tables resolve by name like the warehouse's own).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

STORE_SUFFIX = ".forecast.duckdb"
HORIZON_DAYS = 28  # days after the as-of date that a refresh projects
PROJECTION_TABLE = "fc_stock_projection"
META_TABLE = "fc_meta"
GENERATED_TABLES = (PROJECTION_TABLE, META_TABLE)

# One row per SKU × warehouse × future day (as_of + 1 … as_of + horizon); warehouse_id NULL holds
# the SKU's projection over all its warehouses together (stock and demand summed, then projected).
# The columns after stockout_probability are constant per series and repeated on every day.
PROJECTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("as_of_date", "DATE"),
    ("date", "DATE"),
    ("sku_id", "VARCHAR"),
    ("warehouse_id", "VARCHAR"),
    ("forecast_units", "DOUBLE"),  # mean forecast demand of the day
    ("forecast_lo", "DOUBLE"),  # 10th percentile of the day's demand
    ("forecast_hi", "DOUBLE"),  # 90th percentile of the day's demand
    ("inbound_units", "INTEGER"),  # open purchase-order units expected that day
    ("projected_available", "DOUBLE"),  # end-of-day point projection
    ("stockout_start", "BOOLEAN"),  # the first day the point projection reaches <= 0
    ("stockout_probability", "DOUBLE"),  # P(available <= 0 on some day up to and including date)
    ("available_now", "INTEGER"),  # available stock at the end of the as-of date
    ("on_order", "INTEGER"),  # units on open purchase orders
    ("days_to_stockout", "INTEGER"),  # days from as_of to the first projected stockout; NULL if none
    ("projected_stockout_date", "DATE"),
    ("next_po_date", "DATE"),  # expected date of the next open purchase order
    ("next_po_qty", "INTEGER"),
    ("suggested_reorder_qty", "INTEGER"),
    ("lead_time_days", "INTEGER"),
    ("demand_class", "VARCHAR"),  # smooth | erratic | intermittent | lumpy | new
    ("model", "VARCHAR"),  # the forecasting model used for the series
)


def store_path(warehouse_path: Path) -> Path:
    """The forecast file that belongs to a warehouse file."""
    name = warehouse_path.name
    stem = name[: -len(".duckdb")] if name.endswith(".duckdb") else name
    return warehouse_path.with_name(stem + STORE_SUFFIX)


def stored_as_of(path: Path) -> dt.date | None:
    """The as-of date of the stored projection, None when there is no readable store."""
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'as_of_date'").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return dt.date.fromisoformat(row[0]) if row else None


def projection_ddl() -> str:
    cols = ", ".join(f"{name} {kind}" for name, kind in PROJECTION_COLUMNS)
    return f"CREATE TABLE {PROJECTION_TABLE} ({cols})"
