"""Every glossary metric (shared/spec/metrics.md), compiled by the semantic layer and run on a real
generated warehouse, equals hand-written SQL of the glossary definition over the raw tables."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from metrics.query import DimensionFilter, MetricQuery, TimeRange
from metrics.service import SemanticLayer

START, END = "2026-10-01", "2026-10-31"
RANGE = TimeRange(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
VALID = "o.status <> 'cancelled'"
IN_RANGE = f"BETWEEN DATE '{START}' AND DATE '{END}'"
SALES = f"FROM fact_order o JOIN fact_order_item i ON i.order_id = o.order_id JOIN dim_sku s ON s.sku_id = i.sku_id WHERE {VALID} AND o.order_ts::DATE {IN_RANGE}"

# metric id → (breakdown dimensions, hand-written SQL returning key columns then the value)
HAND: dict[str, tuple[tuple[str, ...], str]] = {
    "gmv": (("channel",), f"SELECT o.channel_id, SUM(i.amount) {SALES} GROUP BY 1"),
    "orders": (("category",), f"SELECT s.category_id, COUNT(DISTINCT o.order_id) {SALES} GROUP BY 1"),
    "units_sold": (("warehouse",), f"SELECT o.warehouse_id, SUM(i.qty) {SALES} GROUP BY 1"),
    "buyers": (("province",), f"SELECT o.province, COUNT(DISTINCT o.buyer_id) {SALES} GROUP BY 1"),
    "aov": (("channel",), f"SELECT o.channel_id, SUM(i.amount) / COUNT(DISTINCT o.order_id) {SALES} GROUP BY 1"),
    "arpu": (("brand",), f"SELECT s.brand, SUM(i.amount) / COUNT(DISTINCT o.buyer_id) {SALES} GROUP BY 1"),
    "refund_amount": (
        ("channel",),
        f"""
        SELECT o.channel_id, SUM(rf.amount) FROM fact_refund rf JOIN fact_order o ON o.order_id = rf.order_id
        WHERE rf.refund_ts::DATE {IN_RANGE} GROUP BY 1""",
    ),
    "refund_units": (
        ("brand",),
        f"""
        SELECT s.brand, SUM(rf.qty) FROM fact_refund rf JOIN dim_sku s ON s.sku_id = rf.sku_id
        WHERE rf.refund_ts::DATE {IN_RANGE} GROUP BY 1""",
    ),
    "refund_count": (
        ("refund_reason",),
        f"""
        SELECT rf.reason, COUNT(*) FROM fact_refund rf WHERE rf.refund_ts::DATE {IN_RANGE} GROUP BY 1""",
    ),
    "refund_rate": (
        ("category",),
        f"""
        WITH g AS (SELECT s.category_id k, SUM(i.amount) gmv {SALES} GROUP BY 1),
             r AS (SELECT s.category_id k, SUM(rf.amount) ra FROM fact_refund rf JOIN dim_sku s ON s.sku_id = rf.sku_id
                   WHERE rf.refund_ts::DATE {IN_RANGE} GROUP BY 1)
        SELECT g.k, COALESCE(r.ra, 0) / g.gmv FROM g LEFT JOIN r USING (k)""",
    ),
    "gross_margin": (
        ("category",),
        f"SELECT s.category_id, (SUM(i.amount) - SUM(i.qty * s.unit_cost)) / SUM(i.amount) {SALES} GROUP BY 1",
    ),
    "visitors": (
        ("channel",),
        f"SELECT channel_id, SUM(visitors) FROM fact_traffic_daily WHERE date {IN_RANGE} GROUP BY 1",
    ),
    "page_views": (("date",), f"SELECT date, SUM(page_views) FROM fact_traffic_daily WHERE date {IN_RANGE} GROUP BY 1"),
    "conversion_rate": (
        ("channel",),
        f"""
        WITH v AS (SELECT channel_id k, SUM(visitors) v FROM fact_traffic_daily WHERE date {IN_RANGE} GROUP BY 1),
             b AS (SELECT o.channel_id k, COUNT(DISTINCT o.buyer_id) b FROM fact_order o WHERE {VALID} AND o.order_ts::DATE {IN_RANGE} GROUP BY 1)
        SELECT v.k, COALESCE(b.b, 0)::DOUBLE / v.v FROM v LEFT JOIN b USING (k)""",
    ),
    "ad_spend": (
        ("channel",),
        f"SELECT channel_id, SUM(spend) FROM fact_ad_spend_daily WHERE date {IN_RANGE} GROUP BY 1",
    ),
    "attributed_gmv": ((), f"SELECT SUM(attributed_gmv) FROM fact_ad_spend_daily WHERE date {IN_RANGE}"),
    "impressions": (
        ("channel",),
        f"SELECT channel_id, SUM(impressions) FROM fact_ad_spend_daily WHERE date {IN_RANGE} GROUP BY 1",
    ),
    "clicks": ((), f"SELECT SUM(clicks) FROM fact_ad_spend_daily WHERE date {IN_RANGE}"),
    "ctr": (
        ("channel",),
        f"SELECT channel_id, SUM(clicks) / SUM(impressions) FROM fact_ad_spend_daily WHERE date {IN_RANGE} GROUP BY 1",
    ),
    "cpc": (
        ("channel",),
        f"SELECT channel_id, SUM(spend) / SUM(clicks) FROM fact_ad_spend_daily WHERE date {IN_RANGE} GROUP BY 1",
    ),
    "roi": (
        ("channel",),
        f"SELECT channel_id, SUM(attributed_gmv) / SUM(spend) FROM fact_ad_spend_daily WHERE date {IN_RANGE} GROUP BY 1",
    ),
    "complaints": (
        ("warehouse",),
        f"""
        SELECT o.warehouse_id, COUNT(*) FROM fact_complaint c JOIN fact_order o ON o.order_id = c.order_id
        WHERE c.created_ts::DATE {IN_RANGE} GROUP BY 1""",
    ),
    "complaint_rate": (
        ("channel",),
        f"""
        WITH c AS (SELECT o.channel_id k, COUNT(*) n FROM fact_complaint c JOIN fact_order o ON o.order_id = c.order_id
                   WHERE c.created_ts::DATE {IN_RANGE} GROUP BY 1),
             o AS (SELECT channel_id k, COUNT(DISTINCT order_id) n FROM fact_order o WHERE {VALID} AND order_ts::DATE {IN_RANGE} GROUP BY 1)
        SELECT o.k, COALESCE(c.n, 0)::DOUBLE / o.n FROM o LEFT JOIN c USING (k)""",
    ),
    "late_shipment_rate": (
        ("warehouse",),
        f"""
        SELECT warehouse_id, COUNT(*) FILTER (WHERE shipped_ts > promised_ship_ts)::DOUBLE / COUNT(*)
        FROM fact_order WHERE shipped_ts IS NOT NULL AND order_ts::DATE {IN_RANGE} GROUP BY 1""",
    ),
    "repurchase_rate": (
        ("channel",),
        f"""
        WITH b AS (SELECT channel_id, buyer_id, COUNT(DISTINCT order_id) n FROM fact_order o
                   WHERE {VALID} AND order_ts::DATE {IN_RANGE} GROUP BY 1, 2)
        SELECT channel_id, COUNT(*) FILTER (WHERE n >= 2)::DOUBLE / COUNT(*) FROM b GROUP BY 1""",
    ),
    "on_hand": (
        ("warehouse",),
        f"""
        SELECT warehouse_id, SUM(on_hand) FROM fact_inventory_daily
        WHERE snapshot_date = (SELECT MAX(snapshot_date) FROM fact_inventory_daily WHERE snapshot_date {IN_RANGE})
        GROUP BY 1""",
    ),
    "available": (
        ("category",),
        f"""
        SELECT s.category_id, SUM(f.on_hand - f.reserved) FROM fact_inventory_daily f JOIN dim_sku s USING (sku_id)
        WHERE snapshot_date = DATE '{END}' GROUP BY 1""",
    ),
    "avg_daily_units": (("warehouse",), f"SELECT o.warehouse_id, SUM(i.qty) / 31.0 {SALES} GROUP BY 1"),
    "days_of_cover": (
        ("sku",),
        f"""
        WITH a AS (SELECT sku_id, SUM(on_hand - reserved) av FROM fact_inventory_daily WHERE snapshot_date = DATE '{END}' GROUP BY 1),
             u AS (SELECT i.sku_id, SUM(i.qty) / 28.0 d FROM fact_order o JOIN fact_order_item i USING (order_id)
                   WHERE {VALID} AND o.order_ts::DATE BETWEEN DATE '2026-10-04' AND DATE '{END}' GROUP BY 1)
        SELECT a.sku_id, a.av / u.d FROM a JOIN u USING (sku_id)""",
    ),
    "turnover_days": (
        ("category",),
        f"""
        WITH d AS (SELECT s.category_id k, f.snapshot_date, SUM(f.on_hand) oh FROM fact_inventory_daily f
                   JOIN dim_sku s USING (sku_id) WHERE f.snapshot_date {IN_RANGE} GROUP BY 1, 2),
             u AS (SELECT s.category_id k, SUM(i.qty) / 31.0 adu {SALES} GROUP BY 1)
        SELECT d.k, AVG(d.oh) / u.adu FROM d JOIN u USING (k) GROUP BY d.k, u.adu""",
    ),
    "sell_through_rate": (
        ("category",),
        f"""
        WITH u AS (SELECT s.category_id k, SUM(i.qty) n {SALES} GROUP BY 1),
             oh AS (SELECT s.category_id k, SUM(f.on_hand) oh FROM fact_inventory_daily f JOIN dim_sku s USING (sku_id)
                    WHERE snapshot_date = DATE '{END}' GROUP BY 1)
        SELECT u.k, u.n::DOUBLE / (u.n + COALESCE(oh.oh, 0)) FROM u LEFT JOIN oh USING (k)""",
    ),
    "stockout_rate": (
        ("warehouse",),
        f"""
        SELECT warehouse_id, COUNT(*) FILTER (WHERE on_hand - reserved <= 0)::DOUBLE / COUNT(*)
        FROM fact_inventory_daily WHERE snapshot_date {IN_RANGE} GROUP BY 1""",
    ),
}


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def _as_map(rows: list[tuple[Any, ...]], n_keys: int) -> dict[tuple[Any, ...], Any]:
    return {tuple(r[:n_keys]): r[-1] for r in rows if r[-1] is not None}


def test_every_public_glossary_metric_has_a_hand_written_check(layer: SemanticLayer) -> None:
    # forecast metrics read the forecast store: checked against hand-written SQL in test_forecast_layer.py
    forecasts = {
        m.id
        for m in layer.catalog.public_metrics()
        if any(layer.catalog.metrics[leaf].model == "stock_projection" for leaf in layer.catalog.leaf_models[m.id])
    }
    building_blocks = {"cogs", "shipped_orders", "late_shipments", "repeat_buyers", "avg_on_hand"}
    public = {m.id for m in layer.catalog.public_metrics()} - building_blocks - forecasts
    assert public <= set(HAND), f"add hand-written SQL for {sorted(public - set(HAND))}"


@pytest.mark.parametrize("metric_id", sorted(HAND))
def test_compiled_metric_equals_hand_written_sql(layer: SemanticLayer, metric_id: str) -> None:
    dims, hand_sql = HAND[metric_id]
    res = layer.run(MetricQuery(metrics=(metric_id,), dimensions=dims, time_range=RANGE))
    value_at = res.compiled.columns.index(next(c for c in res.compiled.columns if c.name == metric_id))
    key_at = [i for i, c in enumerate(res.compiled.columns) if c.role == "dimension"]
    got = _as_map([(*tuple(r[i] for i in key_at), r[value_at]) for r in res.result.rows], len(dims))
    want = _as_map(layer.warehouse.query(hand_sql).rows, len(dims))
    assert want, "the hand-written query returned nothing; the test warehouse is too small"
    assert got.keys() == want.keys()
    bad = {k: (got[k], want[k]) for k in want if not _close(got[k], want[k])}
    assert not bad, f"{metric_id}: compiled != hand-written for {list(bad.items())[:3]}"


@pytest.mark.parametrize("metric_id", sorted(HAND))
def test_total_equals_hand_written_total(layer: SemanticLayer, metric_id: str) -> None:
    """Without a breakdown, a metric is one row; for additive metrics it is the sum of the breakdown."""
    total = layer.run(MetricQuery(metrics=(metric_id,), time_range=RANGE)).result.rows
    assert len(total) == 1
    metric = layer.catalog.metrics[metric_id]
    dims, _ = HAND[metric_id]
    if metric.kind == "aggregate" and metric.expr is not None and metric.expr.key == "sum" and dims:
        parts = layer.run(MetricQuery(metrics=(metric_id,), dimensions=dims, time_range=RANGE)).result.rows
        assert _close(total[0][0], sum(float(r[-1]) for r in parts))


def test_filters_and_breakdowns_compose(layer: SemanticLayer) -> None:
    """Beauty GMV by channel through a value synonym equals the hand-written filter on category_id."""
    q = MetricQuery(
        metrics=("gmv",), dimensions=("channel",), time_range=RANGE, filters=(DimensionFilter("category", ("美妆",)),)
    )
    got = {r[0]: r[-1] for r in layer.run(q).result.rows}
    want = dict(
        layer.warehouse.query(
            f"SELECT o.channel_id, SUM(i.amount) {SALES} AND s.category_id = 'beauty' GROUP BY 1"
        ).rows
    )
    assert got.keys() == want.keys() and all(_close(got[k], want[k]) for k in want)
