"""The same MetricQuery renders for DuckDB and transpiles to PostgreSQL, Spark and MySQL.

Snapshots live in tests/snapshots/; after an intended change, refresh them with
`UPDATE_SNAPSHOTS=1 make test` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlglot

from metrics.catalog.types import Catalog
from metrics.compiler import compile_query
from metrics.query import DimensionFilter, MetricFilter, MetricQuery, OrderBy, TimeRange

SNAPSHOTS = Path(__file__).parent / "snapshots"
OCT = TimeRange(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
QUERIES = {
    "gmv_by_channel": MetricQuery(metrics=("gmv", "aov"), dimensions=("channel",), time_range=OCT),
    "refund_rate_weekly_beauty": MetricQuery(
        metrics=("refund_rate",),
        dimensions=("date",),
        grain="week",
        time_range=OCT,
        filters=(DimensionFilter("category", ("beauty",)),),
    ),
    "days_of_cover_low": MetricQuery(
        metrics=("available", "days_of_cover"),
        dimensions=("sku", "warehouse"),
        time_range=OCT,
        metric_filters=(MetricFilter("days_of_cover", "<", 7),),
        order_by=(OrderBy("days_of_cover", False),),
        limit=20,
    ),
    "gmv_yoy_by_category": MetricQuery(
        metrics=("gmv", "gross_margin"), dimensions=("category",), time_range=OCT, compare="yoy"
    ),
    "repurchase_and_turnover": MetricQuery(metrics=("repurchase_rate", "turnover_days"), time_range=OCT),
}
DIALECTS = ("duckdb", "postgres", "spark", "mysql")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_sql_snapshot(catalog: Catalog, name: str, dialect: str) -> None:
    sql = compile_query(catalog, QUERIES[name]).sql(dialect, inline_params=True, pretty=True) + "\n"
    path = SNAPSHOTS / f"{name}.{dialect}.sql"
    if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    assert sql == path.read_text(encoding="utf-8")
    sqlglot.parse_one(sql, read=dialect)  # what we emit, the dialect's parser reads back


def test_duckdb_sql_uses_bind_parameters_not_pasted_values(catalog: Catalog) -> None:
    q = MetricQuery(
        metrics=("gmv",),
        dimensions=("channel",),
        time_range=OCT,
        filters=(DimensionFilter("channel", ("x'; DROP TABLE fact_order; --",)),),
    )
    compiled = compile_query(catalog, q)
    assert "DROP TABLE" not in compiled.sql()
    assert "x'; DROP TABLE fact_order; --" in compiled.params.values()


def test_compile_is_deterministic(catalog: Catalog) -> None:
    for q in QUERIES.values():
        assert compile_query(catalog, q).sql() == compile_query(catalog, q).sql()
