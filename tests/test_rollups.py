"""Rollups give the same numbers as the raw tables — the glossary metrics by many breakdowns, periods,
filters, role row filters and comparisons, the public and own NLQ question sets, random queries — and
a warehouse changed after a build never gives a stale number."""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.catalog.types import Catalog
from metrics.problems import UserError
from metrics.query import DimensionFilter, MetricQuery, TimeRange
from metrics.rollups.build import refresh
from metrics.rollups.store import store_path, stored_stamps
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse
from nlq.ask import Asker
from tests.conftest import END

ROOT = Path(__file__).resolve().parents[1]
QUESTION_SETS = (
    ROOT.parent / "shared" / "eval" / "questions.yaml",
    ROOT.parent / "shared" / "eval" / "questions-more.yaml",
    ROOT / "eval" / "questions.yaml",
)
GLOSSARY = (
    "gmv orders units_sold buyers aov arpu refund_amount refund_rate gross_margin visitors conversion_rate "
    "ad_spend roi complaints complaint_rate late_shipment_rate repurchase_rate on_hand available "
    "avg_daily_units days_of_cover turnover_days sell_through_rate stockout_rate"
).split()
WEEK = TimeRange(END - dt.timedelta(days=6), END)
MONTH = TimeRange(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
SHAPES: dict[str, dict[str, Any]] = {
    "total-30d": {"time_range": TimeRange.last_days(END, 30)},
    "channel-week": {"dimensions": ("channel",), "time_range": WEEK},
    "category-month-yoy": {"dimensions": ("category",), "time_range": MONTH, "compare": "yoy"},
    "date-day": {"dimensions": ("date",), "time_range": TimeRange.last_days(END, 14)},
    "date-week": {"dimensions": ("date",), "grain": "week", "time_range": TimeRange.last_days(END, 60)},
    "date-month-channel": {"dimensions": ("date", "channel"), "grain": "month", "time_range": MONTH},
    "date-channel-day": {"dimensions": ("date", "channel"), "time_range": WEEK},
    "province-tmall": {
        "dimensions": ("province",),
        "time_range": WEEK,
        "filters": (DimensionFilter("channel", ("tmall",)),),
    },
    "one-day-previous": {"time_range": TimeRange(END, END), "compare": "previous"},
    "sku-top": {"dimensions": ("sku",), "time_range": WEEK, "limit": 10},
    "province-complete": {"dimensions": ("province",), "time_range": WEEK, "complete": True},
    "warehouse-not-jd": {
        "dimensions": ("warehouse",),
        "time_range": MONTH,
        "filters": (DimensionFilter("channel", ("jd",), negate=True),),
    },
}
ROLES = (None, "douyin_ops", "supply_chain_east")


@pytest.fixture(scope="module")
def rolled_db(small_db: Path, tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    """A copy of the small warehouse with its rollups built."""
    path = tmp_path_factory.mktemp("rollups") / "small.duckdb"
    shutil.copy(small_db, path)
    refresh(path, catalog)
    return path


@pytest.fixture(scope="module")
def layers(rolled_db: Path, catalog: Catalog) -> Iterator[tuple[SemanticLayer, SemanticLayer]]:
    wh = Warehouse(rolled_db)
    yield SemanticLayer(catalog, wh), SemanticLayer(catalog, wh, use_rollups=False)
    wh.close()


def outcome(layer: SemanticLayer, query: MetricQuery, role: str | None = None) -> tuple[Any, ...]:
    """The rows (or the user error) and the rollups read."""
    try:
        res = layer.run(query, layer.role(role))
    except UserError as e:
        return ("error", e.text("en")), ()
    return (res.result.names, res.result.rows), res.compiled.rollups


@pytest.mark.parametrize("metric", GLOSSARY)
def test_glossary_metrics_are_the_same_with_rollups_on_and_off(
    metric: str, layers: tuple[SemanticLayer, SemanticLayer]
) -> None:
    on, off = layers
    used: set[str] = set()
    for i, (name, shape) in enumerate(SHAPES.items()):
        role = ROLES[i % len(ROLES)]  # each shape as everyone, or through a role's row filters
        query = MetricQuery((metric,), **shape)
        got, rollups = outcome(on, query, role)
        want, raw = outcome(off, query, role)
        assert raw == ()
        assert got == want, (name, role, rollups)
        used.update(rollups)
    if metric in ("gmv", "orders", "aov", "refund_rate", "gross_margin", "on_hand", "complaints", "buyers"):
        assert used, f"{metric}: no shape was answered from a rollup"


def test_the_smallest_covering_rollup_answers(layers: tuple[SemanticLayer, SemanticLayer]) -> None:
    on, _ = layers
    assert on.compile(MetricQuery(("gmv",), WEEK, ("channel",))).rollups == ("sales_orders",)
    assert on.compile(MetricQuery(("gmv",), WEEK, ("category",))).rollups == ("sales_categories",)
    assert on.compile(MetricQuery(("gmv",), WEEK, ("brand",))).rollups == ("sales_skus",)
    # buyers are a distinct count: per-day counts only at their own grain; over a week the rollup that
    # keeps the buyers counts them again
    assert on.compile(MetricQuery(("buyers",), WEEK, ("channel",))).rollups == ("buyers_kept",)
    assert on.compile(MetricQuery(("buyers",), WEEK, ("sku",))).rollups == ()
    assert on.compile(MetricQuery(("buyers",), WEEK, ("date", "channel"))).rollups == ("buyers_channel",)
    assert on.compile(MetricQuery(("buyers",), TimeRange(END, END))).rollups == ("buyers_day",)
    # orders are not additive over SKUs (an order has many lines): by SKU they come from the raw tables
    assert on.compile(MetricQuery(("orders",), WEEK, ("sku",))).rollups == ()
    compiled = on.compile(MetricQuery(("gmv",), WEEK, ("channel",)))
    assert compiled.sql(inline_params=True).startswith("-- read from rollups: sales_orders")
    # a part no rollup covers (buyers by brand) reads the raw tables; the rest still reads a rollup
    mixed = on.compile(MetricQuery(("gmv", "buyers", "arpu"), WEEK, ("brand",)))
    assert mixed.rollups == ("sales_skus",)
    assert "FROM fact_order AS o" in mixed.sql() and "ru_sales_skus" in mixed.sql()
    raw = on.compile(MetricQuery(("visitors",), WEEK))
    assert raw.rollups == () and raw.sql(inline_params=True).startswith("-- read from the raw tables")
    both = on.compile(MetricQuery(("gmv", "orders", "buyers", "arpu"), WEEK, ("channel",)))
    assert both.rollups == ("sales_orders", "buyers_kept")


def _questions() -> list[tuple[str, str]]:
    out = []
    for path in QUESTION_SETS:
        if not path.exists():
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        out += [(path.parent.name + "/" + path.name, q["question"]) for q in doc["questions"]]
    return out


@pytest.fixture(scope="module")
def askers(
    forecast_db: Path, tmp_path_factory: pytest.TempPathFactory, catalog: Catalog
) -> Iterator[tuple[Asker, Asker]]:
    """The warehouse with forecasts (as of its last day) and rollups: stockout questions need no refit."""
    from metrics.forecast.store import store_path as forecast_store

    path = tmp_path_factory.mktemp("rollups-ask") / "small.duckdb"
    shutil.copy(forecast_db, path)
    shutil.copy(forecast_store(forecast_db), forecast_store(path))
    refresh(path, catalog)
    wh = Warehouse(path)
    yield Asker(SemanticLayer(catalog, wh)), Asker(SemanticLayer(catalog, wh, use_rollups=False))
    wh.close()


def test_nlq_question_sets_answer_the_same_with_rollups_on_and_off(askers: tuple[Asker, Asker]) -> None:
    questions = _questions()
    if not questions:
        pytest.skip("no question sets beside the repository")
    on, off = askers
    answered_from_rollups = 0
    for source, question in questions:
        a, _ = on.ask(question, today=END)
        b, _ = off.ask(question, today=END)
        got, want = a.to_json(), b.to_json()
        answered_from_rollups += bool(got.pop("rollups"))
        assert not want.pop("rollups")
        got.pop("sql"), want.pop("sql")
        assert got == want, (source, question)
    assert answered_from_rollups >= len(questions) // 5


ADDITIVE = ["gmv", "orders", "units_sold", "aov", "refund_amount", "refund_rate", "gross_margin", "cogs"]
MORE = ["buyers", "complaints", "complaint_rate", "late_shipment_rate", "on_hand", "available", "stockout_rate"]
DIMS = ["date", "channel", "category", "brand", "warehouse", "region", "province", "refund_reason", "sku"]


@st.composite
def queries(draw: st.DrawFn) -> tuple[MetricQuery, str | None]:
    metrics = tuple(draw(st.lists(st.sampled_from(ADDITIVE + MORE), min_size=1, max_size=3, unique=True)))
    dims = tuple(draw(st.lists(st.sampled_from(DIMS), max_size=2, unique=True)))
    start = END - dt.timedelta(days=draw(st.integers(0, 390)))
    end = min(END, start + dt.timedelta(days=draw(st.sampled_from([0, 0, 6, 13, 29, 90]))))
    filters = ()
    if draw(st.booleans()):
        dim = draw(st.sampled_from(["channel", "warehouse", "region", "category"]))
        values = {"channel": ["tmall", "jd"], "warehouse": ["WH-SH"], "region": ["华东", "华南"], "category": ["pet"]}
        filters = (DimensionFilter(dim, tuple(values[dim]), negate=draw(st.booleans())),)
    compare = None if "date" in dims else draw(st.sampled_from([None, "previous", "yoy", "week_ago"]))
    query = MetricQuery(
        metrics,
        TimeRange(start, end),
        dims,
        grain=draw(st.sampled_from(["day", "week", "month"])),
        filters=filters,
        compare=compare,
    )
    return query, draw(st.sampled_from([None, "tmall_ops", "supply_chain_east"]))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=queries())
def test_random_queries_are_the_same_with_rollups_on_and_off(
    case: tuple[MetricQuery, str | None], layers: tuple[SemanticLayer, SemanticLayer]
) -> None:
    query, role = case
    on, off = layers
    assert outcome(on, query, role)[0] == outcome(off, query, role)[0]


def _replace_day(path: Path, day: dt.date) -> None:
    """The day's order lines replaced: every amount of the day's orders doubled (delete, then insert)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "CREATE TEMP TABLE day_lines AS SELECT i.* FROM fact_order_item i JOIN fact_order o USING (order_id) "
            "WHERE CAST(o.order_ts AS DATE) = $day",
            {"day": day},
        )
        con.execute("DELETE FROM fact_order_item WHERE order_id IN (SELECT order_id FROM day_lines)")
        con.execute("INSERT INTO fact_order_item SELECT order_id, sku_id, qty, amount * 2 FROM day_lines")
    finally:
        con.close()


def test_a_changed_warehouse_never_gives_a_stale_number(
    small_db: Path, tmp_path: Path, catalog: Catalog, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "small.duckdb"
    shutil.copy(small_db, path)
    first = refresh(path, catalog)
    assert all(r.rebuilt == r.days for r in first.rollups)
    day = END - dt.timedelta(days=3)
    query = MetricQuery(("gmv", "aov"), TimeRange(day, day), ("channel",))

    def ask() -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
        wh = Warehouse(path)
        try:
            on, off = SemanticLayer(catalog, wh), SemanticLayer(catalog, wh, use_rollups=False)
            res = on.run(query)
            assert res.result.rows == off.run(query).result.rows
            return res.result.rows, res.compiled.rollups, res.compiled.stale_rollups
        finally:
            wh.close()

    before, used, stale = ask()
    assert used == ("sales_orders",) and stale == ()
    _replace_day(path, day)
    with caplog.at_level(logging.WARNING, logger="metrics.service"):
        changed, used, stale = ask()  # the rollup is older than the warehouse: raw tables, and a log line
    assert used == () and "sales_orders" in stale
    assert "older than the warehouse" in caplog.text
    assert changed != before and sum(r[-2] for r in changed) == 2 * sum(r[-2] for r in before)
    second = refresh(path, catalog)
    rebuilt = {r.id: r.rebuilt for r in second.rollups}
    assert rebuilt["sales_orders"] == 1 and rebuilt["sales_skus"] == 1 and rebuilt["refunds_daily"] == 0
    after, used, stale = ask()
    assert used == ("sales_orders",) and stale == ()
    assert after == changed
    unchanged = refresh(path, catalog)  # nothing written since: nothing to do, the store is left as it is
    assert all(r.rebuilt == 0 for r in unchanged.rollups)
    assert {r.id: r.rows for r in unchanged.rollups} == {r.id: r.rows for r in second.rollups}


def test_a_failed_build_leaves_the_previous_rollups(small_db: Path, tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "small.duckdb"
    shutil.copy(small_db, path)
    refresh(path, catalog)
    stamps = stored_stamps(store_path(path))
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE fact_complaint")
    con.close()
    with pytest.raises(duckdb.Error):
        refresh(path, catalog)
    assert stored_stamps(store_path(path)) == stamps
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_the_nightly_job_refreshes_and_a_running_bot_switches_to_the_new_rollups(
    small_db: Path, tmp_path: Path, catalog: Catalog
) -> None:
    """The scheduler's job, called as the scheduler calls it, while a warehouse client is open: the
    client sees the new store on its next query (rollups missing before: raw tables, silently)."""
    from alerts import jobs
    from alerts.rules.load import default_rules_dir
    from alerts.tickets.store import open_store

    path = tmp_path / "small.duckdb"
    shutil.copy(small_db, path)
    state = f"sqlite:///{tmp_path / 'state.sqlite'}"
    open_store(state).close()
    wh = Warehouse(path)
    try:
        layer = SemanticLayer(catalog, wh)
        query = MetricQuery(("gmv",), WEEK, ("channel",))
        before = layer.run(query)
        assert before.compiled.rollups == () and before.compiled.stale_rollups == ()
        jobs.refresh_rollups(str(path), state, str(default_rules_dir()))
        after = layer.run(query)
        assert after.compiled.rollups == ("sales_orders",) and after.result.rows == before.result.rows
    finally:
        wh.close()


def test_demo_data_builds_the_rollups_and_status_shows_them(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from bot.cli import cli

    path = tmp_path / "tiny.duckdb"
    env = {"OPSBOT_LANG": "en", "OPSBOT_CONFIG": None, "OPSBOT_WAREHOUSE_URL": None}
    args = ["demo-data", "--out", str(path), "--days", "28", "--scale", "0.01", "--end-date", "2026-11-20", "--quiet"]
    done = CliRunner().invoke(cli, args, env=env)
    assert done.exit_code == 0, done.output
    assert "10 rollups" in done.output
    status = CliRunner().invoke(cli, ["rollups", "status", "--db", str(path), "--format", "json"], env=env)
    assert status.exit_code == 0, status.output
    states = {r["rollup"]: r["state"] for r in json.loads(status.output)["rollups"]}
    assert set(states.values()) == {"fresh"}
    (tmp_path / "tiny.rollups.duckdb").unlink()
    status = CliRunner().invoke(cli, ["rollups", "status", "--db", str(path), "--format", "json"], env=env)
    assert {r["state"] for r in json.loads(status.output)["rollups"]} == {"missing"}


def test_import_refreshes_only_the_imported_days(small_db: Path, tmp_path: Path, catalog: Catalog) -> None:
    """A warehouse whose last week is wrong, rolled up; `opsbot import` of the right week replaces those
    days and refreshes the rollups: only the imported days are recomputed, and the answer from the
    rollups is the right one."""
    from click.testing import CliRunner

    from bot.cli import cli
    from tests.test_import import WEEK as IMPORTED_WEEK
    from tests.test_import import _items_xlsx, _mapping, _orders_csv, _refunds_parquet

    folder = tmp_path / "exports"
    folder.mkdir()
    _orders_csv(small_db, folder / "orders.csv")
    _items_xlsx(small_db, folder / "items.xlsx")
    _refunds_parquet(small_db, folder / "refunds.parquet")
    _mapping(folder)
    path = tmp_path / "wh.duckdb"
    shutil.copy(small_db, path)
    con = duckdb.connect(str(path))
    con.execute(
        f"UPDATE fact_order_item SET amount = 0 WHERE order_id IN (SELECT order_id FROM fact_order WHERE {IMPORTED_WEEK})"
    )
    con.close()
    refresh(path, catalog)
    env = {"OPSBOT_LANG": "en", "OPSBOT_WAREHOUSE_URL": f"duckdb://{path}", "OPSBOT_CONFIG": None}
    done = CliRunner().invoke(cli, ["import", str(folder / "mapping.yaml"), "--quiet"], env=env)
    assert done.exit_code == 0, done.output
    recomputed = re.search(r"([\d,]+) rollup-days recomputed", done.output)
    assert recomputed is not None, done.output
    sales = sum(r.model == "sales" for r in catalog.rollups.values())
    assert 0 < int(recomputed.group(1)) <= 7 * sales  # the imported week's days, in the sales rollups only
    stamps = stored_stamps(store_path(path))
    assert set(stamps) == set(catalog.rollups)
    query = MetricQuery(("gmv", "refund_amount"), WEEK, ("channel",))
    right, wh = Warehouse(small_db), Warehouse(path)
    try:
        want = SemanticLayer(catalog, right, use_rollups=False).run(query).result.rows
        got = SemanticLayer(catalog, wh).run(query)
    finally:
        right.close()
        wh.close()
    assert got.compiled.rollups and got.result.rows == want
