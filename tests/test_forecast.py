"""Stock forecasts end to end on a real warehouse copy: refresh, the stored projection, backtest."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from metrics.forecast import calendar, demand, history, store
from metrics.forecast.refresh import refresh

OPSBOT = [str(Path(sys.executable).with_name("opsbot"))]
AS_OF = dt.date(2026, 11, 20)


def opsbot(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*OPSBOT, *args], capture_output=True, text=True, timeout=300, env={"OPSBOT_LANG": "en", "PATH": ""}
    )
    assert (proc.returncode == 0) == ok, proc.stderr
    return proc


@pytest.fixture(scope="module")
def fc_db(forecast_db: Path) -> Path:
    return forecast_db


def frame(path: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(store.store_path(path)), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_store_sits_beside_the_warehouse_with_its_as_of(fc_db: Path) -> None:
    assert store.store_path(fc_db) == fc_db.with_name(fc_db.name.removesuffix(".duckdb") + ".forecast.duckdb")
    assert store.stored_as_of(store.store_path(fc_db)) == AS_OF


def test_every_stocked_series_and_sku_total_has_28_days(fc_db: Path) -> None:
    con = duckdb.connect(str(fc_db), read_only=True)
    series, skus = con.execute(
        "SELECT count(*), count(DISTINCT sku_id) FROM fact_inventory_daily WHERE snapshot_date = ?", [AS_OF]
    ).fetchone()  # type: ignore[misc]
    con.close()
    rows = frame(
        fc_db, "SELECT warehouse_id IS NULL, count(*), min(date), max(date) FROM fc_stock_projection GROUP BY 1"
    )
    got = {r[0]: r[1:] for r in rows}
    assert got[False] == (series * 28, AS_OF + dt.timedelta(days=1), AS_OF + dt.timedelta(days=28))
    assert got[True][0] == skus * 28


def test_point_projection_follows_its_definition(fc_db: Path) -> None:
    """projected(d) = available now + inbound up to d − forecast up to d; the first day ≤ 0 starts the stockout."""
    rows = frame(
        fc_db,
        """
        SELECT max(abs(projected_available - (available_now + running))) FROM (
          SELECT *, sum(inbound_units - forecast_units) OVER
                   (PARTITION BY sku_id, warehouse_id ORDER BY date) AS running
          FROM fc_stock_projection)
        """,
    )
    assert rows[0][0] < 1e-6
    bad = frame(
        fc_db,
        """
        WITH s AS (
          SELECT sku_id, warehouse_id,
                 min(date) FILTER (WHERE projected_available <= 0) AS first_out,
                 count(*) FILTER (WHERE stockout_start) AS starts,
                 min(date) FILTER (WHERE stockout_start) AS start_day,
                 any_value(projected_stockout_date) AS stated,
                 any_value(days_to_stockout) AS days
          FROM fc_stock_projection GROUP BY ALL)
        SELECT * FROM s
        WHERE starts > 1 OR start_day IS DISTINCT FROM first_out OR stated IS DISTINCT FROM first_out
           OR days IS DISTINCT FROM (first_out - DATE '2026-11-20')
        """,
    )
    assert bad == []


def test_probabilities_are_cumulative_and_bounded(fc_db: Path) -> None:
    rows = frame(
        fc_db,
        """
        SELECT count(*) FILTER (WHERE stockout_probability < 0 OR stockout_probability > 1),
               count(*) FILTER (WHERE stockout_probability < prev - 1e-12)
        FROM (SELECT stockout_probability, lag(stockout_probability, 1, 0) OVER
                (PARTITION BY sku_id, warehouse_id ORDER BY date) AS prev FROM fc_stock_projection)
        """,
    )
    assert rows == [(0, 0)]
    # a series already without stock and with nothing arriving is out for sure
    certain = frame(
        fc_db,
        """
        SELECT min(stockout_probability) FROM fc_stock_projection
        WHERE available_now <= 0 AND on_order = 0 AND date = DATE '2026-11-21' AND warehouse_id IS NOT NULL
        """,
    )
    assert certain[0][0] is None or certain[0][0] == 1.0


def test_sku_totals_add_up_the_warehouses(fc_db: Path) -> None:
    rows = frame(
        fc_db,
        """
        SELECT count(*) FROM (
          SELECT sku_id, date, sum(forecast_units) FILTER (WHERE warehouse_id IS NOT NULL) AS wh,
                 sum(forecast_units) FILTER (WHERE warehouse_id IS NULL) AS total,
                 sum(available_now) FILTER (WHERE warehouse_id IS NOT NULL) AS wh_a,
                 sum(available_now) FILTER (WHERE warehouse_id IS NULL) AS total_a,
                 sum(suggested_reorder_qty) FILTER (WHERE warehouse_id IS NOT NULL) AS wh_r,
                 sum(suggested_reorder_qty) FILTER (WHERE warehouse_id IS NULL) AS total_r
          FROM fc_stock_projection GROUP BY ALL)
        WHERE abs(wh - total) > 1e-6 OR wh_a <> total_a OR wh_r <> total_r
        """,
    )
    assert rows == [(0,)]


def test_forecast_uses_only_data_up_to_the_as_of_date(fc_db: Path, tmp_path: Path) -> None:
    """Deleting everything after the as-of date changes nothing in the forecast."""
    as_of = AS_OF - dt.timedelta(days=30)
    cut = tmp_path / "cut.duckdb"
    shutil.copy(fc_db, cut)
    con = duckdb.connect(str(cut))
    con.execute(
        "DELETE FROM fact_order_item WHERE order_id IN (SELECT order_id FROM fact_order WHERE order_ts >= ?)",
        [as_of + dt.timedelta(days=1)],
    )
    con.execute("DELETE FROM fact_order WHERE order_ts >= ?", [as_of + dt.timedelta(days=1)])
    con.execute("DELETE FROM fact_inventory_daily WHERE snapshot_date > ?", [as_of])
    con.execute("DELETE FROM fact_purchase_order WHERE created_date > ?", [as_of])
    con.execute("UPDATE fact_purchase_order SET received_date = NULL WHERE received_date > ?", [as_of])
    con.close()
    full = tmp_path / "full.duckdb"
    shutil.copy(fc_db, full)
    refresh(full, as_of)
    refresh(cut, as_of)
    query = "SELECT * FROM fc_stock_projection ORDER BY sku_id, warehouse_id NULLS FIRST, date"
    assert frame(full, query) == frame(cut, query)


def test_censored_days_are_not_zero_demand() -> None:
    """A series that sold 4 a day, then sat out of stock for a week, still forecasts ~4 a day."""
    days = 120
    sales = np.full((2, days), 4.0)
    available = np.full((2, days), 50.0)
    sales[0, -7:] = 0.0
    available[0, -7:] = 0.0  # out of stock: zero sales say nothing about demand
    sales[1, -7:] = 0.0  # in stock and nobody bought: demand really dropped
    as_of = dt.date(2026, 9, 1)
    national = np.arange(np.datetime64("2025-09-01"), np.datetime64(as_of) + 1)
    h = history.History(
        as_of=as_of,
        start=as_of - dt.timedelta(days=days - 1),
        sku=("A", "B"),
        warehouse=("W", "W"),
        category=np.array([0, 0]),
        categories=("c",),
        lead_time=np.array([7, 7]),
        sales=sales,
        available=available,
        orders=history.OpenOrders(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)),
        national_dates=national,
        national_units=np.full((1, len(national)), 1000.0),
        po_delays=np.zeros(10, np.int64),
    )
    f = demand.forecast(h, 7)
    assert 3.0 < f.mean[0].mean() < 5.0
    assert f.mean[1].mean() < f.mean[0].mean() - 0.5


def test_promotion_uplift_is_learned_and_replayed() -> None:
    """A day that sold 3× its neighbours last 11 November is expected to do so again."""
    dates = np.arange(np.datetime64("2025-06-01"), np.datetime64("2026-11-01"))
    units = np.full((1, len(dates)), 100.0)
    units[0, dates == np.datetime64("2025-11-11")] = 300.0
    up = calendar.learn(dates, units)
    ahead = np.array(["2026-11-11", "2026-11-12", "2026-09-15"], dtype="datetime64[D]")
    assert up.at(ahead)[0].round(2).tolist() == [3.0, 1.0, 1.0]


def test_a_promotion_the_data_only_just_covers_is_still_measured() -> None:
    # data from 2025-10-17: few ordinary days within 45 days of the 双11 pre-sale, yet it is measured
    dates = np.arange(np.datetime64("2025-10-17"), np.datetime64("2026-10-01"))
    units = np.full((1, len(dates)), 100.0)
    units[0, dates == np.datetime64("2025-10-24")] = 150.0
    up = calendar.learn(dates, units)
    ahead = np.array(["2026-10-24", "2026-10-25"], dtype="datetime64[D]")
    assert up.at(ahead)[0].round(2).tolist() == [1.5, 1.0]


def test_refresh_cli_reports_and_refuses_a_future_day(fc_db: Path) -> None:
    out = opsbot("forecast", "refresh", "--db", str(fc_db), "--quiet").stdout
    assert "as of 2026-11-20" in out and "SKU × warehouse series" in out
    err = opsbot("forecast", "refresh", "--db", str(fc_db), "--as-of", "2026-12-01", ok=False).stderr
    assert "after the warehouse's last day" in err


def test_backtest_json_beats_seasonal_naive(fc_db: Path) -> None:
    out = opsbot(
        "forecast",
        "backtest",
        "--db",
        str(fc_db),
        "--from",
        "2026-10-30",
        "--to",
        "2026-11-06",
        "--horizon",
        "7",
        "--format",
        "json",
        "--quiet",
    ).stdout
    r = json.loads(out)
    assert r["as_of_dates"] == ["2026-10-30", "2026-11-06"]
    assert r["forecast"]["metric"] == "RMSSE"
    assert r["forecast"]["model"] < r["forecast"]["seasonal_naive"]
    s = r["stockout"]
    assert s["horizon_days"] == 7 and 0 <= s["precision"] <= 1 and 0 <= s["recall"] <= 1
    assert s["tp"] + s["fn"] > 0  # the test warehouse has stockouts to find


def test_backtest_refuses_dates_without_a_full_horizon(fc_db: Path) -> None:
    err = opsbot("forecast", "backtest", "--db", str(fc_db), "--to", "2026-11-18", ok=False).stderr
    assert "last possible as-of date is 2026-11-13" in err


def test_a_question_before_any_refresh_makes_one(small_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "fresh.duckdb"
    shutil.copy(small_db, db)
    assert not store.store_path(db).exists()
    proc = opsbot(
        "ask", "--db", str(db), "--format", "json", "which SKUs will stock out in the next 7 days by warehouse"
    )
    assert store.stored_as_of(store.store_path(db)) == AS_OF
    answer = json.loads(proc.stdout)
    assert answer["status"] == "answered" and answer["rows"]
    assert "forecast refresh" in proc.stderr  # the wait is shown, not silent
