"""Benchmark the demo warehouse generator against its 60-second target (scale 1, 730 days).

Usage: python bench/bench_demo_data.py [--scale 1] [--days 730] [--out PATH] [--strict]

Prints the generation time, the row count of every table, the time against the target and the
key realism figures of the generated business. With --strict, exits 1 when over the target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

import duckdb

from metrics.demo import generate_warehouse

TARGET_SECONDS = 60.0
END = dt.date(2026, 11, 20)

REALISM: list[tuple[str, str]] = [
    (
        "valid orders / day",
        "SELECT count(*) / count(DISTINCT order_ts::DATE) FROM fact_order WHERE status <> 'cancelled'",
    ),
    ("items / order", "SELECT count(*) / count(DISTINCT order_id) FROM fact_order_item"),
    ("units / item", "SELECT avg(qty) FROM fact_order_item"),
    (
        "AOV (CNY)",
        "SELECT SUM(i.amount) / count(DISTINCT o.order_id) FROM fact_order o JOIN fact_order_item i "
        "USING (order_id) WHERE o.status <> 'cancelled'",
    ),
    ("cancelled share", "SELECT avg((status = 'cancelled')::INT) FROM fact_order"),
    ("refunded order share", "SELECT avg((status = 'refunded')::INT) FROM fact_order"),
    (
        "refund rate (amount / GMV)",
        "SELECT (SELECT SUM(amount) FROM fact_refund) / SUM(i.amount) FROM fact_order o "
        "JOIN fact_order_item i USING (order_id) WHERE o.status <> 'cancelled'",
    ),
    (
        "late shipment rate",
        "SELECT avg((shipped_ts > promised_ship_ts)::INT) FROM fact_order WHERE shipped_ts IS NOT NULL",
    ),
    (
        "complaint rate",
        "SELECT (SELECT count(*) FROM fact_complaint) / count(*) FROM fact_order WHERE status <> 'cancelled'",
    ),
    (
        "conversion rate",
        "SELECT (SELECT SUM(b) FROM (SELECT count(DISTINCT buyer_id) AS b FROM fact_order "
        "WHERE status <> 'cancelled' GROUP BY order_ts::DATE, channel_id)) / SUM(visitors) FROM fact_traffic_daily",
    ),
    (
        "repeat purchase rate, last full month",
        "SELECT avg((n >= 2)::INT) FROM (SELECT count(*) AS n FROM fact_order "
        "WHERE status <> 'cancelled' AND date_trunc('month', order_ts) = date_trunc('month', "
        "(SELECT max(order_ts) FROM fact_order)) - INTERVAL 1 MONTH GROUP BY buyer_id)",
    ),
    ("ROI (attributed GMV / spend)", "SELECT SUM(attributed_gmv) / SUM(spend) FROM fact_ad_spend_daily"),
    (
        "stockout share, last day",
        "SELECT avg((on_hand - reserved <= 0)::INT) FROM fact_inventory_daily "
        "WHERE snapshot_date = (SELECT max(snapshot_date) FROM fact_inventory_daily)",
    ),
    ("stockout share, whole period", "SELECT avg((on_hand - reserved <= 0)::INT) FROM fact_inventory_daily"),
    (
        "late purchase orders",
        "SELECT avg((received_date > expected_date)::INT) FROM fact_purchase_order WHERE received_date IS NOT NULL",
    ),
    ("open purchase orders", "SELECT count(*) FROM fact_purchase_order WHERE received_date IS NULL"),
    (
        "SKUs with > 90 days of cover",
        """
        WITH a AS (SELECT sku_id, SUM(on_hand - reserved) AS av FROM fact_inventory_daily
                   WHERE snapshot_date = (SELECT max(snapshot_date) FROM fact_inventory_daily) GROUP BY 1),
             u AS (SELECT i.sku_id, SUM(i.qty) / 28.0 AS r FROM fact_order o JOIN fact_order_item i USING (order_id)
                   WHERE o.status <> 'cancelled'
                     AND o.order_ts::DATE > (SELECT max(snapshot_date) - 28 FROM fact_inventory_daily) GROUP BY 1)
        SELECT count(*) FROM a JOIN u USING (sku_id) WHERE av / r > 90""",
    ),
    (
        "双11 orders / median day",
        "SELECT max(n) FILTER (WHERE strftime(d, '%m-%d') = '11-11') / median(n) FROM "
        "(SELECT order_ts::DATE AS d, count(*) AS n FROM fact_order WHERE status <> 'cancelled' GROUP BY 1)",
    ),
]


def _parse() -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--days", type=int, default=730)
    p.add_argument("--seed", type=int, default=20261120)
    p.add_argument("--out", type=Path, default=None, help="keep the warehouse at this path")
    p.add_argument("--strict", action="store_true", help="exit 1 when over the target")
    return p.parse_args()


def _report(path: Path) -> None:
    """Print the realism figures of a generated warehouse."""
    with duckdb.connect(str(path), read_only=True) as con:
        for label, sql in REALISM:
            row = con.execute(sql).fetchone()
            value = float(row[0]) if row and row[0] is not None else float("nan")
            print(f"  {label:<40} {value:>12.4f}")


def main() -> int:
    """Run the benchmark; returns the exit code."""
    args = _parse()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "demo.duckdb"
        summary = generate_warehouse(out, end_date=END, days=args.days, seed=args.seed, scale=args.scale)
        print(
            f"demo warehouse: {summary.start_date} … {summary.end_date}, {summary.days} days, "
            f"scale {summary.scale:g}, seed {summary.seed}"
        )
        for table, count in summary.row_counts.items():
            print(f"  {table:<40} {count:>12,}")
        print(f"  {'file size (MB)':<40} {out.stat().st_size / 1e6:>12.1f}")
        verdict = "within" if summary.seconds <= TARGET_SECONDS else "OVER"
        print(
            f"generation: {summary.seconds:.1f} s — {verdict} the {TARGET_SECONDS:.0f} s target "
            f"({summary.seconds / TARGET_SECONDS:.0%} of it)"
        )
        print("realism:")
        _report(out)
    return 1 if args.strict and summary.seconds > TARGET_SECONDS else 0


if __name__ == "__main__":
    sys.exit(main())
