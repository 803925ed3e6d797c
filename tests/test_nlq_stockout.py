"""Stockout-forecast questions through the normal ask contract, on a copy of the small warehouse with a
real forecast refresh beside it: the listed rows are exactly the series whose first projected stockout
day falls in the period (checked against the forecast store itself), soonest first, with the numbers
that explain them; zh and en variants read the same; an empty all-warehouse list says how many
SKU × warehouse pairs do stock out; questions about the future that have no forecast are refused."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from metrics.catalog.types import Catalog
from metrics.forecast.store import store_path
from metrics.query import DimensionFilter
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse
from nlq.ask import Asker
from nlq.forecast_query import BESTSELLER_DAYS, BESTSELLER_TOP, LIST_METRICS
from nlq.understand import Context, Parser

AS_OF = dt.date(2026, 11, 20)  # the small warehouse's last day (a Friday)
DAY = dt.timedelta(days=1)
NEXT_WEEK = (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
OPSBOT = str(Path(sys.executable).parent / "opsbot")
LIST_COLUMNS = ("sku_id", "sku_name_zh", "sku_name_en", *LIST_METRICS)
WAREHOUSE_COLUMNS = ("warehouse_id", "warehouse_name_zh", "warehouse_name_en")


@pytest.fixture(scope="module")
def fc_db(forecast_db: Path) -> Path:
    return forecast_db


@pytest.fixture(scope="module")
def fc_layer(fc_db: Path, catalog: Catalog) -> Iterator[SemanticLayer]:
    wh = Warehouse(fc_db)
    yield SemanticLayer(catalog, wh)
    wh.close()


@pytest.fixture(scope="module")
def asker(fc_layer: SemanticLayer) -> Asker:
    return Asker(fc_layer)


def store(fc_db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """A direct query on the forecast store (the side file), not through opsbot."""
    con = duckdb.connect(str(store_path(fc_db)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def first_stockouts(fc_db: Path, start: dt.date, end: dt.date, *, by_warehouse: bool) -> list[tuple[Any, ...]]:
    """(sku, warehouse, first stockout day) of the series whose first projected stockout is in the range."""
    total = "IS NOT NULL" if by_warehouse else "IS NULL"
    return store(
        fc_db,
        f"SELECT sku_id, warehouse_id, date FROM fc_stock_projection WHERE stockout_start "
        f"AND warehouse_id {total} AND date BETWEEN ? AND ? ORDER BY date, sku_id, warehouse_id",
        [start, end],
    )


def series(fc_db: Path, sku: str, warehouse: str | None) -> dict[str, Any]:
    """The per-series constants (the same on every day) of one projected series."""
    names = ("available_now", "next_po_qty", "next_po_date", "suggested_reorder_qty")
    rows = store(
        fc_db,
        f"SELECT DISTINCT {', '.join(names)} FROM fc_stock_projection WHERE sku_id = ? "
        "AND warehouse_id IS NOT DISTINCT FROM ?",
        [sku, warehouse],
    )
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0], strict=True))


def ask_json(fc_db: Path, tmp_path: Path, question: str) -> dict[str, Any]:
    env = dict(os.environ)
    env.update({"OPSBOT_WAREHOUSE": str(fc_db), "OPSBOT_DATA_DIR": str(tmp_path), "COLUMNS": "200"})
    proc = subprocess.run(
        [OPSBOT, "ask", question, "--format", "json", "--as-of", str(AS_OF)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


def by_name(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(zip(doc["columns"], row, strict=True)) for row in doc["rows"]]


def check_rows(fc_db: Path, doc: dict[str, Any], expected: list[tuple[Any, ...]], *, by_warehouse: bool) -> None:
    """The answer lists exactly the expected series, soonest first, each with its own numbers."""
    rows = by_name(doc)
    got = [(r["sku_id"], r.get("warehouse_id"), r["projected_stockout_date"]) for r in rows]
    assert sorted(got) == sorted((s, w, d.isoformat()) for s, w, d in expected)
    assert [r["projected_stockout_date"] for r in rows] == sorted(r["projected_stockout_date"] for r in rows)
    for r in rows:
        want = series(fc_db, r["sku_id"], r.get("warehouse_id") if by_warehouse else None)
        assert r["available_now"] == want["available_now"]
        assert r["next_po_qty"] == want["next_po_qty"]
        assert r["next_po_date"] == (want["next_po_date"].isoformat() if want["next_po_date"] else None)
        assert r["suggested_reorder_qty"] == want["suggested_reorder_qty"]
        assert 0 <= r["stockout_probability"] <= 1 and r["forecast_daily_units"] >= 0
        assert r["sku_name_zh"] and r["sku_name_en"]


def test_by_warehouse_next_week_lists_exactly_the_projected_stockouts(fc_db: Path, tmp_path: Path) -> None:
    doc = ask_json(fc_db, tmp_path, "按仓库看下周哪些SKU会断货？")
    assert doc["status"] == "answered", doc["message"]
    assert doc["time_range"] == {"start": "2026-11-23", "end": "2026-11-29"}
    assert set(doc["columns"]) >= {*LIST_COLUMNS, *WAREHOUSE_COLUMNS}
    assert doc["dimensions"] == ["sku", "warehouse"]
    expected = first_stockouts(fc_db, *NEXT_WEEK, by_warehouse=True)
    assert expected, "the small warehouse has SKU × warehouse stockouts next week"
    check_rows(fc_db, doc, expected, by_warehouse=True)
    first = by_name(doc)[0]
    assert (
        f"{first['sku_name_zh']}（{first['sku_id']}）" in doc["message"]
        and first["warehouse_name_zh"] in doc["message"]
    )
    assert "下周（2026-11-23 至 2026-11-29）" in doc["message"]
    # series whose first stockout comes before Monday are not listed, and the answer says how many
    earlier = len(first_stockouts(fc_db, AS_OF + DAY, NEXT_WEEK[0] - DAY, by_warehouse=True))
    assert f"另有 {earlier} 个在此之前（2026-11-21 至 2026-11-22）就预计断货" in doc["message"]


def test_default_list_is_where_stock_runs_out(fc_db: Path, tmp_path: Path) -> None:
    """No warehouse asked for: SKU × warehouse pairs (as the stockout rule counts), grouped by SKU in the
    text, soonest first, with how many SKUs run out everywhere (their total over all warehouses)."""
    doc = ask_json(fc_db, tmp_path, "下周哪些SKU会断货?")
    assert doc["status"] == "answered", doc["message"]
    assert doc["dimensions"] == ["sku", "warehouse"]
    expected = first_stockouts(fc_db, *NEXT_WEEK, by_warehouse=True)
    assert expected and not first_stockouts(fc_db, *NEXT_WEEK, by_warehouse=False)
    check_rows(fc_db, doc, expected, by_warehouse=True)
    skus = len({s for s, _, _ in expected})
    assert f"{len(expected)} 个 SKU×仓库，涉及 {skus} 个SKU；其中 0 个SKU 全国合计也会断货" in doc["message"]
    en = ask_json(fc_db, tmp_path, "which SKUs will stock out next week")
    assert en["dimensions"] == ["sku", "warehouse"] and len(en["rows"]) == len(expected)
    assert f"{len(expected)} pairs, {skus} SKUs; 0 of the SKUs run out everywhere" in en["message"]
    # over 28 days some SKUs do run out everywhere: the note counts them from the pooled projections
    month = ask_json(fc_db, tmp_path, "未来28天会断货的SKU")
    pooled = first_stockouts(fc_db, AS_OF + DAY, AS_OF + 28 * DAY, by_warehouse=False)
    assert pooled and f"其中 {len(pooled)} 个SKU 全国合计也会断货" in month["message"]


def test_at_risk_is_listed_apart_with_its_probability(fc_db: Path, tmp_path: Path) -> None:
    """Pairs not projected to run out by the period's end whose stockout probability is ≥ the catalog's 0.5:
    named "at risk" with the probability, apart from the pairs that will run out."""
    risky = store(
        fc_db,
        "SELECT sku_id, warehouse_id, MAX(stockout_probability) AS p FROM fc_stock_projection "
        "WHERE warehouse_id IS NOT NULL AND date BETWEEN ? AND ? GROUP BY 1, 2 "
        "HAVING NOT bool_or(stockout_start) AND MAX(stockout_probability) >= 0.5 ORDER BY p DESC",
        [AS_OF + DAY, NEXT_WEEK[1]],
    )
    assert risky, "the small warehouse has pairs at risk next week"
    doc = ask_json(fc_db, tmp_path, "下周哪些SKU会断货?")
    assert f"有断货风险（断货概率 ≥ 50.0%，按预测不会断货）{len(risky)} 个：" in doc["message"]
    assert f"{risky[0][2]:.1%}" in doc["message"]
    listed = {(r["sku_id"], r["warehouse_id"]) for r in by_name(doc)}
    assert not listed & {(s, w) for s, w, _ in risky}  # never called certain


def test_pooled_list_reads_the_sku_totals(fc_db: Path, tmp_path: Path) -> None:
    """全国合计: each SKU's projection over all its warehouses together."""
    doc = ask_json(fc_db, tmp_path, "全国合计未来28天会断货的SKU")
    assert doc["status"] == "answered", doc["message"]
    start, end = AS_OF + DAY, AS_OF + 28 * DAY
    assert doc["time_range"] == {"start": str(start), "end": str(end)}
    assert "warehouse_id" not in doc["columns"] and set(doc["columns"]) >= set(LIST_COLUMNS)
    expected = first_stockouts(fc_db, start, end, by_warehouse=False)
    assert expected, "some SKUs run out everywhere within the forecast's 28 days"
    check_rows(fc_db, doc, expected, by_warehouse=False)
    en = ask_json(fc_db, tmp_path, "which SKUs will stock out in the next 28 days across all warehouses combined")
    assert en["status"] == "answered" and en["rows"] == doc["rows"]


