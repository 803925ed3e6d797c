"""The offline NLQ parser through its public API (Asker.ask) on a real warehouse: breakdowns,
filters, rankings, thresholds, follow-ups, clarifying questions and honest refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics.service import SemanticLayer
from nlq.ask import Asker
from nlq.understand import Context

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def asker(layer: SemanticLayer) -> Asker:
    return Asker(layer)


def ask(asker: Asker, q: str, context: Context | None = None):  # type: ignore[no-untyped-def]
    return asker.ask(q, today=TODAY, context=context)


def test_breakdown_in_both_languages_gives_the_same_numbers(asker: Asker) -> None:
    zh, _ = ask(asker, "上周各渠道的GMV是多少？")
    en, _ = ask(asker, "GMV by channel last week")
    assert zh.status == en.status == "answered"
    assert zh.rows == en.rows and zh.dimensions == ("channel",) and zh.metrics == ("gmv",)
    assert str(zh.time_range.start) == "2026-11-09" and "¥" in zh.message and "天猫" in zh.message  # type: ignore[union-attr]
    assert "Tmall" in en.message and "Definitions" not in en.message


def test_value_synonyms_filter(asker: Asker) -> None:
    a, _ = ask(asker, "只看美妆，上周天猫卖了多少钱")
    b, _ = ask(asker, "Tmall beauty GMV last week")
    assert a.status == b.status == "answered" and a.rows == b.rows and len(a.rows) == 1


def test_top_n_and_threshold(asker: Asker) -> None:
    top, _ = ask(asker, "top 3 SKUs by units sold last month")
    assert top.status == "answered" and len(top.rows) == 3
    values = [r[-1] for r in top.rows]
    assert values == sorted(values, reverse=True)
    low, _ = ask(asker, "可售天数低于7天的SKU")
    assert low.status == "answered" and all(r[-1] < 7 for r in low.rows)
    assert low.time_range is not None and low.time_range.start == low.time_range.end == TODAY


def test_follow_ups_resolve_against_the_previous_question(asker: Asker) -> None:
    first, ctx = ask(asker, "上周各渠道GMV")
    douyin, ctx2 = ask(asker, "那抖音呢？", ctx)
    assert douyin.status == "answered" and len(douyin.rows) == 1
    by_channel = {r[0]: r[-1] for r in first.rows}
    assert douyin.rows[0][-1] == pytest.approx(by_channel["douyin"])
    weekly, _ = ask(asker, "按周看", ctx2)
    assert weekly.status == "answered" and "date" in weekly.dimensions
    last_month, _ = ask(asker, "what about last month", ctx)
    assert last_month.status == "answered" and str(last_month.time_range.start) == "2026-10-01"  # type: ignore[union-attr]
    refunds, _ = ask(asker, "退款率呢", ctx)
    assert (
        refunds.status == "answered" and refunds.metrics == ("refund_rate",) and refunds.time_range == first.time_range
    )
    yoy, _ = ask(asker, "同比呢？", ctx)
    assert yoy.status == "answered" and "gmv_last_year" in yoy.columns and yoy.time_range == first.time_range
    beauty, _ = ask(asker, "只看美妆", ctx)
    assert beauty.status == "answered" and sum(r[-1] for r in beauty.rows) < sum(r[-1] for r in first.rows)


def test_unknown_names_are_said_not_ignored(asker: Asker) -> None:
    a, _ = ask(asker, "上周快手的GMV是多少")
    assert a.status == "refused" and "快手" in a.message
    typo, _ = ask(asker, "上周京冬的GMV是多少")
    assert typo.status == "refused" and "京东" in typo.message  # the nearest name is suggested
    b, _ = ask(asker, "GMV of SKU-99999 last week")
    assert b.status == "refused" and "SKU-99999" in b.message


def test_cannot_understand_says_what_it_can(asker: Asker) -> None:
    a, _ = ask(asker, "今天天气怎么样")
    assert a.status == "refused" and "成交金额" in a.message


def test_missing_period_for_a_flow_metric_is_a_clarifying_question(asker: Asker) -> None:
    a, _ = ask(asker, "各渠道的GMV")
    assert a.status == "clarify" and len(a.options) >= 3


def test_ambiguous_place_name_asks(asker: Asker) -> None:
    a, _ = ask(asker, "上周上海的订单数")  # the province 上海, or the Shanghai warehouse?
    assert a.status == "clarify" and len(a.options) == 2
    b, _ = ask(asker, "上海现在库存多少")  # stock has no province: only the warehouse fits
    assert b.status == "answered"


def test_not_sliceable_is_refused_with_the_reason(asker: Asker) -> None:
    a, _ = ask(asker, "上周各品类的转化率")
    assert a.status == "refused" and "转化率" in a.message


def test_words_it_cannot_use_are_reported_not_dropped(asker: Asker) -> None:
    for q in ("What were refunds by courier last month?", "How many orders were cancelled last week?"):
        a, _ = ask(asker, q)
        assert a.status == "refused", (q, a.message)
    a, _ = ask(asker, "How much did we spend on ads in Q3?")
    assert a.status == "answered" and a.metrics == ("ad_spend",)


def test_out_of_stock_skus_are_listed_and_counted(asker: Asker, layer: SemanticLayer) -> None:
    listed, _ = ask(asker, "现在缺货的SKU有哪些")
    assert listed.status == "answered" and listed.rows and all(r[-1] <= 0 for r in listed.rows)
    counted, _ = ask(asker, "How many SKUs are out of stock right now?")
    want = layer.warehouse.query(
        "SELECT COUNT(DISTINCT sku_id) FROM fact_inventory_daily WHERE snapshot_date = DATE '2026-11-20' "
        "AND on_hand - reserved <= 0"
    ).rows[0][0]
    assert counted.columns == ("sku_count",) and counted.rows == [[want]] and "available ≤ 0" in counted.message


def test_product_names_link_by_part_of_the_name(asker: Asker, layer: SemanticLayer) -> None:
    name, sku = layer.warehouse.query("SELECT name_zh, sku_id FROM dim_sku ORDER BY sku_id LIMIT 1").rows[0]
    base = name.split(" ")[0]
    same = layer.warehouse.query("SELECT COUNT(*) FROM dim_sku WHERE name_zh LIKE $p", {"p": f"%{base}%"}).rows[0][0]
    a, _ = ask(asker, f"{base}上个月的销量")
    if same == 1:
        assert a.status == "answered" and sku in a.message
    else:
        assert a.status == "clarify" and any(sku in o["label"] for o in a.options)


def test_role_scope_is_named_in_the_answer(asker: Asker, layer: SemanticLayer) -> None:
    a, _ = asker.ask("上周GMV", today=TODAY, role=layer.role("douyin_ops"))
    assert a.status == "answered" and "仅抖音" in a.message


def test_counted_superlatives_and_single_value_shares(asker: Asker) -> None:
    top, _ = ask(asker, "Which 3 categories had the highest refund rate last month?")
    assert top.status == "answered" and len(top.rows) == 3 and top.dimensions == ("category",)
    share, _ = ask(asker, "上周抖音的GMV占比")
    assert share.status == "answered" and len(share.rows) == 1 and share.rows[0][0] == "douyin"
    everyone, _ = ask(asker, "上周各渠道GMV占比")
    by_channel = {r[0]: r[-1] for r in everyone.rows}
    assert share.rows[0][-1] == pytest.approx(by_channel["douyin"]) and sum(by_channel.values()) == pytest.approx(1)


def test_excluded_values(asker: Asker) -> None:
    everyone, _ = ask(asker, "上周GMV")
    tmall, _ = ask(asker, "上周天猫的GMV")
    rest, _ = ask(asker, "GMV excluding Tmall last week")
    assert rest.status == "answered" and "excluding Tmall" in rest.message
    assert rest.rows[0][0] == pytest.approx(everyone.rows[0][0] - tmall.rows[0][0])
    others, _ = ask(asker, "除了天猫以外，上周各渠道的GMV")
    assert others.status == "answered" and {r[0] for r in others.rows} == {"jd", "douyin", "pdd", "app"}


def test_best_and_worst_follow_whether_less_of_the_metric_is_better(asker: Asker) -> None:
    """ "worst" refund rate is the highest one; "worst" GMV the lowest (catalog `better: lower`)."""
    for q, descending in (
        ("which 2 channels had the worst refund rate last month?", True),
        ("上个月退款率最好的2个渠道", False),
        ("上个月卖得最差的2个品类，按销售额", False),
        ("best 2 categories by GMV last month", True),
    ):
        a, _ = ask(asker, q)
        assert a.status == "answered" and len(a.rows) == 2, (q, a.message)
        values = [r[-1] for r in a.rows]
        assert values == sorted(values, reverse=descending), (q, values)
