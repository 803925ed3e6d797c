"""nlq.timewords: time words in Chinese and English questions → day range, comparison, grain."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from metrics.query import TimeRange
from nlq.timewords import TimeMatch, find_time

TODAY = dt.date(2026, 11, 20)  # a Friday; the eval set's as-of date


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def found(text: str, today: dt.date = TODAY) -> TimeMatch:
    match = find_time(text, today)
    assert match is not None, f"no time found in {text!r}"
    return match


def assert_range(text: str, start: str, end: str, today: dt.date = TODAY) -> TimeMatch:
    match = found(text, today)
    assert match.time_range == TimeRange(d(start), d(end)), f"{text!r} → {match.time_range}"
    assert match.explicit
    return match


# (question or phrase, first day, last day) with today = 2026-11-20
EVAL_PHRASES = [
    ("上周各渠道的GMV是多少？", "2026-11-09", "2026-11-15"),
    ("What was our total GMV yesterday?", "2026-11-19", "2026-11-19"),
    ("今天一共多少单？多少人下单？", "2026-11-20", "2026-11-20"),
    ("How many units did each category sell this month?", "2026-11-01", "2026-11-20"),
    ("上个月销售额前10的SKU", "2026-10-01", "2026-10-31"),
    ("Daily GMV for the last 7 days", "2026-11-14", "2026-11-20"),
    ("本月GMV跟去年同期比怎么样？", "2026-11-01", "2026-11-20"),
    ("What was the refund rate by channel last month?", "2026-10-01", "2026-10-31"),
    ("上周各渠道的访客数和转化率", "2026-11-09", "2026-11-15"),
    ("What was AOV last week?", "2026-11-09", "2026-11-15"),
    ("这个月各品类的客单价", "2026-11-01", "2026-11-20"),
    ("how did Douyin do last week? GMV, orders and buyers pls", "2026-11-09", "2026-11-15"),
    ("Ad spend and ROAS by channel last week", "2026-11-09", "2026-11-15"),
    ("上个月退款金额多少？", "2026-10-01", "2026-10-31"),
    ("Weekly order count for the last 4 full weeks", "2026-10-19", "2026-11-15"),
    ("上周GMV环比增长了多少？", "2026-11-09", "2026-11-15"),
    ("Gross margin by category this year", "2026-01-01", "2026-11-20"),
    ("上周订单量前5的省份", "2026-11-09", "2026-11-15"),
    ("How many complaints did we get in the last 7 days, and what's the complaint rate?", "2026-11-14", "2026-11-20"),
    ("上个月各仓的发货超时率", "2026-10-01", "2026-10-31"),
    ("What's our repeat purchase rate this month?", "2026-11-01", "2026-11-20"),
    ("双11期间一共卖了多少件？", "2026-11-01", "2026-11-11"),
    ("Average daily units sold by warehouse over the last 30 days", "2026-10-22", "2026-11-20"),
    ("有库存但最近30天一件都没卖出去的SKU有哪些？", "2026-10-22", "2026-11-20"),
    ("What were inventory turnover days by category last month?", "2026-10-01", "2026-10-31"),
    ("只看美妆，上周各渠道卖了多少钱？", "2026-11-09", "2026-11-15"),
    ("Sell-through rate by category this month", "2026-11-01", "2026-11-20"),
    ("最近7天", "2026-11-14", "2026-11-20"),
    ("in the last 7 days", "2026-11-14", "2026-11-20"),
]

RELATIVE = [
    ("今天", "2026-11-20", "2026-11-20"), ("today", "2026-11-20", "2026-11-20"),
    ("昨天", "2026-11-19", "2026-11-19"), ("昨日", "2026-11-19", "2026-11-19"), ("yesterday", "2026-11-19", "2026-11-19"),
    ("前天", "2026-11-18", "2026-11-18"), ("the day before yesterday", "2026-11-18", "2026-11-18"),
    ("本周", "2026-11-16", "2026-11-20"), ("这周", "2026-11-16", "2026-11-20"), ("this week", "2026-11-16", "2026-11-20"),
    ("上周", "2026-11-09", "2026-11-15"), ("上个星期", "2026-11-09", "2026-11-15"), ("last week", "2026-11-09", "2026-11-15"),
    ("the last week", "2026-11-09", "2026-11-15"), ("previous week", "2026-11-09", "2026-11-15"),
    ("上上周", "2026-11-02", "2026-11-08"), ("the week before last", "2026-11-02", "2026-11-08"),
    ("下周", "2026-11-23", "2026-11-29"), ("next week", "2026-11-23", "2026-11-29"),
    ("本月", "2026-11-01", "2026-11-20"), ("这个月", "2026-11-01", "2026-11-20"), ("this month", "2026-11-01", "2026-11-20"),
    ("MTD", "2026-11-01", "2026-11-20"),
    ("上个月", "2026-10-01", "2026-10-31"), ("上月", "2026-10-01", "2026-10-31"), ("last month", "2026-10-01", "2026-10-31"),
    ("上上个月", "2026-09-01", "2026-09-30"), ("the month before last", "2026-09-01", "2026-09-30"),
    ("今年", "2026-01-01", "2026-11-20"), ("this year", "2026-01-01", "2026-11-20"), ("YTD", "2026-01-01", "2026-11-20"),
    ("去年", "2025-01-01", "2025-12-31"), ("last year", "2025-01-01", "2025-12-31"),
    ("本季度", "2026-10-01", "2026-11-20"), ("this quarter", "2026-10-01", "2026-11-20"),
    ("上季度", "2026-07-01", "2026-09-30"), ("上一季度", "2026-07-01", "2026-09-30"),
    ("last quarter", "2026-07-01", "2026-09-30"),
    ("上周末", "2026-11-14", "2026-11-15"), ("last weekend", "2026-11-14", "2026-11-15"),
]  # fmt: skip

ROLLING = [
    ("最近7天", "2026-11-14", "2026-11-20"), ("近7天", "2026-11-14", "2026-11-20"), ("过去7天", "2026-11-14", "2026-11-20"),
    ("近七天", "2026-11-14", "2026-11-20"), ("最近7天内", "2026-11-14", "2026-11-20"),
    ("last 7 days", "2026-11-14", "2026-11-20"), ("past 7 days", "2026-11-14", "2026-11-20"),
    ("the last seven days", "2026-11-14", "2026-11-20"), ("last7days", "2026-11-14", "2026-11-20"),
    ("近30天", "2026-10-22", "2026-11-20"), ("over the last 30 days", "2026-10-22", "2026-11-20"),
    ("最近两周", "2026-11-07", "2026-11-20"), ("last 2 weeks", "2026-11-07", "2026-11-20"),
    ("last two weeks", "2026-11-07", "2026-11-20"), ("最近一周", "2026-11-14", "2026-11-20"),
    ("the past week", "2026-11-14", "2026-11-20"),
    ("近3个月", "2026-08-21", "2026-11-20"), ("last 3 months", "2026-08-21", "2026-11-20"),
    ("近一年", "2025-11-21", "2026-11-20"), ("近半年", "2026-05-21", "2026-11-20"),
    ("last 4 weeks", "2026-10-24", "2026-11-20"), ("近两个季度", "2026-05-21", "2026-11-20"),
    ("past 2 quarters", "2026-05-21", "2026-11-20"),
    ("the last 4 full weeks", "2026-10-19", "2026-11-15"), ("last 4 complete weeks", "2026-10-19", "2026-11-15"),
    ("最近4个完整周", "2026-10-19", "2026-11-15"), ("最近3个完整月", "2026-08-01", "2026-10-31"),
    ("last 3 full months", "2026-08-01", "2026-10-31"),
]  # fmt: skip

CALENDAR = [
    ("2026年10月", "2026-10-01", "2026-10-31"), ("10月", "2026-10-01", "2026-10-31"), ("十月", "2026-10-01", "2026-10-31"),
    ("10月份", "2026-10-01", "2026-10-31"), ("October", "2026-10-01", "2026-10-31"), ("Oct 2026", "2026-10-01", "2026-10-31"),
    ("GMV in May", "2026-05-01", "2026-05-31"), ("2026-10", "2026-10-01", "2026-10-31"),
    ("12月", "2025-12-01", "2025-12-31"), ("December", "2025-12-01", "2025-12-31"),  # the latest December that started
    ("11月", "2026-11-01", "2026-11-20"), ("去年10月", "2025-10-01", "2025-10-31"),
    ("October last year", "2025-10-01", "2025-10-31"),
    ("2026年", "2026-01-01", "2026-11-20"), ("2025年", "2025-01-01", "2025-12-31"),
    ("2025年全年", "2025-01-01", "2025-12-31"), ("in 2025", "2025-01-01", "2025-12-31"),
    ("2026-11-01", "2026-11-01", "2026-11-01"), ("2026/11/01", "2026-11-01", "2026-11-01"),
    ("11月11日", "2026-11-11", "2026-11-11"), ("11月11号", "2026-11-11", "2026-11-11"),
    ("Nov 11", "2026-11-11", "2026-11-11"), ("November 11th", "2026-11-11", "2026-11-11"),
    ("11 Nov", "2026-11-11", "2026-11-11"), ("Nov 11, 2025", "2025-11-11", "2025-11-11"),
    ("12月25日", "2025-12-25", "2025-12-25"),
    ("Q3", "2026-07-01", "2026-09-30"), ("三季度", "2026-07-01", "2026-09-30"), ("第三季度", "2026-07-01", "2026-09-30"),
    ("2026Q3", "2026-07-01", "2026-09-30"), ("2026年Q3", "2026-07-01", "2026-09-30"),
    ("third quarter", "2026-07-01", "2026-09-30"), ("Q3 2025", "2025-07-01", "2025-09-30"),
    ("去年第四季度", "2025-10-01", "2025-12-31"), ("Q4", "2026-10-01", "2026-11-20"),  # in progress → to today
    ("前三季度", "2026-01-01", "2026-09-30"), ("上半年", "2026-01-01", "2026-06-30"),
    ("下半年", "2026-07-01", "2026-11-20"), ("H1 2025", "2025-01-01", "2025-06-30"),
]  # fmt: skip

RANGES = [
    ("10月1日到15日", "2026-10-01", "2026-10-15"), ("10月1日至10月15日", "2026-10-01", "2026-10-15"),
    ("10月1日-15日", "2026-10-01", "2026-10-15"), ("10/1-10/15", "2026-10-01", "2026-10-15"),
    ("between Oct 1 and Oct 15", "2026-10-01", "2026-10-15"), ("from 2026-10-01 to 2026-10-15", "2026-10-01", "2026-10-15"),
    ("Oct 1–15", "2026-10-01", "2026-10-15"), ("Oct 1 to Oct 15", "2026-10-01", "2026-10-15"),
    ("10月1日和10月15日之间", "2026-10-01", "2026-10-15"), ("2025年10月1日到15日", "2025-10-01", "2025-10-15"),
    ("12月25日到1月5日", "2025-12-25", "2026-01-05"), ("11.1-11.11", "2026-11-01", "2026-11-11"),
    ("10.1至10.7", "2026-10-01", "2026-10-07"), ("Dec 25 2025 - Jan 5", "2025-12-25", "2026-01-05"),
    ("11月15日到11月25日", "2026-11-15", "2026-11-20"),  # no data after today
    ("10月到11月", "2026-10-01", "2026-11-20"), ("昨天到今天", "2026-11-19", "2026-11-20"),
    ("上周一到周三", "2026-11-09", "2026-11-11"), ("周一到周三", "2026-11-16", "2026-11-18"),
    ("since Monday", "2026-11-16", "2026-11-20"), ("本周一以来", "2026-11-16", "2026-11-20"),
    ("从周一开始", "2026-11-16", "2026-11-20"), ("since Oct 1", "2026-10-01", "2026-11-20"),
    ("10月以来", "2026-10-01", "2026-11-20"), ("自11月1日起", "2026-11-01", "2026-11-20"),
    ("11月1日至今", "2026-11-01", "2026-11-20"), ("from Oct 1 to now", "2026-10-01", "2026-11-20"),
    ("Oct 1 to date", "2026-10-01", "2026-11-20"), ("月初至今", "2026-11-01", "2026-11-20"),
    ("年初以来", "2026-01-01", "2026-11-20"), ("since the start of the month", "2026-11-01", "2026-11-20"),
    ("since 2025", "2025-01-01", "2026-11-20"),
    ("周一", "2026-11-16", "2026-11-16"), ("上周三", "2026-11-11", "2026-11-11"), ("周六", "2026-11-14", "2026-11-14"),
    ("last Monday", "2026-11-16", "2026-11-16"), ("周末", "2026-11-14", "2026-11-15"),
]  # fmt: skip

PROMOTIONS = [
    ("双11", "2026-11-01", "2026-11-11"), ("双十一", "2026-11-01", "2026-11-11"), ("11.11", "2026-11-01", "2026-11-11"),
    ("Double 11", "2026-11-01", "2026-11-11"), ("Singles' Day", "2026-11-01", "2026-11-11"),
    ("singles day", "2026-11-01", "2026-11-11"), ("双11大促期间", "2026-11-01", "2026-11-11"),
    ("双12", "2025-12-01", "2025-12-12"), ("双十二", "2025-12-01", "2025-12-12"), ("12.12", "2025-12-01", "2025-12-12"),
    ("Double 12", "2025-12-01", "2025-12-12"),
    ("618", "2026-06-01", "2026-06-18"), ("618大促", "2026-06-01", "2026-06-18"), ("6.18", "2026-06-01", "2026-06-18"),
    ("去年双11", "2025-11-01", "2025-11-11"), ("2025年双11", "2025-11-01", "2025-11-11"),
    ("last year's Double 11", "2025-11-01", "2025-11-11"), ("Double 11 2025", "2025-11-01", "2025-11-11"),
    ("2025年618", "2025-06-01", "2025-06-18"), ("今年双12", "2026-12-01", "2026-12-12"),
]  # fmt: skip

FUTURE = [
    ("下周", "2026-11-23", "2026-11-29"), ("下个月", "2026-12-01", "2026-12-31"), ("明天", "2026-11-21", "2026-11-21"),
    ("未来7天", "2026-11-21", "2026-11-27"), ("next 7 days", "2026-11-21", "2026-11-27"),
    ("in the next 7 days", "2026-11-21", "2026-11-27"), ("未来3天", "2026-11-21", "2026-11-23"),
    ("接下来3天", "2026-11-21", "2026-11-23"), ("within 3 days", "2026-11-21", "2026-11-23"),
    ("next 3 days", "2026-11-21", "2026-11-23"), ("未来两周", "2026-11-21", "2026-12-04"),
    ("哪些SKU未来7天会断货", "2026-11-21", "2026-11-27"), ("which SKUs will stock out within 3 days", "2026-11-21", "2026-11-23"),
]  # fmt: skip

NORMALISED = [
    ("最近７天", "2026-11-14", "2026-11-20"), ("上 周", "2026-11-09", "2026-11-15"), ("LAST WEEK", "2026-11-09", "2026-11-15"),
    ("Ｑ３", "2026-07-01", "2026-09-30"), ("１０月１日～１５日", "2026-10-01", "2026-10-15"),
    ("上周ＧＭＶ是多少？", "2026-11-09", "2026-11-15"), ("GMV上个月", "2026-10-01", "2026-10-31"),
    ("lastmonth GMV", "2026-10-01", "2026-10-31"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "start", "end"), EVAL_PHRASES)
def test_eval_question_periods(text: str, start: str, end: str) -> None:
    assert_range(text, start, end)


@pytest.mark.parametrize(
    ("text", "start", "end"), RELATIVE + ROLLING + CALENDAR + RANGES + PROMOTIONS + FUTURE + NORMALISED
)
def test_periods(text: str, start: str, end: str) -> None:
    assert_range(text, start, end)


@pytest.mark.parametrize(
    ("text", "today", "start", "end"),
    [
        ("last month", "2026-03-31", "2026-02-01", "2026-02-28"),
        ("上个月", "2026-03-31", "2026-02-01", "2026-02-28"),
        ("上个月", "2024-03-31", "2024-02-01", "2024-02-29"),
        ("近1个月", "2026-03-31", "2026-03-01", "2026-03-31"),
        ("近3个月", "2026-05-31", "2026-03-01", "2026-05-31"),
        ("上周", "2026-01-05", "2025-12-29", "2026-01-04"),
        ("本周", "2026-01-05", "2026-01-05", "2026-01-05"),
        ("this week", "2026-11-16", "2026-11-16", "2026-11-16"),
        ("上个月", "2026-01-05", "2025-12-01", "2025-12-31"),
        ("本季度", "2026-01-05", "2026-01-01", "2026-01-05"),
        ("上季度", "2026-01-05", "2025-10-01", "2025-12-31"),
        ("今年", "2026-01-01", "2026-01-01", "2026-01-01"),
        ("最近7天", "2026-01-03", "2025-12-28", "2026-01-03"),
        ("last 4 full weeks", "2026-01-07", "2025-12-08", "2026-01-04"),
        ("12月", "2026-01-05", "2025-12-01", "2025-12-31"),
        ("2月29日", "2025-03-01", "2024-02-29", "2024-02-29"),  # the latest Feb 29
        ("双11", "2026-11-05", "2025-11-01", "2025-11-11"),  # 2026's has not ended yet
        ("双11", "2026-11-11", "2026-11-01", "2026-11-11"),
        ("618", "2026-06-10", "2025-06-01", "2025-06-18"),
        ("2026年双11", "2026-11-05", "2026-11-01", "2026-11-05"),  # named year, in progress → to today
        ("Q3", "2026-08-15", "2026-07-01", "2026-08-15"),
        ("Q4", "2026-08-15", "2025-10-01", "2025-12-31"),
        ("下周", "2026-12-30", "2027-01-04", "2027-01-10"),
        ("since Monday", "2026-11-16", "2026-11-16", "2026-11-16"),
    ],
)
def test_other_as_of_dates(text: str, today: str, start: str, end: str) -> None:
    assert_range(text, start, end, d(today))


@pytest.mark.parametrize(
    ("text", "compare", "start", "end"),
    [
        ("本月GMV跟去年同期比怎么样？", "yoy", "2026-11-01", "2026-11-20"),
        ("上周GMV同比", "yoy", "2026-11-09", "2026-11-15"),
        ("上个月GMV比去年", "yoy", "2026-10-01", "2026-10-31"),
        ("本月和去年同期相比", "yoy", "2026-11-01", "2026-11-20"),
        ("GMV this month year over year", "yoy", "2026-11-01", "2026-11-20"),
        ("last week's GMV YoY", "yoy", "2026-11-09", "2026-11-15"),
        ("GMV last month vs last year", "yoy", "2026-10-01", "2026-10-31"),
        ("this month compared with last year", "yoy", "2026-11-01", "2026-11-20"),
        ("this month compared to the same period last year", "yoy", "2026-11-01", "2026-11-20"),
        ("双11同比", "yoy", "2026-11-01", "2026-11-11"),
        ("今年双11比去年双11", "yoy", "2026-11-01", "2026-11-11"),
        ("上周GMV环比增长了多少？", "previous", "2026-11-09", "2026-11-15"),
        ("本周GMV比上周", "previous", "2026-11-16", "2026-11-20"),
        ("本月比上个月", "previous", "2026-11-01", "2026-11-20"),
        ("上周较上期", "previous", "2026-11-09", "2026-11-15"),
        ("环比上周，本周怎么样", "previous", "2026-11-16", "2026-11-20"),
        ("本周vs上周", "previous", "2026-11-16", "2026-11-20"),
        ("GMV last week week over week", "previous", "2026-11-09", "2026-11-15"),
        ("last week WoW", "previous", "2026-11-09", "2026-11-15"),
        ("last month MoM", "previous", "2026-10-01", "2026-10-31"),
        ("last month month-over-month", "previous", "2026-10-01", "2026-10-31"),
        ("last week vs previous period", "previous", "2026-11-09", "2026-11-15"),
        ("this week compared to the previous week", "previous", "2026-11-16", "2026-11-20"),
        ("GMV this week vs last week", "previous", "2026-11-16", "2026-11-20"),
        ("上周", None, "2026-11-09", "2026-11-15"),
    ],
)
def test_comparisons(text: str, compare: str | None, start: str, end: str) -> None:
    assert assert_range(text, start, end).compare == compare


@pytest.mark.parametrize(
    ("text", "grain"),
    [
        ("最近30天每天的GMV", "day"), ("上个月每日订单量", "day"), ("本月按天看GMV", "day"), ("Daily GMV last week", "day"),
        ("GMV by day this month", "day"), ("上个月每周GMV", "week"), ("今年按周的订单量", "week"),
        ("weekly orders this year", "week"), ("orders by week in Q3", "week"), ("今年每月GMV", "month"),
        ("今年按月", "month"), ("monthly GMV in 2025", "month"), ("GMV by month this year", "month"),
        ("上个月GMV", None), ("Average daily units sold over the last 30 days", None), ("上周日均GMV", None),
        ("上周平均每天卖多少", None), ("daily average GMV last week", None), ("每日优选上个月卖了多少", None),
    ],
)  # fmt: skip
def test_grains(text: str, grain: str | None) -> None:
    assert found(text).grain == grain


@pytest.mark.parametrize(
    "text",
    [
        "可售天数低于7天", "库存少于10天的SKU", "Which SKUs have less than 7 days of cover right now?",
        "SKUs with under 7 days of cover", "可售天数<7天的SKU", "库存不到7天", "cover below 7 days",
        "销售额前10的SKU", "top 10 SKUs by GMV", "前十的商品", "SKU-00012的库存", "10片装面膜库存", "100ml的销量",
        "现在哪个仓缺货最严重？", "上海仓现在库存多少，可用的有多少？", "GMV超过618元的订单", "折扣11.11%",
        "sku A10 stock", "3/4 of orders", "价格1.5-2.5元", "ROAS 2.5", "sales may drop", "7天无理由退货", "每周GMV", "同比增长多少", "GMV WoW", "你好", "",
    ],
)  # fmt: skip
def test_no_time_words(text: str) -> None:
    assert find_time(text, TODAY) is None


def test_threshold_does_not_hide_the_period() -> None:
    match = assert_range("最近30天可售天数低于7天的SKU", "2026-10-22", "2026-11-20")
    assert match.spans == ((0, 5),)
    assert_range("SKUs with less than 7 days of cover, sales over the last 30 days", "2026-10-22", "2026-11-20")
    assert_range("SKU-00012上周销量", "2026-11-09", "2026-11-15")


def test_first_period_wins_and_weekday_words_are_not_misread() -> None:
    assert_range("上周和上上周的GMV", "2026-11-09", "2026-11-15")
    assert_range("昨天和前天", "2026-11-19", "2026-11-19")
    assert_range("本周一共卖了多少", "2026-11-16", "2026-11-20")  # 本周 + 一共, not 本周一
    assert_range("本周日均GMV", "2026-11-16", "2026-11-20")  # 本周 + 日均, not 本周日
    assert_range("截至昨天本月GMV", "2026-11-01", "2026-11-20")  # 截至昨天 is the cut-off
    assert_range("may I see GMV for last week", "2026-11-09", "2026-11-15")  # "may" is not May


def test_spans_cover_the_time_words() -> None:
    text = "本月GMV跟去年同期比怎么样？"
    match = found(text)
    assert [text[a:b] for a, b in match.spans] == ["本月", "跟去年同期比"]
    text = "Weekly order count for the last 4 full weeks"
    assert [text[a:b] for a, b in found(text).spans] == ["Weekly", "the last 4 full weeks"]
    text = "上周ＧＭＶ环比"  # full-width letters keep their offsets
    assert [text[a:b] for a, b in found(text).spans] == ["上周", "环比"]
    text = "from 2026-10-01 to 2026-10-15 by day"
    assert [text[a:b] for a, b in found(text).spans] == ["from 2026-10-01 to 2026-10-15", "by day"]


@pytest.mark.parametrize(
    ("text", "lang", "label"),
    [
        ("上周GMV", None, "上周（2026-11-09 至 2026-11-15）"),
        ("GMV last week", None, "last week (2026-11-09 – 2026-11-15)"),
        ("上周GMV", "en", "last week (2026-11-09 – 2026-11-15)"),
        ("GMV last week", "zh", "上周（2026-11-09 至 2026-11-15）"),
        ("昨天", None, "昨天（2026-11-19）"),
        ("最近7天", None, "最近7天（2026-11-14 至 2026-11-20）"),
        ("last 30 days", None, "last 30 days (2026-10-22 – 2026-11-20)"),
        ("双11期间", None, "2026年双11（2026-11-01 至 2026-11-11）"),
        ("Double 11", None, "Double 11 2026 (2026-11-01 – 2026-11-11)"),
        ("2026年10月", None, "2026年10月（2026-10-01 至 2026-10-31）"),
        ("October", None, "October 2026 (2026-10-01 – 2026-10-31)"),
        ("10月1日到15日", None, "2026-10-01 至 2026-10-15"),
        ("since Monday", None, "since Monday (2026-11-16 – 2026-11-20)"),
        ("本周一以来", None, "本周一以来（2026-11-16 至 2026-11-20）"),
        ("Q3", None, "Q3 2026 (2026-07-01 – 2026-09-30)"),
    ],
)
def test_labels(text: str, lang: str | None, label: str) -> None:
    match = find_time(text, TODAY, lang=lang)
    assert match is not None and match.label == label


def test_default_applies_when_no_period_is_named() -> None:
    default = TimeRange(d("2026-11-14"), d("2026-11-20"))
    match = find_time("各渠道GMV", TODAY, default=default)
    assert match == TimeMatch(default, None, None, (), "2026-11-14 至 2026-11-20", False)
    match = find_time("GMV by channel, year over year, weekly", TODAY, default=default)
    assert match is not None and not match.explicit
    assert (match.time_range, match.compare, match.grain) == (default, "yoy", "week")
    assert match.label == "2026-11-14 – 2026-11-20"
    named = find_time("上周各渠道GMV", TODAY, default=default)
    assert named is not None and named.explicit and named.time_range.start == d("2026-11-09")


def test_fast_enough() -> None:
    questions = [text for text, _, _ in EVAL_PHRASES + RANGES + PROMOTIONS]
    started = time.perf_counter()
    for _ in range(5):
        for text in questions:
            find_time(text, TODAY)
    per_question = (time.perf_counter() - started) / (5 * len(questions))
    assert per_question < 0.002, f"{per_question * 1000:.2f} ms per question"