def test_empty_pooled_list_points_to_the_warehouse_stockouts(fc_db: Path, tmp_path: Path) -> None:
    assert not first_stockouts(fc_db, *NEXT_WEEK, by_warehouse=False)  # other warehouses' stock covers
    pairs = len(first_stockouts(fc_db, *NEXT_WEEK, by_warehouse=True))
    zh = ask_json(fc_db, tmp_path, "全国合计下周哪些SKU会断货?")
    assert zh["status"] == "answered" and zh["rows"] == []
    assert "没有SKU预计断货" in zh["message"]
    assert f"按仓库看有 {pairs} 个 SKU×仓库 会断货" in zh["message"]
    assert "按仓库看下周哪些sku会断货" in zh["message"]  # the question again without 全国合计
    en = ask_json(fc_db, tmp_path, "which SKUs will stock out next week, all warehouses combined")
    assert en["status"] == "answered" and en["rows"] == [] and f"{pairs} SKU × warehouse pairs" in en["message"]


def test_a_warehouse_filter_lists_that_warehouse(fc_db: Path, tmp_path: Path) -> None:
    doc = ask_json(fc_db, tmp_path, "which products will run out within 3 days in Beijing")
    assert doc["status"] == "answered", doc["message"]
    assert doc["time_range"] == {"start": "2026-11-21", "end": "2026-11-23"}
    expected = [e for e in first_stockouts(fc_db, AS_OF + DAY, AS_OF + 3 * DAY, by_warehouse=True) if e[1] == "WH-BJ"]
    check_rows(fc_db, doc, expected, by_warehouse=True)
    assert {r["warehouse_id"] for r in by_name(doc)} <= {"WH-BJ"} and "Beijing" in doc["message"]


