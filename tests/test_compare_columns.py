"""Comparisons in the semantic layer: the same weekday a week earlier (week_ago), and filters on the
comparison columns of a compared query (`<id>_change_pct < -0.3`), which alert rules push into SQL."""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import replace

import pytest

from metrics.catalog.types import Catalog
from metrics.compiler import compile_query
from metrics.problems import UserError
from metrics.query import MetricFilter, MetricQuery, Operator, TimeRange
from metrics.service import SemanticLayer

AS_OF = dt.date(2026, 11, 20)
DAY = TimeRange(AS_OF, AS_OF)


def rows(layer: SemanticLayer, q: MetricQuery) -> dict[str, dict[str, object]]:
    r = layer.run(q)
    return {row[0]: dict(zip(r.result.names, row, strict=True)) for row in r.result.rows}


def test_week_ago_compares_with_the_same_days_a_week_earlier(layer: SemanticLayer) -> None:
    q = MetricQuery(("gmv", "orders"), DAY, ("channel",), compare="week_ago")
    compiled = layer.compile(q)
    assert compiled.compare_range == TimeRange(AS_OF - dt.timedelta(days=7), AS_OF - dt.timedelta(days=7))
    assert [c.name for c in compiled.columns if c.role == "compare"] == ["gmv_week_ago", "orders_week_ago"]
    got = rows(layer, q)
    now = rows(layer, MetricQuery(("gmv", "orders"), DAY, ("channel",)))
    before = rows(layer, MetricQuery(("gmv", "orders"), compiled.compare_range, ("channel",)))
    assert set(got) == set(now) == set(before)
    for c, row in got.items():
        assert row["gmv"] == now[c]["gmv"] and row["gmv_week_ago"] == before[c]["gmv"]
        assert row["orders_change"] == now[c]["orders"] - before[c]["orders"]  # type: ignore[operator]
    week = TimeRange(AS_OF - dt.timedelta(days=6), AS_OF)
    assert week.shifted("week_ago") == week.shifted("previous")  # a 7-day window: the previous week


@pytest.mark.parametrize(
    ("column", "op"), [("gmv_change_pct", "<"), ("gmv_change", ">="), ("gmv_previous", ">"), ("gmv", "<=")]
)
def test_filters_on_comparison_columns(layer: SemanticLayer, column: str, op: Operator) -> None:
    q = MetricQuery(("gmv",), DAY, ("channel",), compare="previous")
    everything = rows(layer, q)
    ordered = sorted(float(row[column]) for row in everything.values())  # type: ignore[arg-type]
    value = (ordered[1] + ordered[2]) / 2  # between two rows: no ties
    test = {"<": operator.lt, "<=": operator.le, ">=": operator.ge, ">": operator.gt}[op]
    expected = {c for c, row in everything.items() if test(row[column], value)}
    kept = rows(layer, replace(q, metric_filters=(MetricFilter(column, op, value),)))
    assert set(kept) == expected and 0 < len(expected) < len(everything)


def test_comparison_columns_exist_only_in_a_compared_query(catalog: Catalog) -> None:
    with pytest.raises(UserError, match="gmv_change_pct"):
        compile_query(catalog, MetricQuery(("gmv",), DAY, metric_filters=(MetricFilter("gmv_change_pct", "<", 0),)))
    yoy = MetricQuery(("gmv",), DAY, compare="yoy", metric_filters=(MetricFilter("gmv_previous", "<", 0),))
    with pytest.raises(UserError, match="gmv_previous"):
        compile_query(catalog, yoy)  # a year-over-year query has gmv_last_year, not gmv_previous
    compile_query(
        catalog, MetricQuery(("gmv",), DAY, compare="yoy", metric_filters=(MetricFilter("gmv_last_year", "<", 0),))
    )
