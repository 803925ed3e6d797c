"""Read what forecasting needs from the warehouse, using only data up to the as-of date.

Series are the SKU × warehouse pairs stocked on the as-of date (an inventory row that day).
For each: daily units sold over a trailing window, end-of-day available stock (NaN on days with
no inventory row), open purchase orders, the SKU's category and lead time. Also the national
daily units per category over the whole history (to learn the promotion calendar) and the
delays of purchase orders received so far (how late suppliers are).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
from numpy.typing import NDArray

from metrics.problems import user_error

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
WINDOW_DAYS = 182


@dataclass(frozen=True)
class OpenOrders:
    """Purchase orders not yet received at the end of the as-of date."""

    series: Ints
    qty: Ints
    due: Ints  # expected_date − as_of in days (≤ 0 when overdue)


@dataclass(frozen=True)
class History:
    as_of: dt.date
    start: dt.date  # first day of the window (index 0)
    sku: tuple[str, ...]
    warehouse: tuple[str, ...]
    category: Ints  # index into categories
    categories: tuple[str, ...]
    lead_time: Ints
    sales: Floats  # (series, days)
    available: Floats  # (series, days) end of day; NaN where the series had no inventory row
    orders: OpenOrders
    national_dates: NDArray[np.datetime64]
    national_units: Floats  # (categories, national days)
    po_delays: Ints  # received − expected of purchase orders received by the as-of date

    @property
    def size(self) -> int:
        return len(self.sku)

    @property
    def days(self) -> int:
        return int(self.sales.shape[1])


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """A private read-only view of the warehouse (temporary tables live in memory)."""
    if not path.exists():
        raise user_error(
            "no_warehouse",
            f"No warehouse at {path}. Create the demo one with: opsbot demo-data --out {path}",
            f"找不到数据仓库 {path}。可以用这条命令生成演示数据：opsbot demo-data --out {path}",
        )
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute(f"ATTACH {_literal(str(path))} AS wh (READ_ONLY)")
    con.execute("USE wh")
    con.execute("SET search_path = 'wh.main,temp.main'")
    return con


def load(con: duckdb.DuckDBPyConnection, as_of: dt.date, window_days: int = WINDOW_DAYS) -> History:
    start = as_of - dt.timedelta(days=window_days - 1)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE series AS
        SELECT (row_number() OVER (ORDER BY d.sku_id, d.warehouse_id) - 1)::BIGINT AS idx,
               d.sku_id, d.warehouse_id, s.category_id, s.lead_time_days
        FROM fact_inventory_daily d JOIN dim_sku s ON s.sku_id = d.sku_id
        WHERE d.snapshot_date = ?
        """,
        [as_of],
    )
    meta = con.execute("SELECT sku_id, warehouse_id, category_id, lead_time_days FROM series ORDER BY idx").fetchall()
    if not meta:
        raise user_error(
            "no_stock_data",
            f"The warehouse has no inventory snapshot on {as_of}; forecasts need one.",
            f"数据仓库在 {as_of} 没有库存快照，无法预测。",
        )
    categories = tuple(r[0] for r in con.execute("SELECT category_id FROM dim_category ORDER BY 1").fetchall())
    cat_index = {c: i for i, c in enumerate(categories)}
    sales, available = _daily(con, start, as_of, len(meta))

    po = con.execute(
        """
        SELECT s.idx, p.qty::BIGINT AS qty, (p.expected_date - ?::DATE)::BIGINT AS due
        FROM fact_purchase_order p JOIN series s ON s.sku_id = p.sku_id AND s.warehouse_id = p.warehouse_id
        WHERE p.created_date <= ? AND (p.received_date IS NULL OR p.received_date > ?)
        ORDER BY s.idx, p.expected_date
        """,
        [as_of, as_of, as_of],
    ).fetchnumpy()
    delays = con.execute(
        "SELECT (received_date - expected_date)::BIGINT AS d FROM fact_purchase_order WHERE received_date <= ?",
        [as_of],
    ).fetchnumpy()["d"]
    national_dates, national_units = _national(con, as_of, cat_index)
    return History(
        as_of=as_of,
        start=start,
        sku=tuple(r[0] for r in meta),
        warehouse=tuple(r[1] for r in meta),
        category=np.array([cat_index[r[2]] for r in meta], dtype=np.int64),
        categories=categories,
        lead_time=np.array([r[3] or 7 for r in meta], dtype=np.int64),
        sales=sales,
        available=available,
        orders=OpenOrders(
            series=np.asarray(po["idx"], dtype=np.int64),
            qty=np.asarray(po["qty"], dtype=np.int64),
            due=np.asarray(po["due"], dtype=np.int64),
        ),
        national_dates=national_dates,
        national_units=national_units,
        po_delays=np.asarray(delays, dtype=np.int64),
    )