def test_bestsellers_are_the_top_skus_by_units_sold(fc_db: Path, fc_layer: SemanticLayer, asker: Asker) -> None:
    top = fc_layer.warehouse.query(
        "SELECT i.sku_id FROM fact_order o JOIN fact_order_item i ON i.order_id = o.order_id "
        "WHERE o.status <> 'cancelled' AND CAST(o.order_ts AS DATE) BETWEEN $a AND $b "
        "GROUP BY 1 ORDER BY SUM(i.qty) DESC, 1 LIMIT $n",
        {"a": AS_OF - (BESTSELLER_DAYS - 1) * DAY, "b": AS_OF, "n": BESTSELLER_TOP},
    ).rows
    sellers = {r[0] for r in top}
    a, _ = asker.ask("按仓库看哪些畅销品3周内会断货", today=AS_OF)
    assert a.status == "answered", a.message
    expected = [e for e in first_stockouts(fc_db, AS_OF + DAY, AS_OF + 21 * DAY, by_warehouse=True) if e[0] in sellers]
    assert expected
    got = [(r[0], r[3], r[a.columns.index("projected_stockout_date")]) for r in a.rows]
    assert sorted(got) == sorted((s, w, d.isoformat()) for s, w, d in expected)
    assert f"销量前{BESTSELLER_TOP}" in a.message and a.sql and a.sql.count("SELECT") >= 2  # the ranking, then the list


