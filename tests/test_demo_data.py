"""The demo warehouse generator: contract, determinism, simulation invariants and realism."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from metrics.demo import GenerationSummary, generate_warehouse

END = dt.date(2026, 11, 20)
DAYS = 120
SCALE = 0.05
SEED = 20261120

CONTRACT: dict[str, dict[str, str]] = {
    "dim_category": {"category_id": "VARCHAR", "name_zh": "VARCHAR", "name_en": "VARCHAR"},
    "dim_channel": {"channel_id": "VARCHAR", "name_zh": "VARCHAR", "name_en": "VARCHAR"},
    "dim_warehouse": {"warehouse_id": "VARCHAR", "name_zh": "VARCHAR", "name_en": "VARCHAR", "region": "VARCHAR"},
    "dim_sku": {
        "sku_id": "VARCHAR",
        "name_zh": "VARCHAR",
        "name_en": "VARCHAR",
        "category_id": "VARCHAR",
        "brand": "VARCHAR",
        "unit_cost": "DECIMAL(12,2)",
        "list_price": "DECIMAL(12,2)",
        "launch_date": "DATE",
        "lead_time_days": "INTEGER",
    },
    "fact_order": {
        "order_id": "VARCHAR",
        "order_ts": "TIMESTAMP",
        "channel_id": "VARCHAR",
        "buyer_id": "VARCHAR",
        "province": "VARCHAR",
        "warehouse_id": "VARCHAR",
        "status": "VARCHAR",
        "promised_ship_ts": "TIMESTAMP",
        "shipped_ts": "TIMESTAMP",
    },
    "fact_order_item": {"order_id": "VARCHAR", "sku_id": "VARCHAR", "qty": "INTEGER", "amount": "DECIMAL(12,2)"},
    "fact_refund": {
        "refund_id": "VARCHAR",
        "order_id": "VARCHAR",
        "sku_id": "VARCHAR",
        "refund_ts": "TIMESTAMP",
        "qty": "INTEGER",
        "amount": "DECIMAL(12,2)",
        "reason": "VARCHAR",
    },
    "fact_inventory_daily": {
        "snapshot_date": "DATE",
        "sku_id": "VARCHAR",
        "warehouse_id": "VARCHAR",
        "on_hand": "INTEGER",
        "reserved": "INTEGER",
    },
    "fact_purchase_order": {
        "po_id": "VARCHAR",
        "sku_id": "VARCHAR",
        "warehouse_id": "VARCHAR",
        "qty": "INTEGER",
        "created_date": "DATE",
        "expected_date": "DATE",
        "received_date": "DATE",
    },
    "fact_traffic_daily": {"date": "DATE", "channel_id": "VARCHAR", "visitors": "BIGINT", "page_views": "BIGINT"},
    "fact_ad_spend_daily": {
        "date": "DATE",
        "channel_id": "VARCHAR",
        "campaign_id": "VARCHAR",
        "spend": "DECIMAL(14,2)",
        "attributed_gmv": "DECIMAL(14,2)",
        "impressions": "BIGINT",
        "clicks": "BIGINT",
    },
    "fact_complaint": {
        "complaint_id": "VARCHAR",
        "order_id": "VARCHAR",
        "created_ts": "TIMESTAMP",
        "category": "VARCHAR",
    },
    "opsbot_meta": {"key": "VARCHAR", "value": "VARCHAR"},
}

VALID_ITEMS = """
    SELECT o.order_id, o.order_ts, o.order_ts::DATE AS day, o.shipped_ts, o.warehouse_id, i.sku_id, i.qty
    FROM fact_order o JOIN fact_order_item i ON i.order_id = o.order_id
    WHERE o.status <> 'cancelled'
