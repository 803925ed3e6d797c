"""Words that make a question a forecast question: a stockout to come (下周哪些SKU会断货, which SKUs
will stock out, 可售不到一周), forecast demand (下周预计卖多少, forecast units), a window counted
from tomorrow (3天内, within a week) and the bestseller qualifier (爆款, top sellers). Each is
found with the span it takes, so nothing else reads those words again."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from nlq.time_text import EN_WORD_NUM, NB, parse_int

Span = tuple[int, int]
Kind = Literal["stockouts", "demand"]

_N_ZH = r"(?P<n>\d{1,3}|[一二两三四五六七八九十]{1,3}|半)"
_U_ZH = r"\s*个?\s*(?P<u>天|日|周|星期|礼拜|月)"
_N_EN = rf"(?P<n>{NB}\d{{1,3}}(?![0-9])|{EN_WORD_NUM}|a|an)"
_U_EN = r"\s+(?P<u>days?|weeks?|months?)(?![a-z])"

# 断货 / 缺货 … but not the stockout-rate metric (缺货率, 断货比例)
_OUT_ZH = r"(?:断货|缺货|卖断货?|卖完|卖光|售罄|断仓|没货|无货)(?!\s*(?:率|比例|比率))"
_MODAL_ZH = r"(?:会|将会?|将要|要|可能会?|预计会?|预计将|预测会?|预估会?|即将|快要?|马上就?会?|有可能)"
_OUT_EN = (
    r"(?:stock(?:ed)?[\s-]*out|run\s+out(?:\s+of\s+stock)?|sell\s+out|go\s+out\s+of\s+stock"
    r"|be\s+(?:out\s+of\s+stock|stocked[\s-]*out|sold\s+out))(?![a-z])(?!\s+rate)"
)
_WILL_EN = (
    r"(?<![a-z])(?:will|'ll|going\s+to|gonna|likely\s+to|expected\s+to|projected\s+to|forecast(?:ed)?\s+to"
    r"|predicted\s+to|set\s+to|about\s+to)\s+(?:probably\s+)?"
)
_SAID_FUTURE = re.compile(
    rf"{_MODAL_ZH}\s*{_OUT_ZH}|{_OUT_ZH}\s*(?:风险|预警|预测)|(?:预计|预测|预估)\s*的?\s*{_OUT_ZH}"
    rf"|{_WILL_EN}{_OUT_EN}"
    r"|(?<![a-z])(?:projected|expected|forecast(?:ed)?|predicted|upcoming|future|coming)\s+stock[\s-]*outs?(?![a-z])"
    r"|(?<![a-z])stock[\s-]*outs?\s+(?:risks?|forecasts?|projections?)(?![a-z])"
    r"|(?<![a-z])at\s+risk\s+of\s+(?:a\s+)?(?:stock[\s-]*outs?|running\s+out|selling\s+out|stocking\s+out)(?![a-z])"
)
_NOT_FUTURE = re.compile(
    rf"(?<![会要能])(?:不会|不至于|不可能|不太可能)\s*{_OUT_ZH}|(?<![a-z])(?:won't|will\s+not|wont|not\s+going\s+to)\s+{_OUT_EN}"
)
# the bare word: a forecast only when the period asked about lies ahead (下周缺货的商品, stockouts next week)
_BARE = re.compile(
    rf"{_OUT_ZH}"
    r"|(?<![a-z])(?:stock[\s-]*outs?|stocking\s+out|run(?:s|ning)?\s+out(?:\s+of\s+stock)?|sell(?:s|ing)?\s+out"
    r"|(?:(?:be|go|goes|going)\s+)?out[\s-]+of[\s-]+stock)(?![a-z])(?!\s+rate)"
)
# 可售不到一周, 库存撑不过3天, won't last a week: stock runs out within the window
_COVER = (
    re.compile(
        r"(?:可售|可卖|够卖|能卖|库存(?:只)?(?:够|能)?)\s*(?:不到|不足|不够|不满|少于|低于|撑不过|撑不到|卖不到|卖不过)"
        rf"\s*{_N_ZH}{_U_ZH}(?!数)"
    ),
    re.compile(rf"(?:撑不过|撑不到|不够卖)\s*{_N_ZH}{_U_ZH}"),
    re.compile(
        r"(?<![a-z])(?:won't|will\s+not|wont|doesn't|does\s+not|don't|do\s+not)\s+last\s+(?:more\s+than\s+)?"
        rf"{_N_EN}{_U_EN}"
    ),
)
# 3天内 / 一周内 / within a week: days counted from tomorrow (未来3天 and within 3 days are time words)
_WITHIN = (
    re.compile(rf"(?<![近去来后续])\s*{_N_ZH}{_U_ZH}\s*(?:以内|之内|内)"),
    re.compile(rf"(?<![a-z])(?:within|in\s+(?:less|under)\s+(?:than\s+)?)\s*{_N_EN}{_U_EN}"),
)
_DEMAND = re.compile(
    r"(?:预计|预测|预估)\s*(?:能|会|可以|将|还能)?\s*(?:卖|销售|卖出|售出)\s*(?:多少|几)\s*(?:件|个|单位)?"
    r"|(?:预计|预测|预估)\s*的?\s*(?:销量|销售量|需求量?|件数)|(?:会|能|还能)\s*卖\s*(?:多少|几)(?!\s*个?\s*(?:天|日))\s*件?"
    r"|(?<![a-z])(?:forecast(?:ed)?|expected|projected|predicted)\s+(?:units(?:\s+sold)?|unit\s+sales|sales|demand|volume)"
    r"(?![a-z])|(?<![a-z])(?:demand|sales|unit)\s+forecast(?![a-z])"
    r"|(?<![a-z])how\s+(?:much|many(?:\s+units)?)\s+will\s+(?:we|it|they)\s+sell(?![a-z])|(?<![a-z])will\s+we\s+sell(?![a-z])"
)
# 预计, 预测, forecast: a forecast word alone (下周预计GMV) — a forecast question unless it is part of a
# forecast metric's own name (预计断货日期); it says what it asks of which metric
_FORECAST = re.compile(r"预计|预测|预估|(?<![a-z])(?:forecast(?:ed|s)?|projected|predicted)(?![a-z])")
# 会断货的数量, 个数: how many, said after the stockout words (a count by the dimensions asked)
_COUNT = re.compile(r"的?\s*(?:数量|个数|数目|总数)")
_BESTSELLERS = re.compile(
    r"爆款|爆品|畅销(?:品|款)?|热销(?:品|款)?|热卖(?:品|款)?"
    r"|(?<![a-z])(?:best|top|hot)[\s-]*sell(?:ers?|ing)(?![a-z])"
)
# 全国合计 / 总库存 / across all warehouses combined: the pooled reading (each SKU's stock over all its
# warehouses together) instead of the default, where stock runs out (SKU × warehouse)
_POOLED = re.compile(
    r"全国(?:合计|汇总|总计|加总|加起来|一起|范围)?|总库存|(?:各|所有|全部)仓(?:库)?(?:的?库存)?\s*(?:合计|加起来|合起来|汇总|一起|加总)"
    r"|全仓(?:合计|汇总|加起来)?|(?:库存)?(?:合计|汇总|加起来|合起来)(?=.*(?:断货|缺货|卖完|售罄))"
    r"|(?<![a-z])(?:across\s+all(?:\s+the)?\s+warehouses(?:\s+(?:combined|together))?|all\s+warehouses\s+(?:combined|together)"
    r"|(?:pooled|combined|total)\s+stock|nationwide|company[\s-]*wide)(?![a-z])"
)
_MOST = re.compile(r"(?:最|most|\d|[一二两三四五六七八九十])\s*$")  # 最畅销, the 5 best-selling: a ranking


@dataclass(frozen=True)
class Intent:
    """What makes a question a forecast question, and the words that said so."""

    kind: Kind
    spans: tuple[Span, ...]
    said_future: bool  # 会断货 / will stock out: a forecast even when no future time word follows
    window: int | None = None  # days from tomorrow: 3天内, 可售不到一周, within a week
    window_span: Span | None = None
    bestsellers: bool = False
    negated: bool = False  # 不会断货 / won't run out: what will NOT happen cannot be listed
    bare: bool = False  # only a forecast word (预计, forecast) said it: the metrics named decide
    pooled: bool = False  # 全国合计 / across all warehouses combined: SKU totals, not SKU × warehouse


def _days(m: re.Match[str]) -> int | None:
    raw, unit = m.group("n"), m.group("u")
    count = 1 if raw in ("a", "an") else (None if raw == "半" else parse_int(raw))
    if raw == "半" and unit in ("月",):
        return 15
    if count is None or not 0 < count <= 366:
        return None
    per = {"天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7, "月": 30}.get(unit)
    if per is None:
        per = 7 if unit.startswith("week") else 30 if unit.startswith("month") else 1
    return count * per


def _window(text: str, patterns: tuple[re.Pattern[str], ...]) -> tuple[int, Span] | None:
    for pattern in patterns:
        for m in pattern.finditer(text):
            days = _days(m)
            if days is not None:
                return days, m.span()
    return None


def bestseller_spans(text: str) -> list[Span]:
    """爆款, 畅销品, top sellers: the bestseller qualifier (not 最畅销 / the 5 best-selling, a ranking)."""
    return [m.span() for m in _BESTSELLERS.finditer(text) if not _MOST.search(text[max(0, m.start() - 4) : m.start()])]


def pooled_spans(text: str) -> list[Span]:
    """全国合计, 总库存, across all warehouses combined: the words that ask for SKU totals."""
    return [m.span() for m in _POOLED.finditer(text)]


def _pooled(intent: Intent | None, text: str) -> Intent | None:
    """A stockout question's pooled words, taken with the rest of its words."""
    if intent is None or intent.kind != "stockouts":
        return intent
    found = pooled_spans(text)
    return replace(intent, spans=(*intent.spans, *found), pooled=bool(found)) if found else intent