def test_zh_and_en_read_the_same(fc_layer: SemanticLayer, asker: Asker) -> None:
    parser = Parser(fc_layer.catalog, asker.lexicon)
    pairs = [
        ("下周哪些SKU会断货?", "which SKUs will stock out next week"),
        ("上海仓未来3天会缺货的商品", "which products will run out in Shanghai in the next 3 days"),
        ("未来7天会断货的SKU", "which SKUs will stock out in the next 7 days"),
        ("北京仓3天内会断货的商品", "which products will run out within 3 days in Beijing"),
        ("下周会断货的美妆商品", "which beauty products will stock out next week"),
        ("按仓库看下周会断货的SKU", "which SKUs will stock out next week by warehouse"),
        ("哪些畅销品下周会断货", "which bestsellers will stock out next week"),
        ("爆款里哪些可售不到一周", "which top sellers won't last a week"),
        ("下周预计卖多少", "forecast units next week"),
        ("下周各品类预计卖多少", "forecast units next week by category"),
    ]
    for zh, en in pairs:
        a, b = parser.understand(zh, AS_OF), parser.understand(en, AS_OF)
        assert a.status == b.status == "ok", (zh, a.message(), en, b.message())
        assert a.query == b.query, (zh, a.query, b.query)
        assert (a.top and a.top.query) == (b.top and b.top.query), zh
    beauty = parser.understand("下周会断货的美妆爆款", AS_OF)
    assert beauty.top is not None and beauty.top.query.filters == (DimensionFilter("category", ("beauty",)),)
    per_warehouse = parser.understand("各仓下周会断货的数量", AS_OF).query  # a count by warehouse, not a list
    assert per_warehouse is not None and per_warehouse.metrics == ("projected_stockouts",)
    assert per_warehouse.dimensions == ("warehouse",)
    read = parser.understand("下周哪些SKU会断货?", AS_OF)
    stockouts = read.query
    assert read.forecast == "stockouts" and stockouts is not None and stockouts.metrics == LIST_METRICS
    assert [(o.key, o.descending) for o in stockouts.order_by] == [("projected_stockout_date", False)]
    assert [(f.metric, f.op, f.value) for f in stockouts.metric_filters] == [("projected_stockouts", ">", 0)]


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("哪些SKU会断货", "2026-11-21", "2026-11-27"),  # no time word: the next 7 days, said in a note
        ("爆款里哪些可售不到一周", "2026-11-21", "2026-11-27"),
        ("一周内会断货的商品", "2026-11-21", "2026-11-27"),
        ("3天内断货的SKU", "2026-11-21", "2026-11-23"),
        ("本周会断货的SKU", "2026-11-21", "2026-11-22"),  # the rest of this week, not the days gone
        ("下周缺货的商品", "2026-11-23", "2026-11-29"),  # a bare 缺货 about next week is a forecast
        ("下个月会断货的SKU", "2026-12-01", "2026-12-18"),  # cut at the forecast's last day
    ],
)
def test_forecast_periods(asker: Asker, question: str, start: str, end: str) -> None:
    a, _ = asker.ask(question, today=AS_OF)
    assert a.status == "answered", a.message
    assert a.time_range is not None and (str(a.time_range.start), str(a.time_range.end)) == (start, end)
    assert "projected_stockout_date" in a.columns
    if question == "哪些SKU会断货":
        assert "按未来7天" in a.message
    if question == "下个月会断货的SKU":
        assert "预测只到 2026-12-18" in a.message


