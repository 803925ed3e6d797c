"""Words around periods: comparisons (同比/环比), grains (每天/weekly) and numbers that are not dates."""

from __future__ import annotations

import re
from typing import Literal

from metrics.query import Comparison
from nlq.time_text import CN_NUM, EN_NUMBERS, NB

Grain = Literal["day", "week", "month"]
Span = tuple[int, int]

_EN_WORD = "|".join(sorted(EN_NUMBERS, key=len, reverse=True))
_AMOUNT = rf"(?:{NB}\d+(?:\.\d+)?(?![0-9])|{CN_NUM}|(?<![a-z])(?:{_EN_WORD})(?![a-z]))"
# "低于7天", "less than 7 days", "top 10", "前10的SKU": a number here is a threshold or a rank, never a period.
_NOT_TIME = re.compile(
    rf"(?:低于|少于|不到|不足|小于|不超过|不多于|不少于|不低于|超过|大于|高于|多于|至少|最多|最少|<=?|>=?|≤|≥)\s*{_AMOUNT}"
    r"|(?<![a-z])(?:(?:less|fewer|more|greater|lower|higher)\s+than|under|below|above|over|at\s+(?:least|most)|up\s+to"
    rf"|no\s+(?:more|less)\s+than|exceed(?:s|ing)?)\s*{_AMOUNT}"
    rf"|(?<![a-z])(?:top|bottom)\s*{_AMOUNT}"
    rf"|前\s*(?:\d+|{CN_NUM})(?![0-9]|\s*个?\s*(?:完整|整|自然|季|天|日|周|星期|礼拜|月|年|小时))"
)

_CONNECT_ZH = r"(?:[跟和与较]|相较于?|相比于?|对比|比起?|比较|vs\.?|versus)"
_THEN_ZH = r"(?:\s*(?:相比|比较?|对比))?"
_PREV_ZH = r"(?:上{1,2}一?个?(?:周|星期|礼拜|月|季度?|期)|前一(?:天|日|周|个?月|期)|昨天|昨日|前天|上期|前一阶段)"
_VS_EN = r"(?<![a-z])(?:vs\.?|versus|compared?\s+(?:with|to)|against|relative\s+to|than)"
_YOY = re.compile(
    rf"(?:同|{_CONNECT_ZH})?\s*去年同期{_THEN_ZH}|同比(?:\s*(?:去年|上一?年)(?:同期)?)?|{_CONNECT_ZH}\s*(?:去年|上一?年){_THEN_ZH}"
    r"|(?<![a-z])(?:year[\s-]*(?:over|on)[\s-]*year|yoy|y/y|y-o-y)(?![a-z])"
    rf"|{_VS_EN}\s+(?:the\s+)?(?:same\s+(?:period|time|days?|week|month|quarter)\s+(?:of\s+|in\s+)?)?(?:last|previous|prior)"
    r"\s+year(?![a-z])|(?<![a-z])over\s+(?:last|previous|prior)\s+year(?![a-z])"
    rf"|{_VS_EN}\s+(?:the\s+same\s+(?:period|time)\s+)?(?:a|one)\s+year\s+(?:ago|earlier|before)(?![a-z])"
    r"|(?<![a-z])(?:the\s+)?same\s+(?:period|time|days?)\s+(?:of\s+|in\s+)?last\s+year(?![a-z])"
    r"|(?<![a-z])this\s+year(?:'s)?\s+(?:vs\.?|versus|against|compared\s+(?:with|to))\s+last\s+year(?:'s)?(?![a-z])"
    r"|今年\s*(?:和|跟|与|对比|vs\.?)\s*去年(?:相比|比|对比)?"
)
_PREVIOUS = re.compile(
    rf"(?:(?<![\u4e00-\u9fff0-9])(?:[日周月年]|季度?))?\s*环比(?:\s*{_PREV_ZH})?|{_CONNECT_ZH}\s*{_PREV_ZH}{_THEN_ZH}"
    r"|(?<![a-z])(?:day|week|month|quarter|period)[\s-]*(?:over|on)[\s-]*(?:day|week|month|quarter|period)(?![a-z])"
    r"|(?<![a-z])(?:wow|mom|dod|qoq|w/w|m/m|d/d|q/q)(?![a-z])"
    rf"|{_VS_EN}\s+(?:the\s+)?(?:previous|prior|preceding|last)\s+(?:period|week|month|day|quarter|\d+\s+days)(?![a-z])"
    rf"|{_VS_EN}\s+yesterday(?![a-z])"
    rf"|(?:{_CONNECT_ZH}\s*)?(?:再往前|再之前|再前|往前|之前|前面)的?\s*(?:{CN_NUM}|\d+)?\s*个?(?:天|日|周|星期|礼拜|月)(?:\s*(?:相比|比较?|对比|比一下))?"
    rf"|(?:{_VS_EN}\s+)?(?:the\s+)?(?:\w+\s+)?(?:days?|weeks?|fortnight|months?|period)\s+(?:before|prior)(?:\s+(?:that|it|then))?(?![a-z])(?!\s+(?:yesterday|last|this|the|\d))"
    rf"|{_VS_EN}\s+(?:the\s+)?(?:previous|prior|preceding)\s+(?:fortnight|two\s+weeks|\d+\s+weeks)(?![a-z])"
)

