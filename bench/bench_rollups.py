"""Rollups (docs/rollups.md): each glossary metric by channel (stock by warehouse) over the last 30 days
through the layer reading rollups, versus the hand-written SQL over the raw tables (bench_overhead's
yardstick); `ask` end to end over the public question set with rollups; the rollups' build time and
size; the refresh of one replaced day. Targets: median ratio ≤ 0.1 over the additive metrics, ask p95
< 100 ms at scale 1 (< 150 ms at scale 4).

    python bench_rollups.py              # scale 1 (bench/data/scale1.duckdb)
    python bench_rollups.py --scale 4    # scale 4 (bench/data/scale4.duckdb, generated on first use)
    python bench_rollups.py --days 365   # a shorter history (a reduced run: say so when reporting)
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import time
from pathlib import Path

import duckdb
import yaml
from common import END, ROOT, bench_warehouse, p95, timed
from hand_sql import BY_CHANNEL, BY_WAREHOUSE

from metrics.catalog.load import load_catalog
from metrics.catalog.types import Catalog
from metrics.query import MetricQuery, TimeRange
from metrics.rollups.build import refresh
from metrics.rollups.store import store_path
from metrics.service import SemanticLayer
from metrics.warehouse import CONNECT_CONFIG, Warehouse
from nlq.ask import Asker

REPEAT = 7
# metrics computed from sums and counts only, over the order, refund, complaint and inventory facts
ADDITIVE = (
    "gmv orders units_sold aov refund_amount refund_rate gross_margin complaints complaint_rate "
    "late_shipment_rate avg_daily_units stockout_rate"
).split()
# additive too, but over tables that are already one row per day × channel (× campaign): nothing to roll
# up, the hand-written SQL takes a millisecond or two and the layer's fixed cost sets the ratio
DAILY = ("visitors", "ad_spend", "roi")
EVAL = ROOT.parent / "shared" / "eval" / "questions.yaml"
RATIO_TARGET = 0.1
ASK_TARGET_MS = {1.0: 100.0, 4.0: 150.0}


def warehouse(scale: float, days: int) -> Path:
    if scale == 1.0 and days == 730:
        return bench_warehouse()
    path = ROOT / "bench" / "data" / f"scale{scale:g}-{days}d.duckdb"
    if not path.exists():
        from metrics.demo import generate_warehouse

        print(f"generating {path} (scale {scale:g}, {days} days) …", flush=True)
        generate_warehouse(path, end_date=END, days=days, scale=scale)
    return path


def build(path: Path, catalog: Catalog) -> None:
    store_path(path).unlink(missing_ok=True)
    report = refresh(path, catalog)
    rows = sum(r.rows for r in report.rollups)
    print(f"build from scratch: {report.seconds:.1f} s, {rows:,} rows, {report.size_bytes / 1e6:.1f} MB")
    for r in report.rollups:
        print(f"  {r.id:<18} {r.rows:>10,} rows {r.seconds:>6.1f} s")


def one_day(path: Path, catalog: Catalog) -> None:
    """A copy of the warehouse (and its rollups) whose last day is replaced, refreshed."""
    copy = path.with_name("refresh-check.duckdb")
    shutil.copy(path, copy)
    shutil.copy(store_path(path), store_path(copy))
    try:
        con = duckdb.connect(str(copy))
        con.execute(
            "UPDATE fact_order_item SET amount = amount + 1 WHERE order_id IN "
            "(SELECT order_id FROM fact_order WHERE CAST(order_ts AS DATE) = $d)",
            {"d": END},
        )
        con.close()
        report = refresh(copy, catalog)
        rebuilt = sum(r.rebuilt for r in report.rollups)
        print(f"refresh after one replaced day: {report.seconds:.1f} s ({rebuilt} rollup-days recomputed)")
    finally:
        copy.unlink(missing_ok=True)
        store_path(copy).unlink(missing_ok=True)


def ratios(path: Path, layer: SemanticLayer) -> None:
    raw = duckdb.connect(str(path), read_only=True, config=dict(CONNECT_CONFIG))
    rng = TimeRange(END - dt.timedelta(days=29), END)
    cases = [(m, "channel", sql) for m, sql in BY_CHANNEL.items()] + [
        (m, "warehouse", sql) for m, sql in BY_WAREHOUSE.items()
    ]
    out: dict[str, float] = {}
    print(f"{'metric':<20} {'by':<10} {'layer ms':>9} {'hand ms':>9} {'ratio':>6}  read from")
    for metric, dim, template in cases:
        sql = template.format(s=rng.start, e=rng.end)
        q = MetricQuery(metrics=(metric,), dimensions=(dim,), time_range=rng)
        used = layer.run(q).compiled.rollups
        raw.execute(sql).fetchall()
        ours = statistics.median(timed(lambda q=q: layer.run(q), REPEAT))
        hand = statistics.median(timed(lambda sql=sql: raw.execute(sql).fetchall(), REPEAT))
        out[metric] = ours / hand
        print(
            f"{metric:<20} {dim:<10} {ours * 1000:>9.1f} {hand * 1000:>9.1f} {ours / hand:>6.2f}  "
            f"{', '.join(used) or 'raw tables'}"
        )
    additive = statistics.median(out[m] for m in ADDITIVE if m in out)
    with_daily = statistics.median(out[m] for m in (*ADDITIVE, *DAILY) if m in out)
    print(
        f"rollups vs hand-written SQL: median ratio {additive:.3f} over {len(ADDITIVE)} additive metrics "
        f"(target ≤ {RATIO_TARGET}) → {'OK' if additive <= RATIO_TARGET else 'MISS'}; "
        f"with the daily traffic and ad tables {with_daily:.3f}; over all {len(out)}: {statistics.median(out.values()):.3f}"
    )


def ask(layer: SemanticLayer, scale: float) -> None:
    qs = [q["question"] for q in yaml.safe_load(EVAL.read_text(encoding="utf-8"))["questions"]]
    for label, use in (("with rollups", True), ("raw tables", False)):
        layer.use_rollups = use
        asker = Asker(layer)
        for q in qs:
            asker.ask(q, today=END)
        e2e = [t * 1000 for q in qs for t in timed(lambda q=q, a=asker: a.ask(q, today=END), 3)]
        target = ASK_TARGET_MS.get(scale, 150.0)
        verdict = f" (target < {target:g} ms) → {'OK' if p95(e2e) < target else 'MISS'}" if use else ""
        print(f"ask end to end, {label}: p50 {statistics.median(e2e):.0f} ms, p95 {p95(e2e):.0f} ms{verdict}")
    layer.use_rollups = True


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--scale", type=float, default=1.0)
    args.add_argument("--days", type=int, default=730)
    opts = args.parse_args()
    path = warehouse(opts.scale, opts.days)
    catalog = load_catalog()
    print(f"warehouse {path.name}: scale {opts.scale:g}, {opts.days} days")
    started = time.perf_counter()
    build(path, catalog)
    one_day(path, catalog)
    wh = Warehouse(path)
    layer = SemanticLayer(catalog, wh)
    ratios(path, layer)
    ask(layer, opts.scale)
    wh.close()
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
