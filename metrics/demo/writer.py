"""Write the generated business into a DuckDB file with the data contract's exact types.

Tables are created with explicit DDL, then filled (orders chunk by chunk) by ``INSERT … SELECT``
from numpy arrays registered with DuckDB (no pandas/pyarrow). Identifiers and timestamps are built in SQL from
integer codes (``'SKU-' || lpad(…)``, dates as start date + day), lookups of names come in as bind
parameters. Rows are inserted in a fixed order, so the same inputs give identical tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
from numpy.typing import NDArray

from metrics.demo import aftersales, reference
from metrics.demo.aftersales import Complaints, Refunds
from metrics.demo.assortment import Assortment
from metrics.demo.funnel import Ads, Traffic
from metrics.demo.inventory import Snapshots
from metrics.demo.orders import OrderBook
from metrics.demo.simulate import NULL_DAY, PurchaseOrders

SCHEMA = "opsbot-demo-warehouse"
SCHEMA_VERSION = "1"
GENERATED_BY = "opsbot.metrics.demo"

DDL: dict[str, str] = {
    "dim_category": "category_id VARCHAR, name_zh VARCHAR, name_en VARCHAR",
    "dim_channel": "channel_id VARCHAR, name_zh VARCHAR, name_en VARCHAR",
    "dim_warehouse": "warehouse_id VARCHAR, name_zh VARCHAR, name_en VARCHAR, region VARCHAR",
    "dim_sku": "sku_id VARCHAR, name_zh VARCHAR, name_en VARCHAR, category_id VARCHAR, brand VARCHAR, "
    "unit_cost DECIMAL(12,2), list_price DECIMAL(12,2), launch_date DATE, lead_time_days INTEGER",
    "fact_order": "order_id VARCHAR, order_ts TIMESTAMP, channel_id VARCHAR, buyer_id VARCHAR, province VARCHAR, "
    "warehouse_id VARCHAR, status VARCHAR, promised_ship_ts TIMESTAMP, shipped_ts TIMESTAMP",
    "fact_order_item": "order_id VARCHAR, sku_id VARCHAR, qty INTEGER, amount DECIMAL(12,2)",
    "fact_refund": "refund_id VARCHAR, order_id VARCHAR, sku_id VARCHAR, refund_ts TIMESTAMP, qty INTEGER, "
    "amount DECIMAL(12,2), reason VARCHAR",
    "fact_inventory_daily": "snapshot_date DATE, sku_id VARCHAR, warehouse_id VARCHAR, on_hand INTEGER, "
    "reserved INTEGER",
    "fact_purchase_order": "po_id VARCHAR, sku_id VARCHAR, warehouse_id VARCHAR, qty INTEGER, created_date DATE, "
    "expected_date DATE, received_date DATE",
    "fact_traffic_daily": "date DATE, channel_id VARCHAR, visitors BIGINT, page_views BIGINT",
    "fact_ad_spend_daily": "date DATE, channel_id VARCHAR, campaign_id VARCHAR, spend DECIMAL(14,2), "
    "attributed_gmv DECIMAL(14,2), impressions BIGINT, clicks BIGINT",
    "fact_complaint": "complaint_id VARCHAR, order_id VARCHAR, created_ts TIMESTAMP, category VARCHAR",
    "opsbot_meta": "key VARCHAR, value VARCHAR",
}

_SKU = "'SKU-' || lpad(CAST(sku + 1 AS VARCHAR), 5, '0')"
_INSERT: dict[str, str] = {
    "dim_sku": f"SELECT {_SKU}, name_zh, name_en, $categories[category + 1], brand, "
    "CAST(cost / 100 AS DECIMAL(12,2)), CAST(price / 100 AS DECIMAL(12,2)), $start + launch, lead FROM src",
    "fact_order": "SELECT 'O' || CAST(number AS VARCHAR), ts, $channels[channel + 1], 'U' || CAST(buyer AS VARCHAR), "
    "$provinces[province + 1], $warehouses[warehouse + 1], $statuses[status + 1], promised, shipped FROM src",
    "fact_order_item": f"SELECT 'O' || CAST(number AS VARCHAR), {_SKU}, qty, CAST(amount / 100 AS DECIMAL(12,2)) "
    "FROM src",
    "fact_refund": f"SELECT 'RF' || lpad(CAST(seq AS VARCHAR), 9, '0'), 'O' || CAST(number AS VARCHAR), {_SKU}, ts, "
    "qty, CAST(amount / 100 AS DECIMAL(12,2)), $reasons[reason + 1] FROM src",
    "fact_inventory_daily": f"SELECT $start + day, {_SKU}, $warehouses[warehouse + 1], on_hand, reserved FROM src",
    "fact_purchase_order": f"SELECT 'PO' || lpad(CAST(seq AS VARCHAR), 8, '0'), {_SKU}, $warehouses[warehouse + 1], "
    "qty, $start + created, $start + expected, $start + NULLIF(received, $null_day) FROM src",
    "fact_traffic_daily": "SELECT $start + day, $channels[channel + 1], visitors, page_views FROM src",
    "fact_ad_spend_daily": "SELECT $start + day, $channels[channel + 1], "
    "$channels[channel + 1] || '-c' || lpad(CAST(campaign AS VARCHAR), 2, '0'), "
    "CAST(spend / 100 AS DECIMAL(14,2)), CAST(attributed / 100 AS DECIMAL(14,2)), impressions, clicks FROM src",
    "fact_complaint": "SELECT 'CP' || lpad(CAST(seq AS VARCHAR), 8, '0'), 'O' || CAST(number AS VARCHAR), ts, "
    "$complaint_categories[category + 1] FROM src",
}

Columns = Mapping[str, NDArray[Any]]


def _timestamps(start: dt.date, seconds: NDArray[np.int64]) -> NDArray[np.datetime64]:
    """Seconds since midnight of ``start`` as datetime64[us]; negative seconds become NULL (NaT)."""
    base = np.datetime64(start, "us")
    ts = base + (seconds * 1_000_000).astype("timedelta64[us]")
    return np.where(seconds >= 0, ts, np.datetime64("NaT", "us"))


def _strings(values: list[str]) -> NDArray[np.object_]:
    """A numpy object array of Python strings (registered as VARCHAR)."""
    return np.array(values, dtype=object)


class WarehouseWriter:
    """An open DuckDB file with the contract's tables, filled table by table (orders in chunks)."""

    def __init__(self, path: str, start: dt.date) -> None:
        self.start = start
        self.counts: dict[str, int] = dict.fromkeys(DDL, 0)
        self._con = duckdb.connect(path)
        self._params: dict[str, Any] = {
            "start": start,
            "channels": [c.channel_id for c in reference.CHANNELS],
            "warehouses": [w.warehouse_id for w in reference.WAREHOUSES],
            "provinces": [p[0] for p in reference.PROVINCES],
            "statuses": list(aftersales.STATUSES),
            "reasons": list(reference.REFUND_REASONS),
            "categories": [c.category_id for c in reference.CATEGORIES],
            "complaint_categories": list(reference.COMPLAINT_CATEGORIES),
            "null_day": NULL_DAY,
        }
        for table, columns in DDL.items():
            self._con.execute(f"CREATE TABLE {table} ({columns})")  # constants of this module

    def __enter__(self) -> WarehouseWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._con.close()

    def finish(self) -> None:
        """Checkpoint so that the file is complete without its write-ahead log."""
        self._con.execute("CHECKPOINT")

    def _insert(self, table: str, columns: Columns) -> None:
        """Insert registered numpy columns through the table's SELECT."""
        self._con.register("src", dict(columns))
        try:
            sql = _INSERT[table]
            used = {k: v for k, v in self._params.items() if f"${k}" in sql}
            self._con.execute(f"INSERT INTO {table} {sql}", used)  # table and SQL are constants of this module
        finally:
            self._con.unregister("src")
        self.counts[table] += len(next(iter(columns.values())))

    def _rows(self, table: str, rows: list[list[str]]) -> None:
        """Insert a few literal rows."""
        marks = ", ".join("?" * len(rows[0]))
        self._con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # constants of this module
        self.counts[table] += len(rows)

    def dimensions(self, a: Assortment) -> None:
        """dim_category, dim_channel, dim_warehouse and dim_sku."""
        self._rows("dim_category", [[c.category_id, c.name_zh, c.name_en] for c in reference.CATEGORIES])
        self._rows("dim_channel", [[c.channel_id, c.name_zh, c.name_en] for c in reference.CHANNELS])
        self._rows("dim_warehouse", [[w.warehouse_id, w.name_zh, w.name_en, w.region] for w in reference.WAREHOUSES])
        self._insert(
            "dim_sku",
            {
                "sku": np.arange(a.size),
                "name_zh": _strings(a.name_zh),
                "name_en": _strings(a.name_en),
                "category": a.category,
                "brand": _strings(a.brand),
                "cost": a.cost_cents,
                "price": a.price_cents,
                "launch": a.launch.astype(np.int32),
                "lead": a.lead_time.astype(np.int32),
            },
        )

    def orders(self, ob: OrderBook, status: NDArray[np.int64]) -> None:
        """Append a chunk of fact_order and fact_order_item."""
        self._insert(
            "fact_order",
            {
                "number": ob.number,
                "ts": _timestamps(self.start, ob.ts),
                "channel": ob.channel,
                "buyer": ob.buyer_number,
                "province": ob.province,
                "warehouse": ob.warehouse,
                "status": status,
                "promised": _timestamps(self.start, ob.promised),
                "shipped": _timestamps(self.start, ob.shipped),
            },
        )
        self._insert(
            "fact_order_item",
            {
                "number": ob.number[ob.item_order],
                "sku": ob.item_sku,
                "qty": ob.item_qty.astype(np.int32),
                "amount": ob.item_amount,
            },
        )

    def refunds(self, r: Refunds) -> None:
        """fact_refund (ids follow the row order)."""
        self._insert(
            "fact_refund",
            {
                "seq": np.arange(1, len(r.number) + 1),
                "number": r.number,
                "sku": r.sku,
                "ts": _timestamps(self.start, r.ts),
                "qty": r.qty.astype(np.int32),
                "amount": r.amount,
                "reason": r.reason,
            },
        )

    def complaints(self, c: Complaints) -> None:
        """fact_complaint (ids follow the row order)."""
        self._insert(
            "fact_complaint",
            {
                "seq": np.arange(1, len(c.number) + 1),
                "number": c.number,
                "ts": _timestamps(self.start, c.ts),
                "category": c.category,
            },
        )

    def inventory(self, inv: Snapshots) -> None:
        """fact_inventory_daily."""
        sku, warehouse = np.divmod(inv.series, reference.N_WAREHOUSES)
        self._insert(
            "fact_inventory_daily",
            {
                "day": inv.day.astype(np.int32),
                "sku": sku,
                "warehouse": warehouse,
                "on_hand": inv.on_hand,
                "reserved": inv.reserved,
            },
        )

    def purchase_orders(self, po: PurchaseOrders) -> None:
        """fact_purchase_order (ids follow creation order)."""
        sku, warehouse = np.divmod(po.series, reference.N_WAREHOUSES)
        self._insert(
            "fact_purchase_order",
            {
                "seq": np.arange(1, len(po.series) + 1),
                "sku": sku,
                "warehouse": warehouse,
                "qty": po.qty.astype(np.int32),
                "created": po.created.astype(np.int32),
                "expected": po.expected.astype(np.int32),
                "received": po.received.astype(np.int32),
            },
        )

    def traffic(self, t: Traffic) -> None:
        """fact_traffic_daily."""
        self._insert(
            "fact_traffic_daily",
            {
                "day": t.day.astype(np.int32),
                "channel": t.channel,
                "visitors": t.visitors,
                "page_views": t.page_views,
            },
        )

    def ads(self, ad: Ads) -> None:
        """fact_ad_spend_daily."""
        self._insert(
            "fact_ad_spend_daily",
            {
                "day": ad.day.astype(np.int32),
                "channel": ad.channel,
                "campaign": ad.campaign,
                "spend": ad.spend,
                "attributed": ad.attributed_gmv,
                "impressions": ad.impressions,
                "clicks": ad.clicks,
            },
        )

    def meta(self, *, seed: int, scale: float, end: dt.date) -> None:
        """opsbot_meta: how the rest of the system recognises a demo warehouse and its last day."""
        self._rows(
            "opsbot_meta",
            [
                ["schema", SCHEMA],
                ["schema_version", SCHEMA_VERSION],
                ["seed", str(seed)],
                ["scale", repr(scale)],
                ["start_date", self.start.isoformat()],
                ["end_date", end.isoformat()],
                ["generated_by", GENERATED_BY],
            ],
        )