def test_demand_by_category_sums_the_forecast(fc_db: Path, fc_layer: SemanticLayer, asker: Asker) -> None:
    a, _ = asker.ask("forecast units next week by category", today=AS_OF)
    assert a.status == "answered" and a.metrics == ("forecast_units",) and a.dimensions == ("category",)
    category = dict(fc_layer.warehouse.query("SELECT sku_id, category_id FROM dim_sku").rows)
    want: dict[str, float] = {}
    for sku, units in store(
        fc_db,
        "SELECT sku_id, SUM(forecast_units) FROM fc_stock_projection WHERE warehouse_id IS NULL "
        "AND date BETWEEN ? AND ? GROUP BY 1",
        list(NEXT_WEEK),
    ):
        want[category[sku]] = want.get(category[sku], 0.0) + units
    assert {r[0]: r[-1] for r in a.rows} == pytest.approx(want)
    nothing, _ = asker.ask("预测销量", today=AS_OF)
    assert nothing.status == "clarify" and nothing.options  # which days ahead?


def test_follow_up_keeps_the_forecast_thread(asker: Asker, fc_db: Path) -> None:
    _, ctx = asker.ask("全国合计下周哪些SKU会断货", today=AS_OF)
    shanghai, _ = asker.ask("那上海仓呢？", today=AS_OF, context=ctx)
    assert shanghai.status == "answered", shanghai.message
    expected = [e for e in first_stockouts(fc_db, *NEXT_WEEK, by_warehouse=True) if e[1] == "WH-SH"]
    assert sorted((r[0], r[3]) for r in shanghai.rows) == sorted((s, w) for s, w, _ in expected)
    assert isinstance(ctx, Context) and ctx.forecast == "stockouts"
    by_warehouse, _ = asker.ask("按仓库看", today=AS_OF, context=ctx)  # the list again, per SKU × warehouse
    assert by_warehouse.status == "answered" and by_warehouse.dimensions == ("sku", "warehouse")
    assert len(by_warehouse.rows) == len(first_stockouts(fc_db, *NEXT_WEEK, by_warehouse=True))


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("下周GMV", "还没有发生"),
        ("明天的订单数", "还没有发生"),
        ("next week's GMV", "has not happened yet"),
        ("下周预计GMV", "没有预测值"),
        ("forecast GMV next week", "is not forecast"),
        ("上周会断货的SKU", "预测只覆盖 2026-11-21 至 2026-12-18"),
        ("哪些SKU不会断货", "列不出不会断货的"),
    ],
)
def test_what_cannot_be_forecast_is_refused(asker: Asker, question: str, says: str) -> None:
    a, _ = asker.ask(question, today=AS_OF)
    assert a.status == "refused" and says in a.message, a.message


def test_questions_about_stock_now_are_unchanged(asker: Asker) -> None:
    """缺货 with no future period is today's stock (available ≤ 0), as before."""
    listed, _ = asker.ask("现在缺货的SKU有哪些", today=AS_OF)
    assert (
        listed.status == "answered" and listed.metrics == ("available",) and "projected" not in " ".join(listed.columns)
    )
    worst, _ = asker.ask("现在哪个仓缺货最严重？", today=AS_OF)
    assert worst.status == "answered" and worst.metrics == ("stockout_rate",)


def test_definitions_are_one_short_line_unless_asked_for(fc_db: Path, tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update({"OPSBOT_WAREHOUSE": str(fc_db), "OPSBOT_DATA_DIR": str(tmp_path), "COLUMNS": "200"})

    def text(*flags: str) -> str:
        args = [OPSBOT, "ask", "下周哪些SKU会断货?", "--as-of", str(AS_OF), *flags]
        proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    short, full = text(), text("--show-definitions")
    [line] = [x for x in short.splitlines() if x.startswith("口径：")]
    assert line.startswith("口径：按 SKU × 仓库 计") and len(line) < 120 and "断货概率：" not in short
    assert "断货概率：" in full and "建议补货量：" in full
    doc = ask_json(fc_db, tmp_path, "下周哪些SKU会断货?")
    assert doc["counted"] == line.removeprefix("口径：") and len(doc["definitions"]) == len(doc["metrics"])
