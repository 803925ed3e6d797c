"""`opsbot import`: the small demo warehouse's last week exported to CSV (GBK, Chinese headers and
statuses), Excel and Parquet, imported into a copy whose last week was damaged, gives back the same
glossary metric results — twice (idempotent); bad files give the report and leave the file as it was."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from bot.cli import cli
from metrics.catalog.types import Catalog
from metrics.importing.run import import_files
from metrics.query import MetricQuery, TimeRange
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse

WEEK = "CAST(order_ts AS DATE) >= DATE '2026-11-14'"
RANGE = TimeRange(dt.date(2026, 11, 1), dt.date(2026, 11, 20))
STATUS_ZH = {
    "paid": "已付款",
    "shipped": "已发货",
    "completed": "交易成功",
    "cancelled": "已取消",
    "refunded": "已退款",
}
ORDER_COLUMNS = {  # contract column → the shop export's header
    "order_id": "订单号",
    "order_ts": "下单时间",
    "channel_id": "店铺",
    "buyer_id": "买家ID",
    "province": "收货省份",
    "warehouse_id": "发货仓",
    "status": "订单状态",
    "promised_ship_ts": "承诺发货时间",
    "shipped_ts": "发货时间",
}
TS_FORMAT = "%Y/%m/%d %H:%M:%S"


def _rows(db: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(sql)
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()


def _orders_csv(
    src: Path, out: Path, encoding: str = "gbk", edit: Callable[[list[list[str]]], None] | None = None
) -> None:
    names, rows = _rows(src, f"SELECT * FROM fact_order WHERE {WEEK} ORDER BY order_id")
    table = [[ORDER_COLUMNS[n] for n in names]]
    for r in rows:
        cells = []
        for n, v in zip(names, r, strict=True):
            if isinstance(v, dt.datetime):
                cells.append(v.strftime(TS_FORMAT))
            elif n == "status":
                cells.append(STATUS_ZH[v])
            else:
                cells.append("" if v is None else str(v))
        table.append(cells)
    if edit:
        edit(table)
    with out.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(table)


def _items_xlsx(src: Path, out: Path, bad_qty: bool = False) -> None:
    _names, rows = _rows(
        src, f"SELECT i.* FROM fact_order_item i JOIN fact_order o USING (order_id) WHERE {WEEK} ORDER BY 1, 2"
    )
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "明细"
    ws.append(["订单号", "商品编码", "数量", "实付金额", "备注"])
    for i, r in enumerate(rows):
        qty = "十二" if bad_qty and i == 5 else r[2]
        ws.append([r[0], r[1], qty, float(r[3]), ""])
    book.save(out)


def _refunds_parquet(src: Path, out: Path) -> None:
    names, rows = _rows(src, "SELECT * FROM fact_refund WHERE CAST(refund_ts AS DATE) >= DATE '2026-11-14'")
    cols = {("退款单号" if n == "refund_id" else n): [r[i] for r in rows] for i, n in enumerate(names)}
    pq.write_table(pa.table(cols), out)


def _mapping(folder: Path, orders_encoding: str | None = "gbk", **extra: Any) -> Path:
    orders: dict[str, Any] = {
        "file": "orders.csv",
        "table": "fact_order",
        "columns": {v: k for k, v in ORDER_COLUMNS.items()},
        "values": {"status": {v: k for k, v in STATUS_ZH.items()}},
        "formats": {c: TS_FORMAT for c in ("order_ts", "promised_ship_ts", "shipped_ts")},
    }
    if orders_encoding:
        orders["encoding"] = orders_encoding
    doc = {
        "files": [
            orders,
            {
                "file": "items.xlsx",
                "table": "fact_order_item",
                "sheet": "明细",
                "columns": {"订单号": "order_id", "商品编码": "sku_id", "数量": "qty", "实付金额": "amount"},
                "ignore": ["备注"],
            },
            {"file": "refunds.parquet", "table": "fact_refund", "columns": {"退款单号": "refund_id"}},
        ],
        **extra,
    }
    path = folder / "mapping.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def exports(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exports")
    _orders_csv(small_db, folder / "orders.csv")
    _items_xlsx(small_db, folder / "items.xlsx")
    _refunds_parquet(small_db, folder / "refunds.parquet")
    _mapping(folder)
    return folder


@pytest.fixture()
def damaged(small_db: Path, tmp_path: Path) -> Path:
    """A copy of the warehouse whose last week is wrong: half its orders gone, line amounts zeroed, refunds gone."""
    path = tmp_path / "wh.duckdb"
    shutil.copy(small_db, path)
    con = duckdb.connect(str(path))
    con.execute(
        f"UPDATE fact_order_item SET amount = 0 WHERE order_id IN (SELECT order_id FROM fact_order WHERE {WEEK})"
    )
    con.execute(f"DELETE FROM fact_order WHERE {WEEK} AND hash(order_id) % 2 = 0")
    con.execute("DELETE FROM fact_refund WHERE CAST(refund_ts AS DATE) >= DATE '2026-11-14'")
    con.close()
    return path


STOCK = frozenset({"on_hand", "available", "avg_daily_units", "days_of_cover", "turnover_days"})
STOCK |= {"sell_through_rate", "stockout_rate", "avg_on_hand"}  # by warehouse, not channel


def _metrics(db: Path, catalog: Catalog, only: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every public glossary metric (forecasts aside) over November, by channel where it has one."""
    wh = Warehouse(db)
    layer = SemanticLayer(catalog, wh)
    forecast = {
        m.id
        for m in catalog.public_metrics()
        if any(catalog.metrics[leaf].model == "stock_projection" for leaf in catalog.leaf_models[m.id])
    }
    try:
        out = {}
        for m in only or sorted({m.id for m in catalog.public_metrics()} - forecast):
            dims = ("warehouse",) if m in STOCK else ("channel",)
            out[m] = layer.run(MetricQuery(metrics=(m,), dimensions=dims, time_range=RANGE)).result.rows
        return out
    finally:
        wh.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_round_trip_gives_identical_metrics_and_is_idempotent(
    small_db: Path, damaged: Path, exports: Path, catalog: Catalog
) -> None:
    want = _metrics(small_db, catalog)
    assert _metrics(damaged, catalog, ("gmv",))["gmv"] != want["gmv"]  # the damage shows
    first = import_files(damaged, exports / "mapping.yaml")
    assert first.ok, [p.text("en") for p in first.problems]
    assert _metrics(damaged, catalog) == want
    second = import_files(damaged, exports / "mapping.yaml")
    assert second.ok
    assert second.written["fact_order"][0] == second.written["fact_order"][1] > 0  # each day replaced by itself
    assert _metrics(damaged, catalog) == want


