"""Spark local mode (pyspark, Java 17): the same parity checks as test_engine_parity.py, in one test so one
worker starts one Spark session — the glossary metrics by their breakdown and by week, the stock forecasts
refreshed on Spark and the public question set through `opsbot ask --db spark://…`."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from test_engine_parity import _ask_all, assert_same_rows, duckdb_verdicts, public_set, verdicts
from test_glossary_metrics import HAND, RANGE

from metrics.catalog.types import Catalog
from metrics.forecast.refresh import refresh
from metrics.problems import UserError
from metrics.query import MetricQuery, TimeRange
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse

__all__ = ["duckdb_verdicts"]  # the fixture, shared with test_engine_parity.py


@pytest.mark.skipif(bool(os.environ.get("OPSBOT_SKIP_SPARK")), reason="OPSBOT_SKIP_SPARK is set")
def test_spark_local_mode_gives_the_same_numbers(
    spark_url: str,
    layer: SemanticLayer,
    forecast_db: Path,
    catalog: Catalog,
    small_db: Path,
    duckdb_verdicts: dict[str, str],
    tmp_path: Path,
) -> None:
    spark = SemanticLayer(catalog, Warehouse(spark_url))
    try:
        assert spark.warehouse.last_day() == dt.date(2026, 11, 20)
        for metric_id, (dims, _) in sorted(HAND.items()):
            queries = [MetricQuery(metrics=(metric_id,), dimensions=dims, time_range=RANGE)]
            if metric_id != "days_of_cover":
                queries.append(MetricQuery(metrics=(metric_id,), dimensions=("date",), grain="week", time_range=RANGE))
            for q in queries:
                want, got = layer.run(q), spark.run(q)
                keys = sum(1 for c in want.compiled.columns if c.role == "dimension")
                assert_same_rows(want.result.rows, got.result.rows, keys, f"{metric_id} {q.dimensions} {q.grain}")

        report = refresh(spark_url, dt.date(2026, 11, 20))
        assert report.series > 0 and spark.warehouse.forecast_as_of() == dt.date(2026, 11, 20)
        duck = SemanticLayer(catalog, Warehouse(forecast_db))
        next_week = TimeRange(dt.date(2026, 11, 23), dt.date(2026, 11, 29))
        q = MetricQuery(metrics=("projected_stockouts",), dimensions=("warehouse",), time_range=next_week)
        want, got = duck.run(q), spark.run(q)
        assert want.result.rows
        assert_same_rows(want.result.rows, got.result.rows, 1, "projected_stockouts")
        duck.warehouse.close()

        # the time limit cancels the job: a two-second limit on a cross join ends it, the next query runs at once
        cross = (
            "SELECT COUNT(*) FROM fact_inventory_daily AS a, fact_inventory_daily AS b WHERE a.on_hand + b.on_hand > -1"
        )
        with pytest.raises(UserError) as err:
            spark.warehouse.query(cross, timeout_s=2)
        assert err.value.problems[0].code == "timeout"
        assert spark.warehouse.query("SELECT 1 AS one", timeout_s=5).rows == [(1,)]
    finally:
        spark.warehouse.close()

    questions, as_of = public_set()
    got_verdicts = verdicts(small_db, _ask_all(spark_url, questions, as_of), tmp_path)
    assert got_verdicts == duckdb_verdicts
