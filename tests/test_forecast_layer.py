"""Stock forecasts in the semantic layer: the forecast store attached beside a real warehouse, the
all-warehouse total rows versus the per-warehouse rows (`totals`), point-in-time forecast metrics,
a date-valued metric, and a store that is replaced, removed or corrupt while the process runs.

The store here is written by hand with a few series whose numbers the tests control; the forecast
engine's own output is tested in test_forecast.py."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from metrics.catalog.load import CATALOG_DIR, CatalogError, load_catalog
from metrics.catalog.types import Catalog
from metrics.forecast.store import META_TABLE, PROJECTION_COLUMNS, PROJECTION_TABLE, projection_ddl, store_path
from metrics.present import format_number, json_rows
from metrics.problems import UserError
from metrics.query import DimensionFilter, MetricFilter, MetricQuery, TimeRange
from metrics.schema_check import compare_schema
from metrics.service import SemanticLayer
from metrics.warehouse import CONNECT_CONFIG, Warehouse
from nlq.render import summary

AS_OF = dt.date(2026, 11, 20)  # the small warehouse's last day: the store is current, nothing refreshes it
HORIZON = 14
DAY = dt.timedelta(days=1)
WEEK = TimeRange(AS_OF + DAY, AS_OF + 7 * DAY)  # 11-21 … 11-27
PAST_WEEK = TimeRange(AS_OF - 6 * DAY, AS_OF)
A, B = "SKU-00001", "SKU-00002"
OPSBOT = [str(Path(sys.executable).parent / "opsbot")]


@dataclass(frozen=True)
class Series:
    """One projected series; warehouse None is the SKU's all-warehouse total."""

    sku: str
    warehouse: str | None
    daily: float  # forecast units every day
    stockout: int | None = None  # day number (1 … HORIZON) of the first projected stockout
    available_now: int = 0
    on_order: int = 0
    next_po: tuple[int, int] | None = None  # (day number, qty)
    reorder: int = 0

    def rows(self, bump: float = 0.0) -> list[tuple[Any, ...]]:
        out = []
        for n in range(1, HORIZON + 1):
            day = AS_OF + n * DAY
            row = {
                "as_of_date": AS_OF,
                "date": day,
                "sku_id": self.sku,
                "warehouse_id": self.warehouse,
                "forecast_units": self.daily + bump,
                "forecast_lo": self.daily / 2,
                "forecast_hi": self.daily * 2,
                "inbound_units": self.next_po[1] if self.next_po and self.next_po[0] == n else 0,
                "projected_available": self.available_now - self.daily * n,
                "stockout_start": self.stockout == n,
                "stockout_probability": min(1.0, n * 0.05 * (2 if self.stockout else 1)),
                "available_now": self.available_now,
                # varies by day (real stores repeat it) so the tests can tell which day a snapshot read
                "on_order": self.on_order + n,
                "days_to_stockout": self.stockout,
                "projected_stockout_date": AS_OF + self.stockout * DAY if self.stockout else None,
                "next_po_date": AS_OF + self.next_po[0] * DAY if self.next_po else None,
                "next_po_qty": self.next_po[1] if self.next_po else None,
                "suggested_reorder_qty": self.reorder,
                "lead_time_days": 10,
                "demand_class": "smooth" if self.warehouse else "total",
                "model": "hand" if self.warehouse else "sum of warehouses",
            }
            out.append(tuple(row[name] for name, _ in PROJECTION_COLUMNS))
        return out


# The totals deliberately differ from the sums of their warehouses (forecast 3.5 vs 2 + 1 …), so
# every test can tell which rows a query read.
SERIES = (
    Series(A, "WH-SH", 2.0, stockout=3, available_now=5, reorder=20),
    Series(A, "WH-BJ", 1.0, available_now=50, on_order=10, next_po=(5, 10)),
    Series(A, None, 3.5, available_now=55, on_order=10, next_po=(5, 10), reorder=6),
    Series(B, "WH-SH", 4.0, stockout=6, available_now=20, next_po=(9, 40), reorder=30),
    Series(B, None, 4.25, stockout=7, available_now=20, next_po=(9, 40), reorder=31),
)