def _kinds(db: Path, mapping: Path) -> dict[str, str]:
    before = _digest(db)
    result = import_files(db, mapping)
    assert not result.ok
    assert _digest(db) == before, "a failed import changed the warehouse file"
    return {p.kind: p.text("en") for p in result.problems}


def test_gbk_file_without_its_encoding_is_reported(small_db: Path, damaged: Path, tmp_path: Path) -> None:
    folder = _exports_of(small_db, tmp_path)
    _orders_csv(small_db, folder / "orders.csv")
    kinds = _kinds(damaged, _mapping(folder, orders_encoding=None))
    assert "file" in kinds and "gbk" in kinds["file"] and "orders.csv" in kinds["file"]


def _exports_of(src: Path, folder: Path) -> Path:
    out = folder / "base"
    out.mkdir()
    _items_xlsx(src, out / "items.xlsx")
    _refunds_parquet(src, out / "refunds.parquet")
    return out


def test_missing_column_text_in_numbers_duplicates_and_orphans(small_db: Path, damaged: Path, tmp_path: Path) -> None:
    folder = _exports_of(small_db, tmp_path)

    def drop_province(t: list[list[str]]) -> None:
        for row in t:
            del row[4]

    _orders_csv(small_db, folder / "orders.csv", edit=drop_province)
    _mapping(folder)
    kinds = _kinds(damaged, folder / "mapping.yaml")
    assert "province" in kinds["missing_column"] and "收货省份" in kinds["missing_column"]

    def duplicate_and_orphan(t: list[list[str]]) -> None:
        t.append(list(t[1]))
        t[2][2] = "taobao"  # a channel that is not in dim_channel

    _orders_csv(small_db, folder / "orders.csv", edit=duplicate_and_orphan)
    _items_xlsx(small_db, folder / "items.xlsx", bad_qty=True)
    kinds = _kinds(damaged, folder / "mapping.yaml")
    assert set(kinds) == {"bad_value"}  # values that do not convert stop the import before the warehouse is touched
    assert "qty" in kinds["bad_value"] and "十二" in kinds["bad_value"] and "1 row" in kinds["bad_value"]

    _items_xlsx(small_db, folder / "items.xlsx")
    kinds = _kinds(damaged, folder / "mapping.yaml")
    assert set(kinds) == {"duplicate_key", "orphan"}
    assert "order_id" in kinds["duplicate_key"] and "lines 2/" in kinds["duplicate_key"]
    assert "channel_id" in kinds["orphan"] and "taobao" in kinds["orphan"]


def test_replacing_a_day_without_an_order_that_has_lines_is_reported(small_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "orders_only"
    folder.mkdir()
    intact = tmp_path / "intact.duckdb"
    shutil.copy(small_db, intact)

    def drop_first_order(t: list[list[str]]) -> None:
        del t[1]

    _orders_csv(small_db, folder / "orders.csv", edit=drop_first_order)
    path = _mapping(folder)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["files"] = doc["files"][:1]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    kinds = _kinds(intact, path)
    assert set(kinds) == {"left_behind"}
    assert "fact_order_item.order_id" in kinds["left_behind"] or "fact_refund.order_id" in kinds["left_behind"]


def test_cli_reports_in_chinese_and_exits_2(small_db: Path, damaged: Path, tmp_path: Path) -> None:
    folder = _exports_of(small_db, tmp_path)
    _orders_csv(small_db, folder / "orders.csv")
    _mapping(folder, orders_encoding=None)
    before = _digest(damaged)
    env = {"OPSBOT_LANG": "zh", "OPSBOT_WAREHOUSE_URL": f"duckdb://{damaged}", "OPSBOT_CONFIG": None}
    done = CliRunner().invoke(cli, ["import", str(folder / "mapping.yaml"), "--quiet"], env=env)
    assert done.exit_code == 2, done.output
    assert "数据仓库未改动" in done.output and "gbk" in done.output
    assert _digest(damaged) == before
