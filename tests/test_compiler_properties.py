"""Property: any MetricQuery built from the catalog's own words — metrics, slicings, filters, grains,
comparisons, rankings, roles, past and future periods — compiles and runs on the small test warehouse
or gives a clear user error (in both languages); never an internal error.

Queries over forecasts are compiled only (running them would fit forecasts, which is slow)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from metrics.catalog.load import load_catalog
from metrics.catalog.types import Catalog
from metrics.problems import UserError
from metrics.query import DimensionFilter, MetricFilter, MetricQuery, OrderBy, TimeRange
from metrics.service import SemanticLayer, uses_forecast
from tests.conftest import END

CATALOG: Catalog = load_catalog()
METRICS = sorted(m.id for m in CATALOG.public_metrics())
DIMENSIONS = sorted(CATALOG.dimensions)
ROLES = sorted(CATALOG.roles)
CHANNELS = ["tmall", "douyin", "jd", "pdd", "app"]
VALUES = ["tmall", "抖音", "nonexistent", "north", "SKU-0001"]
OPS = [">", ">=", "<", "<=", "=", "!="]


@st.composite
def queries(draw: st.DrawFn) -> tuple[MetricQuery, str | None]:
    metrics = tuple(draw(st.lists(st.sampled_from(METRICS), min_size=1, max_size=3, unique=True)))
    dimensions = tuple(draw(st.lists(st.sampled_from(DIMENSIONS), max_size=2, unique=True)))
    start = END + dt.timedelta(days=draw(st.integers(-900, 90)))
    end = start + dt.timedelta(days=draw(st.integers(0, 400)))
    compare = draw(st.sampled_from([None, "previous", "yoy", "other"]))
    compare_range = None
    if compare == "other":
        other = start - dt.timedelta(days=draw(st.integers(1, 400)))
        compare_range = TimeRange(other, other + (end - start))
    channel = st.builds(
        DimensionFilter,
        st.just("channel"),
        st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=2, unique=True).map(tuple),
        st.booleans(),
    )
    anything = st.builds(
        DimensionFilter,
        st.sampled_from(DIMENSIONS),
        st.lists(st.sampled_from(VALUES), min_size=1, max_size=2, unique=True).map(tuple),
        st.booleans(),
    )
    filters = tuple(draw(st.lists(st.one_of(channel, channel, channel, anything), max_size=1)))
    numbers = st.floats(-1e6, 1e6, allow_nan=False)
    having = tuple(
        MetricFilter(m, op, v)
        for m, op, v in draw(st.lists(st.tuples(st.sampled_from(metrics), st.sampled_from(OPS), numbers), max_size=2))
    )
    keys: list[str] = [*metrics, *dimensions]
    order = tuple(OrderBy(k, d) for k, d in draw(st.lists(st.tuples(st.sampled_from(keys), st.booleans()), max_size=2)))
    query = MetricQuery(
        metrics=metrics,
        time_range=TimeRange(start, end),
        dimensions=dimensions,
        grain=draw(st.sampled_from(["day", "week", "month"])),
        filters=filters,
        metric_filters=having,
        compare=compare,
        order_by=order,
        limit=draw(st.none() | st.integers(1, 50)),
        compare_range=compare_range,
        complete=draw(st.sampled_from([False, False, False, True])),
    )
    return query, draw(st.none() | st.sampled_from(ROLES))


def _run(layer: SemanticLayer, query: MetricQuery, role_id: str | None) -> Any:
    role = layer.role(role_id)
    compiled = layer.compile(query, role)
    if uses_forecast(compiled):
        return compiled
    return layer.run(query, role)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=queries())
def test_any_query_runs_or_is_a_clear_user_error(layer: SemanticLayer, case: tuple[MetricQuery, str | None]) -> None:
    query, role = case
    try:
        _run(layer, query, role)
        event("ran")
    except UserError as e:
        event(f"user error {e.problems[0].code}")
        for problem in e.problems:
            assert problem.code and problem.en and problem.zh, problem
            assert "internal" not in problem.code


@pytest.mark.parametrize("compare", [None, "previous"])
def test_a_repeat_metric_with_a_metric_built_on_it(layer: SemanticLayer, compare: str | None) -> None:
    """repeat_buyers beside repurchase_rate (repeat_buyers / buyers) once compiled two CTEs of one name."""
    query = MetricQuery(
        metrics=("repeat_buyers", "repurchase_rate"),
        time_range=TimeRange(END - dt.timedelta(days=29), END),
        dimensions=("channel",),
        compare=compare,  # type: ignore[arg-type]
    )
    result = layer.run(query)
    row = dict(zip([c.name for c in result.result.columns], result.result.rows[0], strict=True))
    assert 0 < row["repurchase_rate"] < 1 and row["repeat_buyers"] > 0