def write_store(
    warehouse: Path, series: tuple[Series, ...] = SERIES, *, bump: float = 0.0, as_of: dt.date = AS_OF
) -> Path:
    """Write the store like the refresh does: a temporary file, then renamed over the old one."""
    target = store_path(warehouse)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute(projection_ddl())
        placeholders = ", ".join("?" for _ in PROJECTION_COLUMNS)
        con.executemany(
            f"INSERT INTO {PROJECTION_TABLE} VALUES ({placeholders})", [r for s in series for r in s.rows(bump)]
        )
        con.execute(f"CREATE TABLE {META_TABLE} (key VARCHAR, value VARCHAR)")
        con.execute(f"INSERT INTO {META_TABLE} VALUES ('as_of_date', ?)", [as_of.isoformat()])
    finally:
        con.close()
    os.replace(tmp, target)
    return target


@pytest.fixture()
def wh_path(small_db: Path, tmp_path: Path) -> Path:
    """A copy of the small warehouse in a directory of its own (with a quote in its name)."""
    target = tmp_path / "it's here" / "wh.duckdb"
    target.parent.mkdir()
    shutil.copy(small_db, target)
    return target


@pytest.fixture()
def fc_layer(wh_path: Path, catalog: Catalog) -> Iterator[SemanticLayer]:
    write_store(wh_path)
    wh = Warehouse(wh_path)
    yield SemanticLayer(catalog, wh)
    wh.close()


def values(layer: SemanticLayer, metric: str, *dims: str, time_range: TimeRange = WEEK, **kw: Any) -> dict[Any, Any]:
    """{key (or key tuple, or None without dimensions): value} of one metric."""
    res = layer.run(MetricQuery(metrics=(metric,), dimensions=dims, time_range=time_range, **kw))
    at = res.result.names.index(metric)
    keys = [i for i, c in enumerate(res.compiled.columns) if c.role == "dimension"]
    out = {}
    for row in res.result.rows:
        key = tuple(row[i] for i in keys)
        out[key[0] if len(key) == 1 else (key or None)] = row[at]
    return out


def run_as(layer: SemanticLayer, role: str, metric: str, *dims: str) -> dict[Any, Any]:
    res = layer.run(MetricQuery(metrics=(metric,), dimensions=dims, time_range=WEEK), layer.role(role))
    at = res.result.names.index(metric)
    return {(row[0] if dims else None): row[at] for row in res.result.rows}


def cli(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*OPSBOT, *args], capture_output=True, text=True, env=env, timeout=120)
    assert (proc.returncode == 0) == ok, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


# --- the catalog ----------------------------------------------------------------------------------


def test_catalog_declares_the_store_as_written(catalog: Catalog) -> None:
    assert catalog.generated_tables == {PROJECTION_TABLE}
    assert catalog.tables[PROJECTION_TABLE] == dict(PROJECTION_COLUMNS)
    totals = catalog.models["stock_projection"].totals
    assert (
        totals is not None and totals.column.sql() == "p.warehouse_id" and totals.dimensions == ("warehouse", "region")
    )
    for mid in ("forecast_units", "projected_stockout_date", "days_to_stockout", "suggested_reorder_qty"):
        m = catalog.metrics[mid]
        assert m.owner == "供应链 / supply chain" and m.version == 1 and not m.internal
        assert catalog.sliceable[mid] == {"sku", "warehouse", "category", "brand", "region", "date"}
    assert catalog.metrics["projected_stockout_date"].unit == "date"
    assert catalog.metrics["next_po_date"].format == "date"


