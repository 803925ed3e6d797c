"""Answering a clarifying question through Asker.ask: a reply picking an option (its value, label or
number) answers the question that was pending, with the choice applied; any other text is asked anew."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

from metrics.query import DimensionFilter, MetricQuery, TimeRange
from metrics.service import SemanticLayer
from nlq.answer import Answer
from nlq.ask import Asker
from nlq.understand import Context
from nlq.understood import Option, Pending

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def asker(layer: SemanticLayer) -> Asker:
    return Asker(layer)


def ask(asker: Asker, q: str, context: Context | None = None) -> tuple[Answer, Context]:
    return asker.ask(q, today=TODAY, context=context)


def by_value(answer: Answer) -> dict[str, float]:
    return {str(r[0]): float(r[-1]) for r in answer.rows}


def period(value: str) -> TimeRange:
    start, end = (dt.date.fromisoformat(d) for d in value.split(".."))
    return TimeRange(start, end)


def test_a_period_is_chosen_by_value_label_or_number(asker: Asker, layer: SemanticLayer) -> None:
    clarify, ctx = ask(asker, "各渠道的GMV")
    assert clarify.status == "clarify" and ctx.pending is not None and ctx.pending.question == "各渠道的GMV"
    options = clarify.options
    for i, reply in enumerate((options[2]["value"], options[2]["label"], "3", "第3个")):
        a, after = ask(asker, reply, ctx)
        rng = period(options[2]["value"])
        assert a.status == "answered", (i, reply, a.message)
        assert a.dimensions == ("channel",) and a.metrics == ("gmv",) and a.time_range == rng
        assert a.message.startswith(f"{options[2]['label']}（{rng.start} 至 {rng.end}）")
        assert after.pending is None and after.query is not None and after.question == "各渠道的GMV"
    res = layer.run(MetricQuery(("gmv",), rng, ("channel",)), as_of=TODAY)
    expected = {str(r[0]): float(r[-1]) for r in res.result.rows}
    assert by_value(a) == pytest.approx(expected)
    yesterday, _ = ask(asker, "2", ctx)  # another option gives another period
    assert yesterday.status == "answered" and yesterday.time_range == period(options[1]["value"])


def test_a_choice_keeps_the_thread_for_follow_ups(asker: Asker) -> None:
    _, ctx = ask(asker, "各渠道的GMV")
    first, ctx = ask(asker, "最近7天", ctx)
    douyin, _ = ask(asker, "那抖音呢？", ctx)
    assert douyin.status == "answered" and len(douyin.rows) == 1 and douyin.time_range == first.time_range
    assert douyin.rows[0][-1] == pytest.approx(by_value(first)["douyin"])


def test_an_ambiguous_name_is_chosen(asker: Asker) -> None:
    clarify, ctx = ask(asker, "上周上海的订单数")
    assert clarify.status == "clarify"
    values = [o["value"] for o in clarify.options]
    warehouse = next(v for v in values if v.startswith("warehouse="))
    province = next(v for v in values if v.startswith("province="))
    wh, _ = ask(asker, warehouse, ctx)
    prov, _ = ask(asker, province, ctx)
    assert wh.status == prov.status == "answered" and wh.metrics == ("orders",)
    assert "上海仓" in wh.message and str(wh.time_range.start) == "2026-11-09"  # type: ignore[union-attr]
    assert "上海仓" not in prov.message and "上海" in prov.message
    assert wh.rows != prov.rows  # two different filters, two different numbers
    label = next(o["label"] for o in clarify.options if o["value"] == warehouse)
    again, _ = ask(asker, label, ctx)
    assert again.rows == wh.rows


def test_a_product_then_a_period(asker: Asker, layer: SemanticLayer) -> None:
    part = "保湿卸妆油"
    same = layer.warehouse.query("SELECT COUNT(*) FROM dim_sku WHERE name_zh LIKE $p", {"p": f"%{part}%"}).rows[0][0]
    if not 2 <= same <= 8:
        pytest.skip(f"{part} names {same} SKUs in this warehouse")
    which, ctx = ask(asker, f"{part}的销量")
    assert which.status == "clarify" and all(o["value"].startswith("sku=") for o in which.options)
    sku = which.options[1]["value"].removeprefix("sku=")
    when, ctx = ask(asker, "2", ctx)  # the SKU is chosen; the period is still missing
    assert when.status == "clarify" and ctx.pending is not None
    assert ctx.pending.question == f"{part}的销量" and ctx.pending.choices == (f"sku={sku}",)
    a, ctx = ask(asker, "本月", ctx)
    rng = TimeRange(TODAY.replace(day=1), TODAY)
    assert a.status == "answered" and a.time_range == rng and sku in a.message and ctx.pending is None
    res = layer.run(MetricQuery(("units_sold",), rng, filters=(DimensionFilter("sku", (sku,)),)), as_of=TODAY)
    assert float(a.rows[0][-1]) == pytest.approx(float(res.result.rows[0][-1] or 0))


def test_a_ranking_by_what(asker: Asker) -> None:
    clarify, ctx = ask(asker, "上周GMV最高的是哪个")
    assert clarify.status == "clarify" and "channel" in [o["value"] for o in clarify.options]
    a, _ = ask(asker, "渠道", ctx)
    assert a.status == "answered" and a.dimensions == ("channel",) and len(a.rows) == 1
    by_channel, _ = ask(asker, "上周各渠道的GMV")
    assert a.rows[0][-1] == pytest.approx(max(by_value(by_channel).values()))


def test_a_metric_then_a_period(asker: Asker) -> None:
    which, ctx = ask(asker, "各渠道卖得怎么样")
    assert which.status == "clarify"
    when, ctx = ask(asker, "销量", ctx)
    assert when.status == "clarify" and ctx.pending is not None and ctx.pending.choices == ("销量",)
    a, _ = ask(asker, "1", ctx)
    assert a.status == "answered" and a.metrics == ("units_sold",) and a.dimensions == ("channel",)
    assert a.time_range == TimeRange(TODAY, TODAY)


def test_other_text_is_a_new_question(asker: Asker) -> None:
    _, ctx = ask(asker, "各渠道的GMV")
    a, after = ask(asker, "上周各品类的订单数", ctx)
    assert a.status == "answered" and a.dimensions == ("category",) and a.metrics == ("orders",)
    assert after.pending is None
    b, cleared = ask(asker, "9", ctx)  # no 9th option: not a choice, and no question either
    assert b.status == "refused" and b.question == "9" and cleared.pending is None
    unknown, later = ask(asker, "5", after)  # a number with no clarification pending is no choice
    assert later.pending is None and unknown.question == "5"


def test_an_english_clarification(asker: Asker) -> None:
    clarify, ctx = ask(asker, "GMV by channel")
    assert clarify.status == "clarify" and clarify.lang == "en"
    a, _ = ask(asker, "yesterday", ctx)
    day = TODAY - dt.timedelta(days=1)
    assert a.status == "answered" and a.lang == "en" and a.time_range == TimeRange(day, day)
    assert a.message.startswith(f"yesterday ({day})") and "Tmall" in a.message
    zh, _ = ask(asker, "昨天各渠道的GMV")
    assert by_value(a) == pytest.approx(by_value(zh))


def test_a_forecast_period_is_chosen(asker: Asker) -> None:
    clarify, ctx = ask(asker, "forecast units")
    if clarify.status != "clarify":
        pytest.skip("the catalog has no forecast demand")
    a, _ = ask(asker, clarify.options[1]["label"], ctx)
    assert a.status == "answered" and a.time_range == period(clarify.options[1]["value"])


def test_a_pending_context_pickles() -> None:
    pending = Pending("各渠道的GMV", (Option("今天", "2026-11-20..2026-11-20"),), ("sku=SKU-00001",))
    ctx = Context(question="上周各渠道GMV", pending=pending)
    assert pickle.loads(pickle.dumps(ctx)) == ctx
    assert pending.pick(" 今天 ") == pending.pick("1") == pending.pick("第1个") == "2026-11-20..2026-11-20"
    assert pending.pick("2") is None and pending.pick("明天") is None


def test_a_clarification_context_pickles_with_its_query(asker: Asker) -> None:
    _, ctx = ask(asker, "上周各渠道GMV")
    _, ctx = ask(asker, "上周上海的订单数", ctx)
    assert ctx.pending is not None and ctx.query is not None  # the thread's query is kept for follow-ups
    back = pickle.loads(pickle.dumps(ctx))
    assert back == ctx
    a, _ = ask(asker, "1", back)
    assert a.status == "answered" and a.metrics == ("orders",)
