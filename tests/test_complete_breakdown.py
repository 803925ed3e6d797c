"""A complete breakdown lists every value of its dimension, 0 where nothing happened ("which provinces
had no refunds"), within the query's filters and the role's row filters, and says so via the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.problems import UserError
from metrics.query import DimensionFilter, MetricFilter, MetricQuery, TimeRange
from metrics.service import SemanticLayer

WEEK = TimeRange(dt.date(2026, 11, 9), dt.date(2026, 11, 15))
OPSBOT = str(Path(sys.executable).parent / "opsbot")


def test_values_with_nothing_are_listed_as_zero(layer: SemanticLayer) -> None:
    q = MetricQuery(
        ("refund_amount",), WEEK, ("province",), metric_filters=(MetricFilter("refund_amount", "=", 0),), complete=True
    )
    got = {r[0] for r in layer.run(q).result.rows}
    refunded = {
        r[0]
        for r in layer.warehouse.query(
            "SELECT DISTINCT o.province FROM fact_refund rf JOIN fact_order o ON o.order_id = rf.order_id "
            "WHERE rf.refund_ts >= TIMESTAMP '2026-11-09' AND rf.refund_ts < TIMESTAMP '2026-11-16'"
        ).rows
    }
    every = {v.id for v in layer.catalog.dimensions["province"].values}
    assert got and got == every - refunded


def test_the_lookup_universe_keeps_the_query_filters(layer: SemanticLayer) -> None:
    month = TimeRange(dt.date(2026, 11, 1), dt.date(2026, 11, 20))
    q = MetricQuery(
        ("units_sold",),
        month,
        ("sku",),
        filters=(DimensionFilter("category", ("beauty",)),),
        metric_filters=(MetricFilter("units_sold", "=", 0),),
        complete=True,
    )
    rows = layer.run(q).result.rows
    want = layer.warehouse.query(
        "SELECT COUNT(*) FROM dim_sku s WHERE s.category_id = 'beauty' AND NOT EXISTS ("
        " SELECT 1 FROM fact_order_item i JOIN fact_order o ON o.order_id = i.order_id"
        " WHERE i.sku_id = s.sku_id AND o.status <> 'cancelled'"
        " AND o.order_ts >= TIMESTAMP '2026-11-01' AND o.order_ts < TIMESTAMP '2026-11-21')"
    ).rows[0][0]
    assert len(rows) == want and all(r[-1] == 0 for r in rows)


@pytest.mark.parametrize(("role", "dim", "allowed"), [("douyin_ops", "channel", {"douyin"})])
def test_a_roles_row_filter_bounds_the_values_listed(
    layer: SemanticLayer, role: str, dim: str, allowed: set[str]
) -> None:
    q = MetricQuery(("orders",), WEEK, (dim,), complete=True)
    rows = layer.run(q, layer.catalog.roles[role]).result.rows
    assert {r[0] for r in rows} == allowed


def test_a_complete_breakdown_by_date_is_refused(layer: SemanticLayer) -> None:
    with pytest.raises(UserError):
        layer.run(MetricQuery(("orders",), WEEK, ("date",), complete=True))


def test_a_complete_list_with_a_comparison_is_refused_clearly(layer: SemanticLayer) -> None:
    """Found by the compiler's property test: the filled list had no previous-period columns, so the engine
    raised a binder error (an internal error to the user); now it is a user error naming what to ask instead."""
    day = TimeRange(dt.date(2026, 11, 20), dt.date(2026, 11, 20))
    q = MetricQuery(metrics=("ad_spend",), dimensions=("campaign",), time_range=day, compare="previous", complete=True)
    with pytest.raises(UserError) as err:
        layer.run(q)
    assert err.value.problems[0].code == "complete_compare"
    assert "separately" in err.value.text("en") and "分开" in err.value.text("zh")


def test_zero_lists_through_the_cli(cli_env: dict[str, str]) -> None:
    out = subprocess.run(
        [OPSBOT, "ask", "上周没有任何退款的省份", "--format", "json", "--as-of", "2026-11-20"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    doc = json.loads(out.stdout)
    assert doc["status"] == "answered" and doc["rows"] and all(r[-1] == 0 for r in doc["rows"])
    assert "省份" in doc["understood"]