@pytest.fixture()
def cat_dir(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_bad_totals_are_reported_with_file_and_line(cat_dir: Path) -> None:
    models = cat_dir / "models.yaml"
    good = "totals: {column: p.warehouse_id, dimensions: [warehouse, region]}"
    line = next(n for n, text in enumerate(models.read_text(encoding="utf-8").splitlines(), 1) if good in text)
    for bad, needle in [
        ("totals: {column: x.warehouse_id, dimensions: [warehouse, region]}", "unknown table alias 'x'"),
        ("totals: {column: p.wh_id, dimensions: [warehouse, region]}", "has no column 'wh_id'"),
        ("totals: {column: p.warehouse_id, dimensions: [warehouse, channel]}", "unknown dimension 'channel'"),
        ("totals: {column: p.warehouse_id}", "totals: needs"),
    ]:
        _edit(models, good, bad)
        with pytest.raises(CatalogError) as err:
            load_catalog(cat_dir)
        found = [str(p) for p in err.value.problems]
        assert any(needle in p and f"models.yaml:{line}:" in p for p in found), found
        _edit(models, bad, good)
    load_catalog(cat_dir)


def test_generated_table_may_not_repeat_a_warehouse_table(cat_dir: Path) -> None:
    tables = cat_dir / "tables.yaml"
    _edit(tables, "generated_tables:\n", "generated_tables:\n  dim_sku:\n    sku_id: VARCHAR\n")
    with pytest.raises(CatalogError, match="generated table 'dim_sku' is also listed under tables"):
        load_catalog(cat_dir)


def test_the_date_format_goes_with_the_date_unit(cat_dir: Path) -> None:
    metrics = cat_dir / "metrics.yaml"
    _edit(metrics, "    unit: date\n    version: 1\n", "    unit: date\n    format: integer\n    version: 1\n")
    with pytest.raises(CatalogError, match="'date' is the format of unit date"):
        load_catalog(cat_dir)


# --- totals versus warehouses -----------------------------------------------------------------------


def test_without_a_warehouse_the_sku_totals_are_read(fc_layer: SemanticLayer) -> None:
    assert values(fc_layer, "forecast_units") == {None: pytest.approx(7 * (3.5 + 4.25))}
    assert values(fc_layer, "forecast_units", "sku") == {A: pytest.approx(7 * 3.5), B: pytest.approx(7 * 4.25)}
    assert values(fc_layer, "forecast_daily_units") == {None: pytest.approx(3.5 + 4.25)}
    assert values(fc_layer, "projected_stockouts", "sku") == {A: 0, B: 1}  # A's total never runs out
    category_a, category_b = category_of(fc_layer, A), category_of(fc_layer, B)
    assert category_a != category_b
    by_category = values(fc_layer, "forecast_units", filters=(DimensionFilter("category", (category_b,)),))
    assert by_category == {None: pytest.approx(7 * 4.25)}


def category_of(layer: SemanticLayer, sku: str) -> str:
    return str(layer.warehouse.query("SELECT category_id FROM dim_sku WHERE sku_id = $s", {"s": sku}).rows[0][0])


def test_by_or_filtered_to_a_warehouse_the_warehouse_rows_are_read(fc_layer: SemanticLayer) -> None:
    assert values(fc_layer, "forecast_units", "warehouse") == {
        "WH-SH": pytest.approx(7 * (2 + 4)),
        "WH-BJ": pytest.approx(7 * 1),
    }
    shanghai = (DimensionFilter("warehouse", ("上海仓",)),)
    assert values(fc_layer, "forecast_units", filters=shanghai) == {None: pytest.approx(7 * 6)}
    assert values(fc_layer, "forecast_units", "sku", filters=shanghai) == {A: pytest.approx(14), B: pytest.approx(28)}
    not_shanghai = (DimensionFilter("warehouse", ("WH-SH",), negate=True),)
    assert values(fc_layer, "forecast_units", filters=not_shanghai) == {None: pytest.approx(7)}
    north = (DimensionFilter("region", ("华北",)),)
    assert values(fc_layer, "forecast_units", filters=north) == {None: pytest.approx(7)}
    assert values(fc_layer, "projected_stockouts", "warehouse") == {"WH-SH": 2, "WH-BJ": 0}


def test_a_region_role_reads_its_warehouses_rows(fc_layer: SemanticLayer) -> None:
    assert run_as(fc_layer, "supply_chain_east", "forecast_units") == {None: pytest.approx(7 * 6)}
    assert run_as(fc_layer, "supply_chain_east", "available_now", "sku") == {A: 5, B: 20}
    sql = fc_layer.compile(
        MetricQuery(metrics=("forecast_units",), time_range=WEEK), fc_layer.role("supply_chain_east")
    ).sql()
    assert "NOT p.warehouse_id IS NULL" in sql
    with pytest.raises(UserError, match="cannot be limited"):
        run_as(fc_layer, "douyin_ops", "forecast_units")


def test_the_totals_condition_is_only_on_models_that_declare_totals(catalog: Catalog, layer: SemanticLayer) -> None:
    fc = layer.compile(MetricQuery(metrics=("forecast_units",), time_range=WEEK)).sql()
    assert "p.warehouse_id IS NULL" in fc and "NOT p.warehouse_id IS NULL" not in fc
    stock = layer.compile(MetricQuery(metrics=("on_hand",), dimensions=("warehouse",), time_range=WEEK)).sql()
    assert "warehouse_id IS NULL" not in stock


# --- point-in-time metrics and dates ----------------------------------------------------------------


def test_snapshot_metrics_read_the_last_day_of_the_period(fc_layer: SemanticLayer) -> None:
    assert values(fc_layer, "on_order") == {None: (10 + 7) + (0 + 7)}  # the totals on day 7
    short = TimeRange(AS_OF + DAY, AS_OF + 3 * DAY)
    assert values(fc_layer, "on_order", time_range=short) == {None: (10 + 3) + (0 + 3)}
    assert values(fc_layer, "on_order", "warehouse") == {"WH-SH": 7 + 7, "WH-BJ": 17}
    by_day = values(fc_layer, "on_order", "date", time_range=short)
    assert by_day == {AS_OF + n * DAY: 10 + n + n for n in (1, 2, 3)}
    assert values(fc_layer, "available_now") == {None: 55 + 20}
    assert values(fc_layer, "available_now", "warehouse") == {"WH-SH": 25, "WH-BJ": 50}
    assert values(fc_layer, "days_to_stockout", "sku") == {B: 7}  # A's total never runs out: left out
    assert values(fc_layer, "days_to_stockout", "warehouse") == {"WH-SH": 3}
    assert values(fc_layer, "suggested_reorder_qty") == {None: 6 + 31}
    assert values(fc_layer, "next_po_qty", "warehouse") == {"WH-SH": 40, "WH-BJ": 10}
    assert values(fc_layer, "next_po_date") == {None: AS_OF + 5 * DAY}


def test_stockout_date_and_probability(fc_layer: SemanticLayer) -> None:
    assert values(fc_layer, "projected_stockout_date") == {None: AS_OF + 7 * DAY}
    assert values(fc_layer, "projected_stockout_date", "warehouse") == {"WH-SH": AS_OF + 3 * DAY}
    assert values(fc_layer, "projected_stockout_date", "sku", filters=(DimensionFilter("warehouse", ("WH-SH",)),)) == {
        A: AS_OF + 3 * DAY,
        B: AS_OF + 6 * DAY,
    }
    # cumulative: the probability by the period's last day, the highest series in the slice
    assert values(fc_layer, "stockout_probability", "sku") == {A: pytest.approx(0.35), B: pytest.approx(0.70)}
    short = TimeRange(AS_OF + DAY, AS_OF + 2 * DAY)
    assert values(fc_layer, "stockout_probability", time_range=short) == {None: pytest.approx(0.2)}


def test_a_date_metric_renders_as_an_iso_date(fc_layer: SemanticLayer) -> None:
    q = MetricQuery(metrics=("projected_stockout_date", "projected_stockouts"), dimensions=("sku",), time_range=WEEK)
    res = fc_layer.run(q)
    rows = json_rows(res.compiled, res.result.rows)
    assert [r[0] for r in rows] == [B, A] and rows[0][3] == "2026-11-27" and rows[1][3] is None
    text = summary(res.compiled, rows, "en", "2026-11-21 – 2026-11-27")
    assert "projected stockout date 2026-11-27" in text and "projected stockout date —" in text
    assert "预计断货日期 2026-11-27" in summary(res.compiled, rows, "zh", "下周")
    assert format_number(dt.date(2026, 11, 27), "date") == "2026-11-27" and format_number(None, "date") == "—"


def test_a_date_metric_is_not_compared_or_filtered_by_a_number(fc_layer: SemanticLayer) -> None:
    with pytest.raises(UserError, match="is a date; it cannot be compared"):
        fc_layer.run(MetricQuery(metrics=("projected_stockout_date",), time_range=WEEK, compare="previous"))
    with pytest.raises(UserError, match="cannot be filtered by a number"):
        fc_layer.run(
            MetricQuery(
                metrics=("next_po_date",),
                dimensions=("sku",),
                time_range=WEEK,
                metric_filters=(MetricFilter("next_po_date", "<", 5.0),),
            )
        )


# Hand-written SQL of each definition over the store: key columns, then the value.
TOTAL = "warehouse_id IS NULL AND date BETWEEN DATE '2026-11-21' AND DATE '2026-11-27'"
BY_WH = "warehouse_id IS NOT NULL AND date BETWEEN DATE '2026-11-21' AND DATE '2026-11-27'"
HAND = {
    "forecast_units": ("sku", f"SELECT sku_id, SUM(forecast_units) FROM fc_stock_projection WHERE {TOTAL} GROUP BY 1"),
    "forecast_daily_units": (
        "warehouse",
        f"SELECT warehouse_id, SUM(forecast_units) / 7 FROM fc_stock_projection WHERE {BY_WH} GROUP BY 1",
    ),
    "projected_stockouts": (
        "warehouse",
        f"SELECT warehouse_id, COUNT(*) FILTER (WHERE stockout_start) FROM fc_stock_projection WHERE {BY_WH} GROUP BY 1",
    ),
    "projected_stockout_date": (
        "sku",
        f"SELECT sku_id, MIN(date) FILTER (WHERE stockout_start) FROM fc_stock_projection WHERE {TOTAL} GROUP BY 1",
    ),
    "stockout_probability": (
        "sku",
        f"SELECT sku_id, MAX(stockout_probability) FROM fc_stock_projection WHERE {TOTAL} GROUP BY 1",
    ),
    **{
        mid: (
            "warehouse",
            f"SELECT warehouse_id, {agg}({mid}) FROM fc_stock_projection "
            f"WHERE warehouse_id IS NOT NULL AND date = DATE '2026-11-27' GROUP BY 1",
        )
        for mid, agg in [
            ("days_to_stockout", "MIN"),
            ("available_now", "SUM"),
            ("on_order", "SUM"),
            ("next_po_qty", "SUM"),
            ("next_po_date", "MIN"),
            ("suggested_reorder_qty", "SUM"),
        ]
    },
}


def test_every_forecast_metric_is_checked_here(catalog: Catalog) -> None:
    forecast = {
        m.id
        for m in catalog.public_metrics()
        if any(catalog.metrics[leaf].model == "stock_projection" for leaf in catalog.leaf_models[m.id])
    }
    assert forecast == set(HAND)


@pytest.mark.parametrize("metric_id", sorted(HAND))
def test_forecast_metric_equals_hand_written_sql(fc_layer: SemanticLayer, metric_id: str) -> None:
    dim, sql = HAND[metric_id]
    want = {r[0]: r[1] for r in fc_layer.warehouse.query(sql).rows if r[1] is not None}
    got = values(fc_layer, metric_id, dim)
    assert want and got.keys() == want.keys()
    assert all(got[k] == pytest.approx(want[k]) for k in want), (got, want)


# --- the store on disk: replaced, removed, corrupt --------------------------------------------------


def test_a_replaced_store_is_picked_up_by_the_next_query(fc_layer: SemanticLayer, wh_path: Path) -> None:
    wh = fc_layer.warehouse
    assert wh.forecast_path == store_path(wh_path) and wh.has_forecast() and wh.forecast_as_of() == AS_OF
    before = values(fc_layer, "forecast_units")[None]
    slow = "SELECT COUNT(*) FROM range(300000000) t(x) WHERE x % 7 = 3"
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(wh.query(slow).rows))
    worker.start()  # a query on the old connection (~1 s), still running while the store is replaced
    time.sleep(0.1)
    write_store(wh_path, bump=1.0)
    after = values(fc_layer, "forecast_units")[None]
    assert after == pytest.approx(before + 2 * 7)  # two total series, one more unit a day each
    worker.join()
    assert results == [[(42857143,)]]
    write_store(wh_path, as_of=AS_OF - DAY)
    assert wh.forecast_as_of() == AS_OF - DAY
    store_path(wh_path).unlink()
    assert not wh.has_forecast() and wh.forecast_as_of() is None and wh.forecast_problem() is None
    assert values(fc_layer, "gmv", time_range=PAST_WEEK)[None] > 0


