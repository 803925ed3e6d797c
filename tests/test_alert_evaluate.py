"""Set-based rule evaluation on a real warehouse: every condition type's findings against SQL written
by hand on the warehouse tables (not against the evaluator's own output), a constant number of
statements whatever the number of entities, "no data" instead of "all OK" for a broken source, and
the demo rule pack end to end."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from alerts.evaluate import evaluate
from alerts.evaluate.anomaly import robust_z
from alerts.findings import Evaluation, Finding
from alerts.rules.load import default_rules_dir, load_rules
from alerts.rules.model import (
    Anomaly,
    Change,
    Condition,
    Forecast,
    Graded,
    Names,
    NoData,
    Routing,
    Rule,
    Scope,
    Threshold,
)
from metrics.catalog.types import Catalog
from metrics.engines.duckdb import DuckDBWarehouse
from metrics.forecast.store import store_path
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse

AS_OF = dt.date(2026, 11, 20)  # the test warehouse's last day
DAY = dt.timedelta(days=1)
NOW = dt.datetime(2026, 11, 21, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


# --- fixtures and helpers -------------------------------------------------------------------------


class CountingWarehouse(DuckDBWarehouse):
    """The real warehouse, recording every statement it runs."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.statements: list[str] = []

    def query(self, sql: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        self.statements.append(sql)
        return super().query(sql, params, **kw)


@pytest.fixture(scope="module")
def wh_path(forecast_db: Path) -> Path:
    """The test warehouse with forecasts as of its last day beside it."""
    return forecast_db


@pytest.fixture(scope="module")
def warehouse(wh_path: Path) -> Iterator[CountingWarehouse]:
    wh = CountingWarehouse(wh_path)
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def alayer(warehouse: CountingWarehouse, catalog: Catalog) -> SemanticLayer:
    return SemanticLayer(catalog, warehouse)


def hand(path: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    """SQL written by hand against the warehouse file (the forecast store attached as fc)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        if store_path(path).exists():
            con.execute(f"ATTACH '{store_path(path)}' AS fc (READ_ONLY)")
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


def rule(
    metric: str, condition: Condition, dims: tuple[str, ...] = (), extra: tuple[str, ...] = (), **scope: Any
) -> Rule:
    return Rule(
        id=f"test_{metric}",
        names=Names("测试", "test"),
        metric=metric,
        scope=Scope(dims, **scope),
        condition=condition,
        schedule="0 9 * * *",
        routing=Routing("张伟"),
        channels=("web:#ops",),
        extra_metrics=extra,
    )


def run(r: Rule, layer: SemanticLayer, as_of: dt.date = AS_OF) -> Evaluation:
    e = evaluate(r, layer, as_of, NOW)
    assert e.rule_id == r.id and e.as_of == as_of and e.evaluated_at == NOW
    return e


def by_entity(e: Evaluation, dim: str) -> dict[str, Finding]:
    return {f.entity[dim]: f for f in e.findings}


def between(values: list[float], i: int) -> float:
    """A limit halfway between the i-th and (i+1)-th smallest value."""
    ordered = sorted(values)
    return (ordered[i] + ordered[i + 1]) / 2


def start_stop(days: int, end: dt.date = AS_OF) -> tuple[dt.datetime, dt.datetime]:
    first = end - dt.timedelta(days=days - 1)
    return dt.datetime.combine(first, dt.time()), dt.datetime.combine(end + DAY, dt.time())


# --- threshold ------------------------------------------------------------------------------------

LATE_BY_DAY = """
    SELECT o.warehouse_id, CAST(o.order_ts AS DATE) AS d,
           COUNT(DISTINCT CASE WHEN o.shipped_ts > o.promised_ship_ts THEN o.order_id END)
             / COUNT(DISTINCT CASE WHEN o.shipped_ts IS NOT NULL THEN o.order_id END) AS rate
    FROM fact_order o
    WHERE o.status <> 'cancelled' AND o.order_ts >= ? AND o.order_ts < ?
    GROUP BY ALL
"""


def test_threshold_fires_for_exactly_the_entities_past_the_limit(alayer: SemanticLayer, wh_path: Path) -> None:
    rates = dict(
        hand(
            wh_path,
            """SELECT o.warehouse_id,
                      COUNT(DISTINCT CASE WHEN o.shipped_ts > o.promised_ship_ts THEN o.order_id END)
                        / COUNT(DISTINCT CASE WHEN o.shipped_ts IS NOT NULL THEN o.order_id END)
               FROM fact_order o WHERE o.status <> 'cancelled' AND o.order_ts >= ? AND o.order_ts < ?
               GROUP BY 1""",
            *start_stop(7),
        )
    )
    limit = between(list(rates.values()), 2)
    e = run(rule("late_shipment_rate", Threshold(">", limit), ("warehouse",), window_days=7), alayer)
    fired = by_entity(e, "warehouse")
    assert set(fired) == {w for w, r in rates.items() if r > limit} and len(fired) == 2
    assert [f.value for f in e.findings] == sorted((rates[w] for w in fired), reverse=True)  # worst first
    names = dict(hand(wh_path, "SELECT warehouse_id, name_zh FROM dim_warehouse"))
    for w, f in fired.items():
        assert f.value == pytest.approx(rates[w])
        assert f.label == names[w] and f.severity == "warning"
        assert f.threshold == f"> {limit * 100:.1f}%"
        assert f.evidence["period"] == {"start": str(AS_OF - 6 * DAY), "end": str(AS_OF)}
    # evidence: the last 7 days of the firing warehouses, day by day, from one query filtered to them
    daily = {(w, d.isoformat()): r for w, d, r in hand(wh_path, LATE_BY_DAY, *start_stop(7))}
    for w, f in fired.items():
        trend = f.evidence["trend"]
        assert [t["date"] for t in trend] == [str(AS_OF - i * DAY) for i in range(6, -1, -1)]
        assert [t["value"] for t in trend] == pytest.approx([daily.get((w, t["date"])) for t in trend])
    assert len(e.sql) == 2 and not e.no_data
    trend_sql = sqlglot.parse_one(e.sql[1], read="duckdb")
    filtered = [i for i in trend_sql.find_all(exp.In) if i.this.sql() == "o.warehouse_id"]
    assert {lit.this for i in filtered for lit in i.expressions} == set(fired)


def test_the_breach_test_is_in_the_query(alayer: SemanticLayer) -> None:
    e = run(rule("late_shipment_rate", Threshold(">", 0.5), ("warehouse",), window_days=7), alayer)
    assert e.findings == () and not e.no_data  # nothing past 50%: an empty answer …
    where = sqlglot.parse_one(e.sql[0], read="duckdb").args["where"].sql()
    assert "r.late_shipment_rate > 0.5" in where
    assert "COUNT(*)" in e.sql[1]  # … and then one count that the scope has data at all


# --- graded ---------------------------------------------------------------------------------------

REFUND_RATE = """
    WITH r AS (SELECT s.category_id AS c, SUM(rf.amount) AS a FROM fact_refund rf
               JOIN dim_sku s ON s.sku_id = rf.sku_id WHERE rf.refund_ts >= ? AND rf.refund_ts < ? GROUP BY 1),
         g AS (SELECT s.category_id AS c, SUM(i.amount) AS a FROM fact_order o
               JOIN fact_order_item i ON i.order_id = o.order_id JOIN dim_sku s ON s.sku_id = i.sku_id
               WHERE o.status <> 'cancelled' AND o.order_ts >= ? AND o.order_ts < ? GROUP BY 1)
    SELECT g.c, CAST(COALESCE(r.a, 0) AS DOUBLE) / g.a, g.a FROM g LEFT JOIN r USING (c)
"""


def test_graded_gives_each_entity_the_highest_level_it_reaches(alayer: SemanticLayer, wh_path: Path) -> None:
    rows = hand(wh_path, REFUND_RATE, *start_stop(7), *start_stop(7))
    rates = {c: r for c, r, _ in rows}
    gmv = {c: float(g) for c, _, g in rows}
    warning, critical = between(list(rates.values()), 1), between(list(rates.values()), 3)
    condition = Graded(">=", (("warning", warning), ("critical", critical)))
    e = run(rule("refund_rate", condition, ("category",), window_days=7, extra=("gmv",)), alayer)
    expected = {c: ("critical" if r >= critical else "warning") for c, r in rates.items() if r >= warning}
    assert {c: f.severity for c, f in by_entity(e, "category").items()} == expected
    assert [f.severity for f in e.findings] == ["critical", "warning", "warning"]  # critical first
    top = e.findings[0]
    names = dict(hand(wh_path, "SELECT category_id, name_zh FROM dim_category"))
    assert [f.label for f in e.findings] == [names[f.entity["category"]] for f in e.findings]
    assert top.threshold == f"≥ {critical * 100:.1f}%（红）"
    assert top.evidence["levels"] == {"warning": warning, "critical": critical}
    [extra] = top.evidence["extra"]
    assert extra["metric"] == "gmv" and extra["value"] == pytest.approx(gmv[top.entity["category"]])


def test_graded_downwards_with_a_having_filter(alayer: SemanticLayer, wh_path: Path) -> None:
    """ROI below a level, only for channels that spent at least some amount (having)."""
    rows = hand(
        wh_path,
        """SELECT channel_id, SUM(attributed_gmv) / SUM(spend), SUM(spend) FROM fact_ad_spend_daily
           WHERE date BETWEEN ? AND ? GROUP BY 1""",
        AS_OF - 2 * DAY,
        AS_OF,
    )
    roi = {c: r for c, r, _ in rows}
    spend = {c: float(s) for c, _, s in rows}
    min_spend = between(list(spend.values()), 0)  # leaves out the channel that spent least
    warning, critical = between(list(roi.values()), 3), between(list(roi.values()), 1)
    condition = Graded("<", (("warning", warning), ("critical", critical)))
    r = rule("roi", condition, ("channel",), window_days=3, having=(("ad_spend", ">=", min_spend),))
    e = run(r, alayer)
    expected = {
        c: ("critical" if v < critical else "warning") for c, v in roi.items() if v < warning and spend[c] >= min_spend
    }
    assert {c: f.severity for c, f in by_entity(e, "channel").items()} == expected and expected
    assert all(x["metric"] == "ad_spend" for f in e.findings for x in f.evidence["extra"])


# --- forecast -------------------------------------------------------------------------------------

STOCKOUTS = """
    SELECT sku_id, warehouse_id,
           MIN(CASE WHEN date = ? THEN days_to_stockout END) AS days,
           SUM(forecast_units) / ? AS daily,
           SUM(CASE WHEN date = ? THEN available_now END) AS available
    FROM fc.fc_stock_projection
    WHERE date BETWEEN ? AND ? AND warehouse_id IS {} NULL
    GROUP BY ALL
    HAVING days <= ? AND daily >= ?
"""


@pytest.mark.parametrize(
    ("dims", "ahead", "level"),
    [(("sku", "warehouse"), 3, 0.5), (("sku",), 28, 0.1)],
    ids=["per-warehouse", "all-warehouses"],
)
def test_forecast_stockouts_ahead(
    alayer: SemanticLayer, wh_path: Path, dims: tuple[str, ...], ahead: int, level: float
) -> None:
    """Per SKU × warehouse the warehouse rows; per SKU the all-warehouse projection (its totals rows)."""
    first, last = AS_OF + DAY, AS_OF + ahead * DAY
    r = rule(
        "days_to_stockout",
        Forecast("<=", ahead),
        dims,
        ahead_days=ahead,
        having=(("forecast_daily_units", ">=", level),),
        extra=("available_now", "next_po_date"),
    )
    e = run(r, alayer)
    detail = "NOT" if "warehouse" in dims else ""
    rows = hand(wh_path, STOCKOUTS.format(detail), last, ahead, last, first, last, ahead, level)
    expected = {(s, w) if len(dims) == 2 else (s,): (d, a) for s, w, d, _, a in rows}
    got = {tuple(f.entity[d] for d in dims): f for f in e.findings}
    assert set(got) == set(expected) and expected
    for key, f in got.items():
        days, available = expected[key]
        assert f.value == days and f.severity == "critical" and f.threshold == f"≤ {ahead}"
        extra = {x["metric"]: x["value"] for x in f.evidence["extra"]}
        assert extra["available_now"] == available
        assert set(extra) == {"forecast_daily_units", "available_now", "next_po_date"}
        assert "trend" not in f.evidence  # the past says nothing about a forecast
    assert [f.value for f in e.findings] == sorted(f.value for f in e.findings)  # soonest first
    assert e.findings[0].evidence["period"] == {"start": str(first), "end": str(last)}
    assert len(e.sql) == 1 and "fc_stock_projection" in e.sql[0]


def test_labels_name_skus_with_their_id(alayer: SemanticLayer, wh_path: Path) -> None:
    e = run(rule("days_to_stockout", Forecast("<=", 28), ("sku", "warehouse"), ahead_days=28), alayer)
    f = e.findings[0]
    sku, wh = f.entity["sku"], f.entity["warehouse"]
    [(sku_name, wh_name)] = hand(
        wh_path,
        "SELECT s.name_zh, w.name_zh FROM dim_sku s, dim_warehouse w WHERE s.sku_id = ? AND w.warehouse_id = ?",
        sku,
        wh,
    )
    assert f.label == f"{sku_name}（{sku}）· {wh_name}"
    assert f.key == json.dumps({"sku": sku, "warehouse": wh}, separators=(",", ":"), ensure_ascii=False)


# --- change ---------------------------------------------------------------------------------------

CONVERSION = """
    WITH b AS (SELECT channel_id AS c, CAST(order_ts AS DATE) AS d, COUNT(DISTINCT buyer_id) AS n
               FROM fact_order WHERE status <> 'cancelled' AND CAST(order_ts AS DATE) IN (?, ?) GROUP BY ALL),
         v AS (SELECT channel_id AS c, date AS d, SUM(visitors) AS n
               FROM fact_traffic_daily WHERE date IN (?, ?) GROUP BY ALL)
    SELECT v.c, v.d, CAST(COALESCE(b.n, 0) AS DOUBLE) / v.n FROM v LEFT JOIN b USING (c, d)
"""


def _moves(wh_path: Path, before: dt.date) -> dict[str, tuple[float, float, float]]:
    """channel → (as-of rate, baseline rate, relative change) of the conversion rate."""
    rate = {(c, d): r for c, d, r in hand(wh_path, CONVERSION, AS_OF, before, AS_OF, before)}
    return {c: (rate[c, AS_OF], rate[c, before], rate[c, AS_OF] / rate[c, before] - 1) for c, d in rate if d == AS_OF}


def test_change_day_over_day_either_way(alayer: SemanticLayer, wh_path: Path) -> None:
    moves = _moves(wh_path, AS_OF - DAY)
    percent = between([abs(m[2]) * 100 for m in moves.values()], 2)
    e = run(rule("conversion_rate", Change("previous", "any", percent=percent), ("channel",)), alayer)
    expected = {c for c, m in moves.items() if abs(m[2]) * 100 > percent}
    fired = by_entity(e, "channel")
    assert set(fired) == expected and len(expected) == 2
    for c, f in fired.items():
        now, base, pct = moves[c]
        assert f.value == pytest.approx(now)
        assert f.evidence["baseline"] == pytest.approx(base) and f.evidence["change_pct"] == pytest.approx(pct)
        assert f.evidence["baseline_period"] == {"start": str(AS_OF - DAY), "end": str(AS_OF - DAY)}
        assert f.threshold == f"±{percent:g}% vs 前一天"
    assert [abs(f.evidence["change_pct"]) for f in e.findings] == sorted(
        (abs(moves[c][2]) for c in fired), reverse=True
    )


@pytest.mark.parametrize("direction", ["drop", "rise"])
def test_change_versus_the_same_weekday_a_week_earlier(alayer: SemanticLayer, wh_path: Path, direction: str) -> None:
    rows = hand(
        wh_path,
        "SELECT channel_id, date, SUM(visitors) FROM fact_traffic_daily WHERE date IN (?, ?) GROUP BY ALL",
        AS_OF,
        AS_OF - 7 * DAY,
    )
    visitors = {(c, d): float(n) for c, d, n in rows}
    delta = {c: visitors[c, AS_OF] - visitors[c, AS_OF - 7 * DAY] for c, d in visitors if d == AS_OF}
    sign = -1 if direction == "drop" else 1
    moves = [sign * d for d in delta.values() if sign * d > 0]
    if not moves:
        pytest.skip(f"no channel moved that way ({direction}) on the test data")
    size = max(moves) / 2
    condition = Change("week_ago", direction, absolute=size)  # type: ignore[arg-type]
    e = run(rule("visitors", condition, ("channel",)), alayer)
    assert set(by_entity(e, "channel")) == {c for c, d in delta.items() if sign * d > size}
    assert all(f.evidence["change"] == pytest.approx(delta[f.entity["channel"]]) for f in e.findings)
    op = "<" if direction == "drop" else ">"
    assert f"r.visitors_change {op} {-size if direction == 'drop' else size}" in e.sql[0]  # pushed into the query


def test_a_whole_scope_is_named_by_its_filters(alayer: SemanticLayer, wh_path: Path) -> None:
    now, _, pct = _moves(wh_path, AS_OF - DAY)["douyin"]
    r = rule("conversion_rate", Change("previous", "any", percent=0.001), filters=(("channel", ("douyin",)),))
    [f] = run(r, alayer).findings
    assert f.entity == {} and f.key == "{}" and f.label == "抖音"
    assert f.value == pytest.approx(now) and f.evidence["change_pct"] == pytest.approx(pct)


# --- anomaly --------------------------------------------------------------------------------------

ORDERS_ON_WEEKDAYS = """
    WITH days AS (SELECT UNNEST(?) AS d),
         grid AS (SELECT channel_id AS c, d FROM dim_channel, days),
         n AS (SELECT channel_id AS c, CAST(order_ts AS DATE) AS d, COUNT(DISTINCT order_id) AS n
               FROM fact_order WHERE status <> 'cancelled' GROUP BY ALL),
         filled AS (SELECT grid.c, grid.d, COALESCE(n.n, 0) AS n FROM grid LEFT JOIN n USING (c, d)),
         med AS (SELECT c, MEDIAN(n) AS m FROM filled WHERE d < ? GROUP BY c),
         spread AS (SELECT f.c, MEDIAN(ABS(f.n - med.m)) AS mad, AVG(ABS(f.n - med.m)) AS mean_ad
                    FROM filled f JOIN med USING (c) WHERE f.d < ? GROUP BY f.c)
    SELECT f.c, f.n, med.m, spread.mad,
           (f.n - med.m) / CASE WHEN spread.mad > 0 THEN 1.4826 * spread.mad ELSE 1.2533 * spread.mean_ad END AS z
    FROM filled f JOIN med USING (c) JOIN spread USING (c)
    WHERE f.d = ?
"""


def test_anomaly_is_a_robust_z_score_against_the_same_weekday(alayer: SemanticLayer, wh_path: Path) -> None:
    weeks = 6
    days = [AS_OF - dt.timedelta(days=7 * k) for k in range(weeks, -1, -1)]
    scores = {c: (n, m, mad, z) for c, n, m, mad, z in hand(wh_path, ORDERS_ON_WEEKDAYS, days, AS_OF, AS_OF, AS_OF)}
    limit = between([abs(s[3]) for s in scores.values()], 2)
    e = run(rule("orders", Anomaly(z=limit, weeks=weeks, direction="any"), ("channel",)), alayer)
    fired = by_entity(e, "channel")
    assert set(fired) == {c for c, s in scores.items() if abs(s[3]) >= limit} and len(fired) == 2
    for c, f in fired.items():
        n, median, mad, z = scores[c]
        assert (f.value, f.evidence["median"], f.evidence["mad"]) == (n, median, mad)
        assert f.evidence["z"] == pytest.approx(z, abs=1e-3)
        assert [h["date"] for h in f.evidence["history"]] == [str(d) for d in days[:-1]]
        assert f.threshold == f"|z| ≥ {limit:g}（对比近{weeks}周同星期几）"
    assert len(e.sql) == 2  # the history (only those weekdays), then the recent trend
    assert e.sql[0].count("CAST('2026-") >= weeks + 1


def test_anomaly_direction_and_minimum(alayer: SemanticLayer, wh_path: Path) -> None:
    days = [AS_OF - dt.timedelta(days=7 * k) for k in range(8, -1, -1)]
    rows = hand(wh_path, ORDERS_ON_WEEKDAYS, days, AS_OF, AS_OF, AS_OF)
    scores = {c: (max(n, median), z) for c, n, median, _, z in rows}
    for direction, keep in (("rise", lambda z: z >= 0.01), ("drop", lambda z: z <= -0.01)):
        e = run(rule("orders", Anomaly(z=0.01, direction=direction), ("channel",)), alayer)  # type: ignore[arg-type]
        assert set(by_entity(e, "channel")) == {c for c, (_, z) in scores.items() if keep(z)}
    # min_value: both the day's value and the typical one below it is noise, whatever the z-score
    small = sorted(big for big, _ in scores.values())[1]
    e = run(rule("orders", Anomaly(z=0.01, direction="any", min_value=small + 0.5), ("channel",)), alayer)
    assert set(by_entity(e, "channel")) == {
        c for c, (big, z) in scores.items() if big >= small + 0.5 and abs(z) >= 0.01
    }
    assert len(e.findings) == len(scores) - 2


def test_robust_z_guards_a_zero_mad() -> None:
    s = robust_z(9, [5, 5, 5, 5, 7])  # more than half the same: MAD 0 → mean absolute deviation
    assert s is not None and s.mad == 0
    assert s.scale == pytest.approx(1.2533 * statistics.fmean([0, 0, 0, 0, 2]))
    assert s.z == pytest.approx(4 / s.scale)
    assert robust_z(9, [5, 5, 5, 5]) is None  # a flat history cannot score a day
    assert robust_z(9, [5, 6]) is None  # too little history
    s = robust_z(20, [10, 12, 8, 11, 9])
    assert s is not None and s.z == pytest.approx((20 - 10) / (1.4826 * 1))


# --- no data --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gap_layer(small_db: Path, tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[SemanticLayer]:
    """A copy where Douyin's traffic row of the last day is missing and Pinduoduo's is zero."""
    path = tmp_path_factory.mktemp("gap") / "wh.duckdb"
    shutil.copy(small_db, path)
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM fact_traffic_daily WHERE channel_id = 'douyin' AND date = ?", [AS_OF])
    con.execute("UPDATE fact_traffic_daily SET visitors = 0 WHERE channel_id = 'pdd' AND date = ?", [AS_OF])
    con.close()
    wh = Warehouse(path)
    yield SemanticLayer(catalog, wh)
    wh.close()


def test_no_data_finds_expected_entities_without_rows_or_with_zero(gap_layer: SemanticLayer, catalog: Catalog) -> None:
    path = gap_layer.warehouse.path
    present = {
        c for (c,) in hand(path, "SELECT channel_id FROM fact_traffic_daily WHERE date = ? AND visitors > 0", AS_OF)
    }
    expected = {v.id for v in catalog.dimensions["channel"].values} - present
    assert expected == {"douyin", "pdd"}
    e = run(rule("visitors", NoData(), ("channel",)), gap_layer)
    fired = by_entity(e, "channel")
    assert set(fired) == expected and not e.no_data
    assert (fired["douyin"].label, fired["pdd"].label) == ("抖音", "拼多多")
    assert fired["douyin"].evidence["missing"] == "no_row" and fired["pdd"].evidence["missing"] == "zero_or_empty"
    assert fired["douyin"].threshold == "当天无数据" and fired["douyin"].severity == "critical"
    yesterday = hand(
        path, "SELECT visitors FROM fact_traffic_daily WHERE channel_id = 'douyin' AND date = ?", AS_OF - DAY
    )[0][0]
    trend = fired["douyin"].evidence["trend"]
    assert trend[-2:] == [{"date": str(AS_OF - DAY), "value": yesterday}, {"date": str(AS_OF), "value": 0.0}]
    # the whole scope, narrowed by filters: one entity, named by them
    whole = run(rule("visitors", NoData(), filters=(("channel", ("douyin", "pdd")),)), gap_layer)
    assert [(f.entity, f.label) for f in whole.findings] == [({}, "抖音、拼多多")]
    assert run(rule("visitors", NoData(), filters=(("channel", ("pdd", "jd")),)), gap_layer).findings == ()
    # a day without any data: every expected channel
    later = run(rule("visitors", NoData(), ("channel",)), gap_layer, AS_OF + 3 * DAY)
    assert set(by_entity(later, "channel")) == {v.id for v in catalog.dimensions["channel"].values}


# --- a source that fails or is empty is "no data", never "all OK" ---------------------------------


def test_a_period_without_rows_is_no_data(alayer: SemanticLayer) -> None:
    e = run(rule("visitors", Threshold("<", 1), ("channel",)), alayer, AS_OF + 10 * DAY)
    assert e.findings == () and e.no_data and "no rows for visitors" in e.problem
    e = run(rule("orders", Anomaly(), ("channel",)), alayer, AS_OF + 10 * DAY)
    assert e.findings == () and e.no_data
    e = run(rule("conversion_rate", Change("previous", "drop", percent=30)), alayer, AS_OF + 10 * DAY)
    assert e.no_data  # yesterday had no data either: nothing to compare, and nothing today


def test_a_failing_source_is_no_data(warehouse: CountingWarehouse, catalog: Catalog) -> None:
    """The traffic table renamed under the catalog's feet: the query fails at the source."""
    models = {**catalog.models, "traffic": replace(catalog.models["traffic"], table="fact_traffic_gone")}
    broken = SemanticLayer(replace(catalog, models=models), warehouse)
    for condition in (Threshold("<", 100), NoData()):
        e = run(rule("visitors", condition, ("channel",)), broken)
        assert e.no_data and e.findings == () and "fact_traffic_gone" in e.problem
        assert len(e.sql) == 1


# --- set-based: the number of statements does not grow with the number of entities ---------------


@pytest.mark.parametrize(
    "make",
    [
        lambda f: rule("units_sold", Threshold(">=", 1), ("sku", "warehouse"), window_days=28, filters=f),
        lambda f: rule(
            "units_sold", Change("previous", "any", percent=1), ("sku", "warehouse"), window_days=7, filters=f
        ),
        lambda f: rule("units_sold", Anomaly(z=0.5, weeks=4, direction="any"), ("sku", "warehouse"), filters=f),
        lambda f: rule("available", Graded(">", (("warning", 0), ("critical", 5))), ("sku", "warehouse"), filters=f),
    ],
    ids=["threshold", "change", "anomaly", "graded"],
)
def test_statements_per_rule_do_not_depend_on_the_number_of_entities(
    make: Any, alayer: SemanticLayer, warehouse: CountingWarehouse
) -> None:
    wide = run(make(()), alayer)
    one = tuple((dim, (value,)) for dim, value in wide.findings[0].entity.items())  # one entity that fires
    counts = []
    for filters in ((), one):
        run(make(filters), alayer)  # value dictionaries are read once per process: not part of a rule
        before = len(warehouse.statements)
        e = run(make(filters), alayer)
        ran = len(warehouse.statements) - before
        assert ran == len(e.sql)  # what the evaluation says it ran is what reached the warehouse
        counts.append((len(e.findings), ran))
    (many, n_many), (few, n_few) = counts
    assert many > 20 * max(few, 1) and few >= 1
    assert n_many == n_few == 2


# --- the demo rule pack ----------------------------------------------------------------------------


def test_the_demo_pack_evaluates_on_the_test_warehouse(alayer: SemanticLayer, catalog: Catalog) -> None:
    for r in load_rules(default_rules_dir(), catalog):
        e = run(r, alayer)
        assert not e.no_data, (r.id, e.problem)
        assert 1 <= len(e.sql) <= 3
        for statement in e.sql:
            assert isinstance(sqlglot.parse_one(statement, read="duckdb"), exp.Select)
        for f in e.findings:
            assert set(f.entity) == set(r.scope.dimensions) and f.label and f.threshold
            assert f.evidence["metric"] == r.metric
            assert r.routing.owner_for(f.entity) in {"张伟", "李娜", "王芳", "赵敏", "陈杰"}