"""
RECEIVED = """
    SELECT received_date AS day, sku_id, warehouse_id, SUM(qty) AS units
    FROM fact_purchase_order WHERE received_date IS NOT NULL GROUP BY ALL
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerationSummary, list[tuple[str, float]]]:
    """One small warehouse (120 days ending 2026-11-20, scale 0.05) and its progress reports."""
    calls: list[tuple[str, float]] = []
    out = tmp_path_factory.mktemp("demo") / "nested" / "demo.duckdb"
    summary = generate_warehouse(
        out, end_date=END, days=DAYS, seed=SEED, scale=SCALE, progress=lambda stage, f: calls.append((stage, f))
    )
    return summary, calls


@pytest.fixture(scope="module")
def con(generated: tuple[GenerationSummary, list[tuple[str, float]]]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the small warehouse."""
    connection = duckdb.connect(str(generated[0].path), read_only=True)
    yield connection
    connection.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The single value of a one-row, one-column query."""
    row = con.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def fingerprints(path: Path) -> dict[str, tuple[int, str]]:
    """Row count and an md5 of every table's rows in stored order."""
    with duckdb.connect(str(path), read_only=True) as c:
        tables = [r[0] for r in c.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        out: dict[str, tuple[int, str]] = {}
        for t in tables:
            row = c.execute(f"SELECT count(*), md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY rowid)) FROM {t} t")
            count, digest = row.fetchone() or (0, "")
            out[t] = (int(count), str(digest))
        return out


# --- contract -------------------------------------------------------------------------------------------------


def test_every_contract_table_and_column_has_the_contract_type(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall()
    actual: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        actual.setdefault(table, {})[column] = data_type
    for table, columns in CONTRACT.items():
        assert table in actual, table
        for column, data_type in columns.items():
            assert actual[table].get(column) == data_type, (table, column, actual[table].get(column))


def test_summary_and_metadata(
    generated: tuple[GenerationSummary, list[tuple[str, float]]], con: duckdb.DuckDBPyConnection
) -> None:
    summary, _ = generated
    assert summary.start_date == END - dt.timedelta(days=DAYS - 1)
    assert (summary.end_date, summary.days, summary.seed, summary.scale) == (END, DAYS, SEED, SCALE)
    assert summary.row_counts["fact_order"] == one(con, "SELECT count(*) FROM fact_order")
    meta = dict(con.execute("SELECT key, value FROM opsbot_meta").fetchall())
    assert meta == {
        "schema": "opsbot-demo-warehouse",
        "schema_version": "1",
        "seed": str(SEED),
        "scale": "0.05",
        "start_date": summary.start_date.isoformat(),
        "end_date": "2026-11-20",
        "generated_by": "opsbot.metrics.demo",
    }
    assert one(con, "SELECT max(snapshot_date) FROM fact_inventory_daily") == END
    assert one(con, "SELECT max(order_ts)::DATE FROM fact_order") == END
    assert one(con, "SELECT min(order_ts)::DATE FROM fact_order") == summary.start_date


def test_progress_is_reported_smoothly(generated: tuple[GenerationSummary, list[tuple[str, float]]]) -> None:
    fractions = [f for _, f in generated[1]]
    assert len(fractions) >= 50
    assert fractions == sorted(fractions)
    assert fractions[0] <= 0.05 and fractions[-1] == 1.0
    assert all(isinstance(stage, str) and stage for stage, _ in generated[1])


def test_identifiers_are_unique_and_well_formed(con: duckdb.DuckDBPyConnection) -> None:
    for table, column, pattern in [
        ("fact_order", "order_id", r"^O\d{16}$"),
        ("dim_sku", "sku_id", r"^SKU-\d{5}$"),
        ("fact_refund", "refund_id", r"^RF\d{9}$"),
        ("fact_purchase_order", "po_id", r"^PO\d{8}$"),
        ("fact_complaint", "complaint_id", r"^CP\d{8}$"),
    ]:
        assert one(con, f"SELECT count(*) - count(DISTINCT {column}) FROM {table}") == 0, table
        assert one(con, f"SELECT count(*) FROM {table} WHERE NOT regexp_matches({column}, '{pattern}')") == 0, table
    assert one(con, "SELECT count(*) FROM fact_order WHERE substr(order_id, 2, 8) <> strftime(order_ts, '%Y%m%d')") == 0
    assert (
        one(
            con,
            "SELECT count(*) FROM fact_ad_spend_daily WHERE NOT regexp_matches(campaign_id, "
            "'^' || channel_id || '-c\\d{2}$')",
        )
        == 0
    )


def test_dimensions(con: duckdb.DuckDBPyConnection) -> None:
    assert [r[0] for r in con.execute("SELECT warehouse_id || region FROM dim_warehouse ORDER BY 1").fetchall()] == [
        "WH-BJ华北",
        "WH-CD西南",
        "WH-GZ华南",
        "WH-SH华东",
        "WH-WH华中",
    ]
    n_skus = one(con, "SELECT count(*) FROM dim_sku")
    assert n_skus == round(2000 * SCALE**0.5)
    assert one(con, "SELECT count(DISTINCT name_zh) FROM dim_sku") == n_skus
    assert one(con, "SELECT count(DISTINCT name_en) FROM dim_sku") == n_skus
    assert one(con, "SELECT count(DISTINCT category_id) FROM dim_sku") == 5
    assert (
        one(con, "SELECT min(count) FROM (SELECT category_id, count(DISTINCT brand) AS count FROM dim_sku GROUP BY 1)")
        >= 3
    )
    assert one(con, "SELECT count(*) FROM dim_sku WHERE NOT (0 < unit_cost AND unit_cost < list_price)") == 0
    assert one(con, "SELECT min(lead_time_days) >= 3 AND max(lead_time_days) <= 30 FROM dim_sku")
    launched_during = one(con, "SELECT avg((launch_date > ?)::INT) FROM dim_sku", [END - dt.timedelta(days=DAYS)])
    assert 0.0 < launched_during < 0.2
    # each province is served by one warehouse, and every region sells
    assert (
        one(con, "SELECT max(n) FROM (SELECT province, count(DISTINCT warehouse_id) n FROM fact_order GROUP BY 1)") == 1
    )
    assert one(con, "SELECT count(DISTINCT province) FROM fact_order") >= 28


# --- determinism ----------------------------------------------------------------------------------------------


def test_same_arguments_give_identical_tables_and_a_new_seed_differs(
    generated: tuple[GenerationSummary, list[tuple[str, float]]], tmp_path: Path
) -> None:
    again = tmp_path / "again.duckdb"
    again.write_bytes(b"not a duckdb file")  # an existing file is replaced
    generate_warehouse(again, end_date=END, days=DAYS, seed=SEED, scale=SCALE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.duckdb"]  # no temporary files left
    first = fingerprints(generated[0].path)
    assert fingerprints(again) == first
    other = tmp_path / "other.duckdb"
    generate_warehouse(other, end_date=END, days=DAYS, seed=SEED + 1, scale=SCALE)
    different = fingerprints(other)
    for table in ("dim_sku", "fact_order", "fact_order_item", "fact_inventory_daily", "fact_purchase_order"):
        assert different[table] != first[table], table
    assert different["dim_channel"] == first["dim_channel"]


def test_an_interrupted_generation_leaves_the_existing_file_alone(tmp_path: Path) -> None:
    out = tmp_path / "demo.duckdb"
    out.write_bytes(b"previous warehouse")

    def interrupt(stage: str, fraction: float) -> None:
        if fraction > 0.8:
            raise KeyboardInterrupt(stage)

    with pytest.raises(KeyboardInterrupt):
        generate_warehouse(out, end_date=END, days=28, seed=3, scale=0.01, progress=interrupt)
    assert out.read_bytes() == b"previous warehouse"
    assert [p.name for p in tmp_path.iterdir()] == ["demo.duckdb"]


# --- simulation invariants ------------------------------------------------------------------------------------


def test_sales_never_exceed_stock_available_that_day(
    con: duckdb.DuckDBPyConnection, generated: tuple[GenerationSummary, Any]
) -> None:
    start = generated[0].start_date
    violations = one(
        con,
        f"""
        WITH sold AS (SELECT day, sku_id, warehouse_id, SUM(qty) AS units FROM ({VALID_ITEMS}) GROUP BY ALL),
             rec AS ({RECEIVED})
        SELECT count(*) FROM sold s
        LEFT JOIN fact_inventory_daily p
          ON p.sku_id = s.sku_id AND p.warehouse_id = s.warehouse_id AND p.snapshot_date = s.day - 1
        LEFT JOIN rec r ON r.sku_id = s.sku_id AND r.warehouse_id = s.warehouse_id AND r.day = s.day
        WHERE s.day > ? AND s.units > COALESCE(p.on_hand - p.reserved, 0) + COALESCE(r.units, 0)
    """,
        [start],
    )
    assert violations == 0
    # demand was censored: stockouts happen, and the last day has a realistic share of them
    assert one(con, "SELECT count(*) FROM fact_inventory_daily WHERE on_hand - reserved <= 0") > 0
    last_day = one(
        con, "SELECT avg((on_hand - reserved <= 0)::INT) FROM fact_inventory_daily WHERE snapshot_date = ?", [END]
    )
    assert 0.01 <= last_day <= 0.15
    assert one(con, "SELECT min(on_hand - reserved) FROM fact_inventory_daily") == 0
    assert one(con, "SELECT min(reserved) FROM fact_inventory_daily") == 0


def test_inventory_identity(con: duckdb.DuckDBPyConnection, generated: tuple[GenerationSummary, Any]) -> None:
    start = generated[0].start_date
    violations = one(
        con,
        f"""
        WITH shipped AS (
               SELECT shipped_ts::DATE AS day, sku_id, warehouse_id, SUM(qty) AS units
               FROM ({VALID_ITEMS}) WHERE shipped_ts IS NOT NULL GROUP BY ALL),
             rec AS ({RECEIVED})
        SELECT count(*) FROM fact_inventory_daily f
        LEFT JOIN fact_inventory_daily p
          ON p.sku_id = f.sku_id AND p.warehouse_id = f.warehouse_id AND p.snapshot_date = f.snapshot_date - 1
        LEFT JOIN rec r ON r.sku_id = f.sku_id AND r.warehouse_id = f.warehouse_id AND r.day = f.snapshot_date
        LEFT JOIN shipped s ON s.sku_id = f.sku_id AND s.warehouse_id = f.warehouse_id AND s.day = f.snapshot_date
        WHERE f.snapshot_date > ?
          AND f.on_hand <> COALESCE(p.on_hand, 0) + COALESCE(r.units, 0) - COALESCE(s.units, 0)
    """,
        [start],
    )
    assert violations == 0


def test_reserved_is_units_ordered_but_not_shipped(
    con: duckdb.DuckDBPyConnection, generated: tuple[GenerationSummary, Any]
) -> None:
    mismatches = one(
        con,
        f"""
        WITH open_days AS (
               SELECT sku_id, warehouse_id, qty,
                      day + unnest(range(COALESCE(shipped_ts::DATE, DATE '{END}' + 1) - day))::INTEGER AS d
               FROM ({VALID_ITEMS})),
             expected AS (SELECT d, sku_id, warehouse_id, SUM(qty) AS units FROM open_days GROUP BY ALL)
        SELECT count(*) FROM fact_inventory_daily f
        FULL JOIN expected e ON e.sku_id = f.sku_id AND e.warehouse_id = f.warehouse_id AND e.d = f.snapshot_date
        WHERE COALESCE(f.reserved, 0) <> COALESCE(e.units, 0)
    """,
    )
    assert mismatches == 0


def test_no_sales_or_stock_before_launch(con: duckdb.DuckDBPyConnection) -> None:
    assert (
        one(con, f"SELECT count(*) FROM ({VALID_ITEMS}) v JOIN dim_sku s USING (sku_id) WHERE v.day < s.launch_date")
        == 0
    )
    assert (
        one(
            con,
            "SELECT count(*) FROM fact_inventory_daily f JOIN dim_sku s USING (sku_id) "
            "WHERE f.snapshot_date < s.launch_date",
        )
        == 0
    )


def test_delisted_stock_rows_stop_once_sold_out(con: duckdb.DuckDBPyConnection) -> None:
    ended = con.execute(
        """
        WITH last AS (SELECT sku_id, warehouse_id, max(snapshot_date) AS d FROM fact_inventory_daily GROUP BY ALL)
        SELECT f.on_hand FROM last JOIN fact_inventory_daily f
          ON f.sku_id = last.sku_id AND f.warehouse_id = last.warehouse_id AND f.snapshot_date = last.d
        WHERE last.d < ?
    """,
        [END],
    ).fetchall()
    assert ended, "some delisted SKU × warehouse sells out and leaves the snapshots"
    assert all(on_hand == 0 for (on_hand,) in ended)
    # a stocked SKU × warehouse has a row every day from its first row on (no gaps)
    assert (
        one(
            con,
            "SELECT count(*) FROM (SELECT sku_id, warehouse_id FROM fact_inventory_daily GROUP BY ALL "
            "HAVING max(snapshot_date) - min(snapshot_date) + 1 <> count(*))",
        )
        == 0
    )


def test_purchase_orders(con: duckdb.DuckDBPyConnection) -> None:
    assert (
        one(
            con,
            "SELECT count(*) FROM fact_purchase_order p JOIN dim_sku s USING (sku_id) "
            "WHERE p.expected_date <> p.created_date + s.lead_time_days",
        )
        == 0
    )
    assert one(con, "SELECT count(*) FROM fact_purchase_order WHERE received_date < expected_date OR qty <= 0") == 0
    late = one(
        con, "SELECT avg((received_date > expected_date)::INT) FROM fact_purchase_order WHERE received_date IS NOT NULL"
    )
    assert 0.05 < late < 0.35
    assert one(con, "SELECT max(received_date - expected_date) FROM fact_purchase_order") <= 15
    assert one(con, "SELECT count(*) FROM fact_purchase_order WHERE received_date IS NULL") > 0
    assert one(con, "SELECT count(*) FROM fact_purchase_order WHERE expected_date > ?", [END]) > 0
    assert one(con, "SELECT count(*) FROM fact_purchase_order WHERE received_date > ?", [END]) == 0


def test_overstock_exists(con: duckdb.DuckDBPyConnection) -> None:
    overstocked = one(
        con,
        f"""
        WITH a AS (SELECT sku_id, SUM(on_hand - reserved) AS available FROM fact_inventory_daily
                   WHERE snapshot_date = DATE '{END}' GROUP BY 1),
             u AS (SELECT sku_id, SUM(qty) / 28.0 AS rate FROM ({VALID_ITEMS})
                   WHERE day > DATE '{END}' - 28 GROUP BY 1)
        SELECT count(*) FROM a JOIN u USING (sku_id) WHERE available / rate > 90
    """,
    )
    assert overstocked > 0


# --- orders and after-sales -----------------------------------------------------------------------------------


def test_order_lifecycle(con: duckdb.DuckDBPyConnection) -> None:
    statuses = dict(
        con.execute("SELECT status, count(*) / (SELECT count(*) FROM fact_order) FROM fact_order GROUP BY 1").fetchall()
    )
    assert set(statuses) == {"paid", "shipped", "completed", "cancelled", "refunded"}
    assert 0.01 < statuses["cancelled"] < 0.06
    assert 0.015 < statuses["refunded"] < 0.08
    assert one(con, "SELECT count(*) FROM fact_order WHERE status = 'cancelled' AND shipped_ts IS NOT NULL") == 0
    assert (
        one(
            con,
            "SELECT count(*) FROM fact_order WHERE (status = 'paid') <> (shipped_ts IS NULL AND status <> 'cancelled')",
        )
        == 0
    )
    assert one(con, "SELECT count(*) FROM fact_order WHERE shipped_ts <= order_ts") == 0
    assert (
        one(
            con,
            "SELECT count(*) FROM fact_order WHERE promised_ship_ts - order_ts NOT IN "
            "(INTERVAL 24 HOUR, INTERVAL 48 HOUR)",
        )
        == 0
    )
    late = one(con, "SELECT avg((shipped_ts > promised_ship_ts)::INT) FROM fact_order WHERE shipped_ts IS NOT NULL")
    assert 0.005 < late < 0.15
    assert (
        one(con, "SELECT count(*) FROM fact_order WHERE status = 'paid' AND order_ts < ? - INTERVAL 6 DAY", [END]) == 0
    )


def test_order_items(con: duckdb.DuckDBPyConnection) -> None:
    assert (
        one(
            con,
            "SELECT count(*) FROM fact_order o WHERE NOT EXISTS "
            "(SELECT 1 FROM fact_order_item i WHERE i.order_id = o.order_id)",
        )
        == 0
    )
    assert one(con, "SELECT count(*) FROM fact_order_item WHERE amount <= 0 OR qty <= 0") == 0
    assert (
        one(con, "SELECT count(*) FROM (SELECT order_id, sku_id FROM fact_order_item GROUP BY ALL HAVING count(*) > 1)")
        == 0
    )
    per_order = one(con, "SELECT count(*) / count(DISTINCT order_id) FROM fact_order_item")
    assert 1.3 <= per_order <= 1.6
    assert one(con, "SELECT max(n) FROM (SELECT count(*) n FROM fact_order_item GROUP BY order_id)") <= 4
    assert one(con, "SELECT avg((qty = 1)::INT) FROM fact_order_item") > 0.7
    assert (
        one(
            con,
            "SELECT count(*) FROM fact_order_item i JOIN dim_sku s USING (sku_id) "
            "WHERE i.amount > i.qty * s.list_price",
        )
        == 0
    )


def test_refunds(con: duckdb.DuckDBPyConnection) -> None:
    over = one(
        con,
        """
        SELECT count(*) FROM (
          SELECT r.order_id, r.sku_id, SUM(r.qty) AS qty, SUM(r.amount) AS amount
          FROM fact_refund r GROUP BY ALL) r
        JOIN fact_order_item i USING (order_id, sku_id)
        WHERE r.qty > i.qty OR r.amount > i.amount OR r.amount <= 0
    """,
    )
    assert over == 0
    assert (
        one(
            con,
            "SELECT count(*) FROM fact_refund r LEFT JOIN fact_order_item i USING (order_id, sku_id) "
            "WHERE i.order_id IS NULL",
        )
        == 0
    )
    assert (
        one(
            con,
            "SELECT count(*) FROM fact_refund r JOIN fact_order o USING (order_id) "
            "WHERE r.refund_ts <= o.shipped_ts OR o.shipped_ts IS NULL OR r.refund_ts > ? + 1",
            [END],
        )
        == 0
    )
    assert (
        one(
            con,
            "SELECT count(*) FROM fact_order o WHERE status = 'refunded' AND NOT EXISTS "
            "(SELECT 1 FROM fact_refund r WHERE r.order_id = o.order_id)",
        )
        == 0
    )
    reasons = {r[0] for r in con.execute("SELECT DISTINCT reason FROM fact_refund").fetchall()}
    assert reasons <= {"质量问题", "发货太慢", "不想要了", "尺码不合适", "与描述不符", "破损"}
    assert (
        one(
            con,
            "SELECT count(*) FROM fact_refund r JOIN dim_sku s USING (sku_id) "
            "WHERE r.reason = '尺码不合适' AND s.category_id <> 'apparel'",
        )
        == 0
    )


def test_complaints(con: duckdb.DuckDBPyConnection) -> None:
    rate = one(
        con, "SELECT (SELECT count(*) FROM fact_complaint) / count(*) FROM fact_order WHERE status <> 'cancelled'"
    )
    assert 0.003 < rate < 0.03
    assert (
        one(
            con,
            "SELECT count(*) FROM fact_complaint c JOIN fact_order o USING (order_id) "
            "WHERE c.created_ts <= o.order_ts OR o.status = 'cancelled'",
        )
        == 0
    )
    assert {r[0] for r in con.execute("SELECT DISTINCT category FROM fact_complaint").fetchall()} <= {
        "物流",
        "质量",
        "客服",
        "假货",
    }


def test_traffic_and_ads(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM fact_traffic_daily") == DAYS * 5
    conversion = con.execute("""
        WITH b AS (SELECT channel_id, order_ts::DATE AS date, count(DISTINCT buyer_id) AS buyers
                   FROM fact_order WHERE status <> 'cancelled' GROUP BY ALL)
        SELECT t.channel_id, SUM(b.buyers) / SUM(t.visitors), SUM(t.page_views) / SUM(t.visitors)
        FROM fact_traffic_daily t JOIN b USING (channel_id, date) GROUP BY 1
    """).fetchall()
    for _channel, rate, pv in conversion:
        assert 0.015 < rate < 0.1 and 3 <= pv <= 8
    for _channel, roi in con.execute(
        "SELECT channel_id, SUM(attributed_gmv) / SUM(spend) FROM fact_ad_spend_daily GROUP BY 1"
    ).fetchall():
        assert 1.5 <= roi <= 6.5
    assert one(con, "SELECT count(*) FROM fact_ad_spend_daily WHERE spend <= 0 OR clicks > impressions") == 0


# --- realism of volumes ---------------------------------------------------------------------------------------


def test_order_volume_rhythm_and_promotions(con: duckdb.DuckDBPyConnection) -> None:
    daily = dict(
        con.execute("SELECT order_ts::DATE, count(*) FROM fact_order WHERE status <> 'cancelled' GROUP BY 1").fetchall()
    )
    assert len(daily) == DAYS
    mean = sum(daily.values()) / DAYS
    assert 0.8 * 5000 * SCALE <= mean <= 1.25 * 5000 * SCALE
    ordinary = [n for d, n in daily.items() if d.month in (8, 9)]
    weekend = [n for d, n in daily.items() if d.month in (8, 9) and d.weekday() >= 5]
    weekday = [n for d, n in daily.items() if d.month in (8, 9) and d.weekday() < 5]
    assert sum(weekend) / len(weekend) > sum(weekday) / len(weekday)
    typical = sorted(ordinary)[len(ordinary) // 2]
    assert daily[dt.date(2026, 11, 11)] > 3 * typical
    assert daily[dt.date(2026, 11, 1)] > 2 * typical
    repeat = one(
        con,
        "SELECT avg((n >= 2)::INT) FROM (SELECT buyer_id, count(*) AS n FROM fact_order "
        "WHERE status <> 'cancelled' AND order_ts >= DATE '2026-10-01' AND order_ts < DATE '2026-11-01' "
        "GROUP BY 1)",
    )
    assert 0.03 < repeat < 0.3
    assert (
        one(
            con,
            "SELECT count(*) FROM (SELECT buyer_id FROM fact_order GROUP BY 1 HAVING count(DISTINCT channel_id) > 1)",
        )
        > 0
    )


def test_intraday_curve_peaks_in_the_evening(con: duckdb.DuckDBPyConnection) -> None:
    by_hour = dict(con.execute("SELECT hour(order_ts), count(*) FROM fact_order GROUP BY 1").fetchall())
    assert by_hour[21] > 3 * by_hour[4]
    assert max(by_hour, key=lambda h: by_hour[h]) in (20, 21, 22, 0)


# --- arguments ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"days": 27},
        {"days": 0},
        {"days": 100.0},
        {"scale": 0},
        {"scale": -1.0},
        {"scale": 20.5},
        {"scale": float("nan")},
        {"seed": -1},
        {"end_date": "2026-11-20"},
    ],
)
def test_bad_arguments_raise_value_error(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    args: dict[str, Any] = {"end_date": END, "days": 60, "scale": 0.01, "seed": 1} | kwargs
    with pytest.raises(ValueError, match=re.escape(next(iter(kwargs)))):
        generate_warehouse(tmp_path / "bad.duckdb", **args)
    assert not (tmp_path / "bad.duckdb").exists()