def test_a_store_made_after_the_warehouse_was_opened_is_attached(wh_path: Path, catalog: Catalog) -> None:
    wh = Warehouse(wh_path)
    try:
        assert not wh.has_forecast() and wh.forecast_as_of() is None
        write_store(wh_path)
        layer = SemanticLayer(catalog, wh)
        assert wh.forecast_as_of() == AS_OF
        assert values(layer, "forecast_units", "sku") == {A: pytest.approx(24.5), B: pytest.approx(29.75)}
    finally:
        wh.close()


def test_a_corrupt_store_is_skipped_and_the_warehouse_still_works(wh_path: Path, catalog: Catalog) -> None:
    store_path(wh_path).write_bytes(b"not a database" * 500)
    wh = Warehouse(wh_path)
    try:
        assert not wh.has_forecast() and wh.forecast_as_of() is None
        problem = wh.forecast_problem()
        assert problem is not None and "not a readable forecast store" in problem
        layer = SemanticLayer(catalog, wh)
        assert values(layer, "gmv", time_range=PAST_WEEK)[None] > 0
        assert any("not a readable forecast store" in p for p in compare_schema(catalog, wh))
        write_store(wh_path)  # the next refresh repairs it
        assert wh.has_forecast() and wh.forecast_problem() is None
        assert compare_schema(catalog, wh) == []
    finally:
        wh.close()


