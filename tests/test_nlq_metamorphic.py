"""Metamorphic NLQ tests (issue 13): take a plain question the bot answers ("上周GMV", "orders last
month") and add one operation — a breakdown, a top/bottom N, a second named period, a comparison, a
filter. The reading must change in the matching field of the JSON answer (its dimensions, its row
limit and order, its periods, its filter), or the bot must clarify or refuse: never the same answer
with the added words silently dropped. Asked through the public API the CLI uses (nlq.ask.Asker)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from metrics.service import SemanticLayer
from nlq.ask import Asker

TODAY = dt.date(2026, 11, 20)
DECLINED = ("clarify", "refused")
# (zh, en) spellings of periods and flow metrics; the question a test starts from is "{p}{m}" / "{m} {p}"
PERIODS = [("上周", "last week"), ("本月", "this month"), ("昨天", "yesterday"), ("上个月", "last month")]
PREVIOUS = {
    "上周": ("上上周", "the week before"),
    "本月": ("上月同期", "the same days last month"),
    "昨天": ("前天", "the day before"),
    "上个月": ("上上个月", "the month before"),
}
METRICS = [
    ("GMV", "GMV"),
    ("订单数", "orders"),
    ("销量", "units sold"),
    ("退款金额", "refund amount"),
    ("买家数", "buyers"),
    ("访客数", "visitors"),
]
# dimensions: id, zh spellings, en singular, en plural
DIMS = [
    ("channel", ("渠道",), "channel", "channels"),
    ("category", ("品类", "类目"), "category", "categories"),
    ("province", ("省份", "省"), "province", "provinces"),
    ("warehouse", ("仓库", "仓"), "warehouse", "warehouses"),
]
NUMBERS = {2: ("2", "两", "two"), 3: ("3", "三", "three"), 5: ("5", "五", "five")}
FILTERS = [
    ("tmall", "天猫", "Tmall"),
    ("jd", "京东", "JD"),
    ("douyin", "抖音", "Douyin"),
    ("beauty", "美妆", "Beauty"),
    ("food", "食品", "Food"),
]
BREAKDOWN = {
    "zh": ["{p}各{d}的{m}", "{p}每个{d}的{m}", "{p}按{d}看{m}", "{p}{m}分{d}", "{p}{m}，按{d}拆一下"],
    "en": ["{m} by {d} {p}", "{m} per {d} {p}", "{p}, {m} for each {d}", "{m} {p} broken down by {d}"],
}
TOP = {
    "zh": ["{p}{m}最高的{n}个{d}", "{p}{m}前{n}名的{d}", "{p}{m}排前{n}名的{d}"],
    "en": ["top {n} {ds} by {m} {p}", "the {n} {ds} with the highest {m} {p}", "{p}, largest {n} {ds} by {m}"],
}
BOTTOM = {
    "zh": ["{p}{m}最低的{n}个{d}", "{p}{m}倒数{n}名的{d}", "{p}{m}最少的{n}个{d}"],
    "en": ["bottom {n} {ds} by {m} {p}", "the {n} {ds} with the lowest {m} {p}", "{p}, smallest {n} {ds} by {m}"],
}
SECOND = {
    "zh": ["{p}和{p2}的{m}分别是多少", "{p}、{p2}的{m}各是多少", "{p}与{p2}{m}分别多少"],
    "en": ["{m} {p} and {p2}, respectively", "{m} for {p} and for {p2}", "what was {m} {p}, and {p2}?"],
}
COMPARE = {
    "zh": ["{p}的{m}环比", "{p}{m}跟上期比", "{p}的{m}跟去年同期比", "{p}{m}同比", "{p}的{m}跟{prev}比"],
    "en": [
        "{m} {p} vs the previous period",
        "{m} {p} compared with the period before",
        "{m} {p} vs the same period last year",
        "{m} {p} year over year",
        "{m} {p} compared with {prev}",
    ],
}
FILTER = {
    "zh": ["{p}{v}的{m}", "只看{v}，{p}的{m}", "{v}{p}{m}多少"],
    "en": ["{m} for {v} {p}", "{p}, {m} for {v} only", "{v} {m} {p}"],
}
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

LANG = st.sampled_from(["zh", "en"])
PERIOD = st.integers(0, len(PERIODS) - 1)
METRIC = st.integers(0, len(METRICS) - 1)
DIM = st.integers(0, len(DIMS) - 1)
PICK = st.integers(0, 99)  # which template / spelling, taken modulo the number of choices


def words(lang: str, p: int, m: int) -> dict[str, str]:
    i = int(lang == "en")
    return {"p": PERIODS[p][i], "m": METRICS[m][i], "prev": PREVIOUS[PERIODS[p][0]][i]}


class Bot:
    """One Asker over the session's small warehouse; answers cached by question text."""

    def __init__(self, layer: SemanticLayer) -> None:
        self.asker = Asker(layer)
        self.cache: dict[str, dict[str, Any]] = {}

    def __call__(self, question: str) -> dict[str, Any]:
        if question not in self.cache:
            answer, _ = self.asker.ask(question, today=TODAY)
            self.cache[question] = answer.to_json()
        return self.cache[question]