def find_intent(text: str) -> Intent | None:
    """A forecast question's intent in a normalised question, or None for any other question."""
    return _pooled(_find_intent(text), text)


def _find_intent(text: str) -> Intent | None:
    sellers = bestseller_spans(text)
    cover = _window(text, _COVER)
    negated = _NOT_FUTURE.search(text)
    said = _SAID_FUTURE.search(text)
    counted = [m.span() for m in _COUNT.finditer(text)]
    if cover is not None or said is not None or negated is not None:
        spans = [m.span() for m in _SAID_FUTURE.finditer(text)] + ([negated.span()] if negated else []) + counted
        window = cover or _window(text, _WITHIN)
        return Intent(
            "stockouts",
            tuple(spans + ([window[1]] if window else []) + sellers),
            True,
            window[0] if window else None,
            window[1] if window else None,
            bool(sellers),
            negated is not None,
        )
    bare = [m.span() for m in _BARE.finditer(text)]
    if bare:
        return _with_window(Intent("stockouts", (*bare, *counted), False), text, sellers)
    demand = [m.span() for m in _DEMAND.finditer(text)]
    if demand:
        return _with_window(Intent("demand", tuple(demand), True), text, sellers)
    said_forecast = [m.span() for m in _FORECAST.finditer(text)]
    if said_forecast:
        return _with_window(Intent("demand", tuple(said_forecast), True, bare=True), text, sellers)
    return None


def follow_up(kind: Kind, text: str) -> Intent:
    """A follow-up in a forecast thread (那上海仓呢, 3天内的呢, 只看爆款): the same question, maybe narrowed."""
    intent = _pooled(_with_window(Intent(kind, (), True), text, bestseller_spans(text)), text)
    assert intent is not None
    return intent


def _with_window(intent: Intent, text: str, sellers: list[Span]) -> Intent:
    """3天内 / within a week beside the words, and the bestseller qualifier (a window says it is ahead)."""
    found = _window(text, _WITHIN)
    if found is None:
        return replace(intent, spans=(*intent.spans, *sellers), bestsellers=bool(sellers))
    days, span = found
    return replace(
        intent,
        spans=(*intent.spans, span, *sellers),
        said_future=True,
        window=days,
        window_span=span,
        bestsellers=bool(sellers),
    )