def test_the_store_is_read_only_and_locked_down(fc_layer: SemanticLayer, tmp_path: Path) -> None:
    wh = fc_layer.warehouse
    for sql in (
        "DELETE FROM fc_stock_projection",
        "CREATE TABLE x AS SELECT 1",
        "CREATE TABLE fc.main.x AS SELECT 1",
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
        "SET enable_external_access = true",
    ):
        with pytest.raises(duckdb.Error):
            wh.query(sql)
    assert wh.query("SELECT COUNT(*) FROM fc_stock_projection").rows == [(len(SERIES) * HORIZON,)]


def test_no_configuration_conflict_within_one_process(wh_path: Path) -> None:
    """The same file opened by two clients and a plain read-only connection with other settings."""
    write_store(wh_path)
    raw = duckdb.connect(str(wh_path), read_only=True, config=dict(CONNECT_CONFIG))
    first, second = Warehouse(wh_path), Warehouse(wh_path)
    other = duckdb.connect(str(store_path(wh_path)), read_only=True)
    try:
        assert (
            first.query("SELECT COUNT(*) FROM dim_channel").rows
            == second.query("SELECT COUNT(*) FROM dim_channel").rows
        )
        assert raw.execute("SELECT COUNT(*) FROM dim_channel").fetchall() == [(5,)]
        assert other.execute("SELECT COUNT(*) FROM fc_stock_projection").fetchall() == [(len(SERIES) * HORIZON,)]
        assert first.forecast_as_of() == second.forecast_as_of() == AS_OF
    finally:
        first.close()
        second.close()
        raw.close()
        other.close()


