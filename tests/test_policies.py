"""Access policies: row filters injected into every query, metric visibility enforced."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics.problems import UserError
from metrics.query import DimensionFilter, MetricQuery, TimeRange
from metrics.service import SemanticLayer

OCT = TimeRange(dt.date(2026, 10, 1), dt.date(2026, 10, 31))


@pytest.mark.parametrize(
    "metrics,dims",
    [
        (("gmv", "orders", "aov"), ("channel",)),
        (("refund_rate", "refund_amount"), ("channel", "category")),
        (("conversion_rate", "visitors"), ("channel",)),
        (("ad_spend", "roi"), ("channel", "date")),
        (("complaint_rate",), ("channel", "warehouse")),
        (("repurchase_rate",), ("channel",)),
    ],
)
def test_douyin_ops_never_sees_another_channel(
    layer: SemanticLayer, metrics: tuple[str, ...], dims: tuple[str, ...]
) -> None:
    role = layer.role("douyin_ops")
    res = layer.run(MetricQuery(metrics=metrics, dimensions=dims, time_range=OCT), role)
    channel_at = res.result.names.index("channel_id")
    assert res.result.rows and {r[channel_at] for r in res.result.rows} == {"douyin"}


def test_restricted_totals_equal_the_unrestricted_douyin_slice(layer: SemanticLayer) -> None:
    role = layer.role("douyin_ops")
    total = layer.run(MetricQuery(metrics=("gmv", "buyers"), time_range=OCT), role).result.rows[0]
    sliced = layer.run(
        MetricQuery(metrics=("gmv", "buyers"), time_range=OCT, filters=(DimensionFilter("channel", ("douyin",)),))
    ).result.rows[0]
    full = layer.run(MetricQuery(metrics=("gmv",), time_range=OCT)).result.rows[0]
    assert total == sliced and total[0] < full[0]


def test_restricted_role_cannot_ask_for_another_channel(layer: SemanticLayer) -> None:
    with pytest.raises(UserError, match="may only see channel douyin"):
        layer.run(
            MetricQuery(metrics=("gmv",), time_range=OCT, filters=(DimensionFilter("channel", ("天猫",)),)),
            layer.role("douyin_ops"),
        )


def test_denied_and_unrestrictable_metrics_are_refused(layer: SemanticLayer) -> None:
    role = layer.role("douyin_ops")
    with pytest.raises(UserError, match="may not see"):
        layer.run(MetricQuery(metrics=("gross_margin",), time_range=OCT), role)
    with pytest.raises(UserError, match="cannot be limited"):
        layer.run(MetricQuery(metrics=("on_hand",), time_range=OCT), role)
    with pytest.raises(UserError, match="may not see"):
        layer.run(MetricQuery(metrics=("refund_rate",), time_range=OCT), layer.role("marketing"))


def test_region_role_sees_only_its_warehouses(layer: SemanticLayer) -> None:
    res = layer.run(
        MetricQuery(metrics=("on_hand", "units_sold"), dimensions=("warehouse",), time_range=OCT),
        layer.role("supply_chain_east"),
    )
    assert {r[0] for r in res.result.rows} == {"WH-SH"}


def test_unknown_role(layer: SemanticLayer) -> None:
    with pytest.raises(UserError, match="Unknown role 'douyin_op'") as err:
        layer.role("douyin_op")
    assert "douyin_ops" in err.value.text("en")