@pytest.fixture(scope="module")
def bot(layer: SemanticLayer) -> Bot:
    return Bot(layer)


def answered_base(bot: Bot, lang: str, p: int, m: int) -> dict[str, Any]:
    w = words(lang, p, m)
    before = bot(f"{w['p']}{w['m']}" if lang == "zh" else f"{w['m']} {w['p']}")
    assume(before["status"] == "answered" and not before["dimensions"])
    return before


def numbers(ans: dict[str, Any]) -> int:
    return sum(isinstance(c, int | float) and not isinstance(c, bool) for r in ans["rows"] for c in r)


def reading(ans: dict[str, Any]) -> tuple[Any, ...]:
    return (ans["status"], ans.get("understood"), ans["dimensions"], ans["time_range"], ans["columns"], ans["rows"])


def check(before: dict[str, Any], after: dict[str, Any], changed: bool, what: str) -> None:
    """The added operation shows in the answer, or the bot asks or refuses; never the same answer."""
    question = after["question"]
    assert after["status"] != "error", f"{question!r}: {after['message']}"
    if after["status"] in DECLINED:
        return
    assert after["status"] == "answered", f"{question!r}: status {after['status']}"
    assert reading(after) != reading(before), (
        f"{question!r}: the same answer as {before['question']!r} ({what} ignored)"
    )
    if before.get("understood") is not None and after.get("understood") is not None:
        assert after["understood"] != before["understood"], f"{question!r}: the same reading ({what} ignored)"
    assert changed, (
        f"{question!r}: {what} not applied: dims {after['dimensions']}, {len(after['rows'])} rows, "
        f"columns {after['columns']}"
    )


@SETTINGS
@given(LANG, PERIOD, METRIC, DIM, PICK)
def test_a_breakdown_word_breaks_the_answer_down(bot: Bot, lang: str, p: int, m: int, d: int, k: int) -> None:
    before = answered_base(bot, lang, p, m)
    dim, zh, en, _ = DIMS[d]
    templates = BREAKDOWN[lang]
    after = bot(templates[k % len(templates)].format(**words(lang, p, m), d=zh[k % len(zh)] if lang == "zh" else en))
    check(before, after, dim in after["dimensions"], f"the breakdown by {dim}")


@SETTINGS
@given(LANG, PERIOD, METRIC, DIM, st.sampled_from(sorted(NUMBERS)), st.booleans(), PICK)
def test_a_ranking_limits_and_orders_the_rows(
    bot: Bot, lang: str, p: int, m: int, d: int, n: int, top: bool, k: int
) -> None:
    before = answered_base(bot, lang, p, m)
    dim, zh, _, ens = DIMS[d]
    templates = (TOP if top else BOTTOM)[lang]
    spelled = NUMBERS[n][k % 2] if lang == "zh" else NUMBERS[n][2 * (k % 2)]
    q = templates[k % len(templates)].format(**words(lang, p, m), n=spelled, d=zh[k % len(zh)], ds=ens)
    after = bot(q)
    values = [r[-1] for r in after["rows"]]
    in_order = all(isinstance(v, int | float) for v in values) and values == sorted(values, reverse=top)
    limited = re.search(rf"LIMIT\s+{n}\b", after.get("sql") or "") is not None
    applied = dim in after["dimensions"] and 0 < len(after["rows"]) <= n and limited and in_order
    check(before, after, applied, f"the {'top' if top else 'bottom'} {n} {ens}")


@SETTINGS
@given(LANG, PERIOD, PERIOD, METRIC, PICK)
def test_a_second_period_adds_its_values(bot: Bot, lang: str, p: int, p2: int, m: int, k: int) -> None:
    assume(p != p2)
    before = answered_base(bot, lang, p, m)
    templates = SECOND[lang]
    p2_word = PERIODS[p2][int(lang == "en")]
    after = bot(templates[k % len(templates)].format(**words(lang, p, m), p2=p2_word))
    check(before, after, numbers(after) >= 2 * numbers(before), f"the second period {p2_word}")


@SETTINGS
@given(LANG, PERIOD, METRIC, PICK)
def test_a_comparison_adds_the_other_period(bot: Bot, lang: str, p: int, m: int, k: int) -> None:
    before = answered_base(bot, lang, p, m)
    templates = COMPARE[lang]
    after = bot(templates[k % len(templates)].format(**words(lang, p, m)))
    check(before, after, numbers(after) >= 2 * numbers(before), "the comparison")


@SETTINGS
@given(LANG, PERIOD, METRIC, st.integers(0, len(FILTERS) - 1), PICK)
def test_a_filter_narrows_the_answer(bot: Bot, lang: str, p: int, m: int, f: int, k: int) -> None:
    before = answered_base(bot, lang, p, m)
    vid, zh, en = FILTERS[f]
    templates = FILTER[lang]
    after = bot(templates[k % len(templates)].format(**words(lang, p, m), v=zh if lang == "zh" else en))
    sql, base_sql = (after.get("sql") or "").lower(), (before.get("sql") or "").lower()
    check(before, after, f"'{vid}'" in sql and f"'{vid}'" not in base_sql, f"the filter on {en}")