# --- the CLI ----------------------------------------------------------------------------------------


def test_cli_query_and_validate_with_and_without_the_store(cli_env: dict[str, str], wh_path: Path) -> None:
    env = {**cli_env, "OPSBOT_WAREHOUSE": str(wh_path)}
    out = cli(env, "metrics", "validate", "--db", str(wh_path)).stdout
    assert "warehouse OK" in out
    write_store(wh_path)
    assert "warehouse OK" in cli(env, "metrics", "validate", "--db", str(wh_path)).stdout
    week = ("--from", "2026-11-21", "--to", "2026-11-27")
    doc = json.loads(
        cli(
            env,
            "query",
            "-m",
            "projected_stockout_date",
            "-m",
            "forecast_units",
            "--by",
            "warehouse",
            *week,
            "--format",
            "json",
        ).stdout
    )
    assert doc["columns"][:4] == ["warehouse_id", "warehouse_name_zh", "warehouse_name_en", "projected_stockout_date"]
    assert {r[0]: r[3] for r in doc["rows"]} == {"WH-SH": "2026-11-23", "WH-BJ": None}
    text = cli(env, "query", "-m", "projected_stockout_date", "--by", "sku", *week).stdout
    assert "2026-11-27" in text and "projected_stockout_date" in text
    east = json.loads(
        cli(env, "query", "-m", "forecast_units", *week, "--role", "supply_chain_east", "--format", "json").stdout
    )
    assert east["rows"] == [[pytest.approx(42.0)]]


def test_cli_validate_checks_the_store_columns(cli_env: dict[str, str], wh_path: Path) -> None:
    target = store_path(wh_path)
    con = duckdb.connect(str(target))
    con.execute(projection_ddl().replace("forecast_units DOUBLE", "forecast_units VARCHAR"))
    con.close()
    proc = cli(cli_env, "metrics", "validate", "--db", str(wh_path), ok=False)
    assert "fc_stock_projection.forecast_units is VARCHAR, the catalog declares DOUBLE" in proc.stderr
