"""The data contract's tables as the importer sees them: columns and types (shared/spec/warehouse.md,
the same DDL the demo generator writes), the key of each table, the column whose day an import
replaces, and the references that must resolve."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.demo.writer import DDL


@dataclass(frozen=True)
class Reference:
    column: str
    table: str  # the referenced table; its key column has the same name


@dataclass(frozen=True)
class ContractTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, DuckDB type) in contract order
    key: tuple[str, ...]
    day_column: str | None  # an import replaces the days present in this column; None: the keys present
    references: tuple[Reference, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    def type_of(self, column: str) -> str:
        return dict(self.columns)[column]

    @property
    def replace_by(self) -> tuple[str, ...]:
        """What an imported row replaces: rows on the same day, else rows with the same leading key."""
        return (self.day_column,) if self.day_column else self.key[:1]


def _columns(table: str) -> tuple[tuple[str, str], ...]:
    out = []
    for part in DDL[table].split(", "):
        name, type_ = part.split(" ", 1)
        out.append((name, type_))
    return tuple(out)


def _t(name: str, key: tuple[str, ...], day: str | None, *refs: tuple[str, str]) -> ContractTable:
    return ContractTable(name, _columns(name), key, day, tuple(Reference(c, t) for c, t in refs))


_CH, _WH, _SKU, _ORD = (
    ("channel_id", "dim_channel"),
    ("warehouse_id", "dim_warehouse"),
    ("sku_id", "dim_sku"),
    (
        "order_id",
        "fact_order",
    ),
)
TABLES: dict[str, ContractTable] = {
    t.name: t
    for t in (
        _t("dim_category", ("category_id",), None),
        _t("dim_channel", ("channel_id",), None),
        _t("dim_warehouse", ("warehouse_id",), None),
        _t("dim_sku", ("sku_id",), None, ("category_id", "dim_category")),
        _t("fact_order", ("order_id",), "order_ts", _CH, _WH),
        # the lines of an order come together: importing an order's lines replaces all its lines
        _t("fact_order_item", ("order_id", "sku_id"), None, _ORD, _SKU),
        _t("fact_refund", ("refund_id",), "refund_ts", _ORD, _SKU),
        _t("fact_inventory_daily", ("snapshot_date", "sku_id", "warehouse_id"), "snapshot_date", _SKU, _WH),
        _t("fact_purchase_order", ("po_id",), "created_date", _SKU, _WH),
        _t("fact_traffic_daily", ("date", "channel_id"), "date", _CH),
        _t("fact_ad_spend_daily", ("date", "channel_id", "campaign_id"), "date", _CH),
        _t("fact_complaint", ("complaint_id",), "created_ts", _ORD),
    )
}
# the order tables are written in: what is referenced first
WRITE_ORDER = tuple(TABLES)