# the same days a week earlier (上周同期, vs the same days last week): this week so far against last week's
_WEEK_AGO = re.compile(
    rf"(?:{_CONNECT_ZH}\s*)?上一?个?(?:周|星期|礼拜)同期{_THEN_ZH}|(?:{_CONNECT_ZH}\s*)?一周前同期{_THEN_ZH}"
    rf"|{_VS_EN}\s+(?:the\s+)?same\s+(?:days?|period|time)\s+(?:of\s+|in\s+)?(?:last|the\s+previous|the\s+prior)\s+week(?![a-z])"
    rf"|(?:{_VS_EN}\s+)?(?:the\s+)?same\s+days?\s+last\s+week(?![a-z])"
    rf"|{_VS_EN}\s+(?:a|one)\s+week\s+(?:ago|earlier|before)(?![a-z])"
)

_NO_AVG_ZH_BEFORE = r"(?<!平均)"
_NO_AVG_ZH_AFTER = r"(?!\s*(?:平均|均))"
_NO_AVG_EN_BEFORE = r"(?<![a-z])(?<!average )(?<!avg )(?<!mean )"
_NO_AVG_EN_AFTER = r"(?![a-z])(?!\s+(?:average|avg|mean|run[\s-]?rate))"
_GRAIN_WORDS: tuple[tuple[Grain, str, str], ...] = (
    ("day", "(?:每天|每日)(?!优)|每一天|按天|按日|逐日|逐天|分天|分日|日度|日维度",
     r"daily|by\s+day|by\s+date|day\s+by\s+day|day-by-day|each\s+day|every\s+day|per[\s-]day"),
    ("week", "每周|每个?星期|每个?礼拜|按周|按星期|逐周|分周|周度|周维度",
     r"weekly|by\s+week|week\s+by\s+week|week-by-week|each\s+week|every\s+week|per[\s-]week"),
    ("month", "每个?月|按月份?|逐月|分月|月度|月维度",
     r"monthly|by\s+month|month\s+by\s+month|month-by-month|each\s+month|every\s+month|per[\s-]month"),
)  # fmt: skip
_GRAINS = tuple(
    (grain, re.compile(rf"{_NO_AVG_ZH_BEFORE}(?:{zh}){_NO_AVG_ZH_AFTER}|{_NO_AVG_EN_BEFORE}(?:{en}){_NO_AVG_EN_AFTER}"))
    for grain, zh, en in _GRAIN_WORDS
)


def find_not_time(text: str) -> list[Span]:
    """Spans of thresholds and ranks ("低于7天", "top 10") that must not be read as time."""
    return [m.span() for m in _NOT_TIME.finditer(text)]


def compare_phrases(text: str) -> list[tuple[int, int, Comparison]]:
    """Every comparison phrase (同比, 环比, 跟上周比, vs last year) with its kind, in order."""
    week_ago: list[tuple[int, int, Comparison]] = [(*m.span(), "week_ago") for m in _WEEK_AGO.finditer(text)]
    found: list[tuple[int, int, Comparison]] = [(*m.span(), "yoy") for m in _YOY.finditer(text)]
    found += [(*m.span(), "previous") for m in _PREVIOUS.finditer(text)]
    found = [f for f in found if not any(w[0] < f[1] and f[0] < w[1] for w in week_ago)]  # 上周同期 ⊃ 上周
    return sorted(f for f in [*found, *week_ago] if f[1] > f[0])


def find_compare(text: str) -> tuple[Comparison | None, list[Span]]:
    """The first comparison phrase's kind, and the spans of all of them."""
    found = compare_phrases(text)
    return (found[0][2] if found else None), [(start, end) for start, end, _ in found]


# what closes a comparison with a second period: 跟双11当天比, 和上月底相比
COMPARE_TAIL = re.compile(r"\s*(?:相比|比较|对比|比一下|比一比|比)(?:\s*(?:怎么样|如何|呢))?")
# what joins two periods side by side: 8月和9月, 昨天、前天, September and October, this week vs last week
PERIOD_JOIN = re.compile(
    r"[#\s的]*(?P<c>(?:和|与|跟|及|以及|还有|、|,|，|对比|相比|比|比较)|(?<![a-z])(?:and|vs\.?|versus|(?:stacks?|measures?|stacked|measured)\s+up\s+against|against|compared?\s+(?:with|to|against)|or)(?![a-z]))\s*(?:(?:for|in|during|on|of|over)\s+)?(?:all\s+of\s+)?(?:the\s+)?$"
)
# now, said as the first of two periods: 目前库存和10月底相比, stock now vs the end of last month
NOW_WORD = re.compile(
    r"现在|目前|当前|此刻|眼下|(?<![a-z])(?:right\s+now|now|currently|today|at\s+the\s+moment)(?![a-z])"
)


def find_grain(text: str) -> tuple[Grain | None, list[Span]]:
    """The first grain word's grain, and the spans of all of them (每周 is a grain, not a period)."""
    found = sorted((*m.span(), grain) for grain, pattern in _GRAINS for m in pattern.finditer(text))
    return (found[0][2] if found else None), [(start, end) for start, end, _ in found]