def _national(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, cat_index: dict[str, int]
) -> tuple[NDArray[np.datetime64], Floats]:
    rows = con.execute(
        """
        SELECT s.category_id, CAST(o.order_ts AS DATE) AS d, SUM(i.qty)::DOUBLE AS q
        FROM fact_order o
        JOIN fact_order_item i ON i.order_id = o.order_id
        JOIN dim_sku s ON s.sku_id = i.sku_id
        WHERE o.status <> 'cancelled' AND o.order_ts < ?
        GROUP BY ALL
        """,
        [as_of + dt.timedelta(days=1)],
    ).fetchall()
    first = min(r[1] for r in rows)
    n = (as_of - first).days + 1
    dates = np.arange(np.datetime64(first, "D"), np.datetime64(first, "D") + n)
    units = np.zeros((len(cat_index), n))
    for cat, day, q in rows:
        if cat in cat_index:
            units[cat_index[cat], (day - first).days] = q
    return dates, units


def _literal(text: str) -> str:
    """A SQL string literal (ATTACH takes no bind parameters)."""
    return "'" + text.replace("'", "''") + "'"


def actuals(con: duckdb.DuckDBPyConnection, as_of: dt.date, horizon: int, size: int) -> tuple[Floats, Floats]:
    """What happened to the series of the last ``load`` over the ``horizon`` days after as_of:
    (units sold, end-of-day available with NaN where no inventory row)."""
    return _daily(con, as_of + dt.timedelta(days=1), as_of + dt.timedelta(days=horizon), size)


def _daily(con: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date, size: int) -> tuple[Floats, Floats]:
    """(units sold, end-of-day available stock) per series of the temporary ``series`` table and
    day first … last; available is NaN on days without an inventory row."""
    days = (last - first).days + 1
    sales = np.zeros((size, days))
    available = np.full((size, days), np.nan)
    inv = con.execute(
        """
        SELECT s.idx, (d.snapshot_date - ?::DATE)::BIGINT AS t, (d.on_hand - d.reserved)::DOUBLE AS a
        FROM fact_inventory_daily d JOIN series s ON s.sku_id = d.sku_id AND s.warehouse_id = d.warehouse_id
        WHERE d.snapshot_date BETWEEN ? AND ?
        """,
        [first, first, last],
    ).fetchnumpy()
    available[inv["idx"], inv["t"]] = inv["a"]
    sold = con.execute(
        """
        SELECT s.idx, (CAST(o.order_ts AS DATE) - ?::DATE)::BIGINT AS t, SUM(i.qty)::DOUBLE AS q
        FROM fact_order o
        JOIN fact_order_item i ON i.order_id = o.order_id
        JOIN series s ON s.sku_id = i.sku_id AND s.warehouse_id = o.warehouse_id
        WHERE o.status <> 'cancelled' AND o.order_ts >= ? AND o.order_ts < ?
        GROUP BY ALL
        """,
        [first, first, last + dt.timedelta(days=1)],
    ).fetchnumpy()
    sales[sold["idx"], sold["t"]] = sold["q"]
    return sales, available
