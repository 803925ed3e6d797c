"""Hand-written SQL of each glossary metric by channel (stock metrics by warehouse), the yardstick
for the semantic layer's overhead. `{s}` / `{e}` are the period's first and last day."""

from __future__ import annotations

VALID = "o.status <> 'cancelled'"
RNG = "BETWEEN DATE '{s}' AND DATE '{e}'"
SALES = f"FROM fact_order o JOIN fact_order_item i ON i.order_id = o.order_id WHERE {VALID} AND o.order_ts::DATE {RNG}"
ORDERS = f"FROM fact_order o WHERE {VALID} AND o.order_ts::DATE {RNG}"
LAST = "(SELECT MAX(snapshot_date) FROM fact_inventory_daily WHERE snapshot_date " + RNG + ")"

BY_CHANNEL: dict[str, str] = {
    "gmv": f"SELECT o.channel_id, SUM(i.amount) {SALES} GROUP BY 1",
    "orders": f"SELECT channel_id, COUNT(DISTINCT order_id) {ORDERS} GROUP BY 1",
    "units_sold": f"SELECT o.channel_id, SUM(i.qty) {SALES} GROUP BY 1",
    "buyers": f"SELECT channel_id, COUNT(DISTINCT buyer_id) {ORDERS} GROUP BY 1",
    "aov": f"SELECT o.channel_id, SUM(i.amount) / COUNT(DISTINCT o.order_id) {SALES} GROUP BY 1",
    "arpu": f"SELECT o.channel_id, SUM(i.amount) / COUNT(DISTINCT o.buyer_id) {SALES} GROUP BY 1",
    "refund_amount": "SELECT o.channel_id, SUM(r.amount) FROM fact_refund r JOIN fact_order o USING (order_id) "
    f"WHERE r.refund_ts::DATE {RNG} GROUP BY 1",
    "refund_rate": f"WITH g AS (SELECT o.channel_id k, SUM(i.amount) v {SALES} GROUP BY 1), "
    "r AS (SELECT o.channel_id k, SUM(r.amount) v FROM fact_refund r JOIN fact_order o USING (order_id) "
    f"WHERE r.refund_ts::DATE {RNG} GROUP BY 1) SELECT g.k, COALESCE(r.v, 0) / g.v FROM g LEFT JOIN r USING (k)",
    "gross_margin": "SELECT o.channel_id, (SUM(i.amount) - SUM(i.qty * s.unit_cost)) / SUM(i.amount) "
    "FROM fact_order o JOIN fact_order_item i ON i.order_id = o.order_id JOIN dim_sku s ON s.sku_id = i.sku_id "
    f"WHERE {VALID} AND o.order_ts::DATE {RNG} GROUP BY 1",
    "visitors": f"SELECT channel_id, SUM(visitors) FROM fact_traffic_daily WHERE date {RNG} GROUP BY 1",
    "conversion_rate": f"WITH v AS (SELECT channel_id k, SUM(visitors) v FROM fact_traffic_daily WHERE date {RNG} GROUP BY 1), "
    f"b AS (SELECT channel_id k, COUNT(DISTINCT buyer_id) b {ORDERS} GROUP BY 1) "
    "SELECT v.k, COALESCE(b.b, 0) / v.v FROM v LEFT JOIN b USING (k)",
    "ad_spend": f"SELECT channel_id, SUM(spend) FROM fact_ad_spend_daily WHERE date {RNG} GROUP BY 1",
    "roi": f"SELECT channel_id, SUM(attributed_gmv) / SUM(spend) FROM fact_ad_spend_daily WHERE date {RNG} GROUP BY 1",
    "complaints": "SELECT o.channel_id, COUNT(*) FROM fact_complaint c JOIN fact_order o USING (order_id) "
    f"WHERE c.created_ts::DATE {RNG} GROUP BY 1",
    "complaint_rate": "WITH c AS (SELECT o.channel_id k, COUNT(*) n FROM fact_complaint c JOIN fact_order o USING (order_id) "
    f"WHERE c.created_ts::DATE {RNG} GROUP BY 1), o AS (SELECT channel_id k, COUNT(DISTINCT order_id) n "
    f"{ORDERS} GROUP BY 1) SELECT o.k, COALESCE(c.n, 0) / o.n FROM o LEFT JOIN c USING (k)",
    "late_shipment_rate": "SELECT channel_id, COUNT(*) FILTER (WHERE shipped_ts > promised_ship_ts) / COUNT(*) "
    f"FROM fact_order WHERE shipped_ts IS NOT NULL AND order_ts::DATE {RNG} GROUP BY 1",
    "repurchase_rate": f"WITH b AS (SELECT channel_id, buyer_id, COUNT(DISTINCT order_id) n {ORDERS} GROUP BY 1, 2) "
    "SELECT channel_id, COUNT(*) FILTER (WHERE n >= 2) / COUNT(*) FROM b GROUP BY 1",
    "avg_daily_units": f"SELECT o.channel_id, SUM(i.qty) / 30.0 {SALES} GROUP BY 1",
}

BY_WAREHOUSE: dict[str, str] = {
    "on_hand": f"SELECT warehouse_id, SUM(on_hand) FROM fact_inventory_daily WHERE snapshot_date = {LAST} GROUP BY 1",
    "available": f"SELECT warehouse_id, SUM(on_hand - reserved) FROM fact_inventory_daily WHERE snapshot_date = {LAST} GROUP BY 1",
    "days_of_cover": f"WITH a AS (SELECT warehouse_id k, SUM(on_hand - reserved) v FROM fact_inventory_daily "
    f"WHERE snapshot_date = {LAST} GROUP BY 1), u AS (SELECT o.warehouse_id k, SUM(i.qty) / 28.0 d "
    "FROM fact_order o JOIN fact_order_item i ON i.order_id = o.order_id "
    f"WHERE {VALID} AND o.order_ts::DATE BETWEEN DATE '{{e}}' - 27 AND DATE '{{e}}' GROUP BY 1) "
    "SELECT a.k, a.v / u.d FROM a JOIN u USING (k)",
    "turnover_days": f"WITH d AS (SELECT warehouse_id k, snapshot_date, SUM(on_hand) oh FROM fact_inventory_daily "
    f"WHERE snapshot_date {RNG} GROUP BY 1, 2), u AS (SELECT o.warehouse_id k, SUM(i.qty) / 30.0 adu "
    f"{SALES} GROUP BY 1) SELECT d.k, AVG(d.oh) / u.adu FROM d JOIN u USING (k) GROUP BY d.k, u.adu",
    "sell_through_rate": f"WITH u AS (SELECT o.warehouse_id k, SUM(i.qty) n {SALES} GROUP BY 1), oh AS (SELECT warehouse_id k, "
    f"SUM(on_hand) v FROM fact_inventory_daily WHERE snapshot_date = {LAST} GROUP BY 1) "
    "SELECT u.k, u.n / (u.n + COALESCE(oh.v, 0)) FROM u LEFT JOIN oh USING (k)",
    "stockout_rate": "SELECT warehouse_id, COUNT(*) FILTER (WHERE on_hand - reserved <= 0) / COUNT(*) "
    f"FROM fact_inventory_daily WHERE snapshot_date {RNG} GROUP BY 1",
}
