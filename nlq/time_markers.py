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
_PREV_ZH = r"(?:上{1,2}一?个?(?:周|星期|礼拜|月|季度?|期)|前一(?:天|日|周|个?月|期)|昨天|昨日|上期|前一阶段)"
_VS_EN = r"(?<![a-z])(?:vs\.?|versus|compared?\s+(?:with|to)|against|relative\s+to|than)"
_YOY = re.compile(
    rf"(?:同|{_CONNECT_ZH})?\s*去年同期{_THEN_ZH}|同比(?:\s*(?:去年|上一?年)(?:同期)?)?|{_CONNECT_ZH}\s*(?:去年|上一?年){_THEN_ZH}"
    r"|(?<![a-z])(?:year[\s-]*(?:over|on)[\s-]*year|yoy|y/y|y-o-y)(?![a-z])"
    rf"|{_VS_EN}\s+(?:the\s+)?(?:same\s+(?:period|time|days?|week|month|quarter)\s+(?:of\s+|in\s+)?)?(?:last|previous|prior)"
    r"\s+year(?![a-z])|(?<![a-z])over\s+(?:last|previous|prior)\s+year(?![a-z])"
    rf"|{_VS_EN}\s+(?:the\s+same\s+(?:period|time)\s+)?(?:a|one)\s+year\s+(?:ago|earlier|before)(?![a-z])"
    r"|(?<![a-z])(?:the\s+)?same\s+(?:period|time|days?)\s+(?:of\s+|in\s+)?last\s+year(?![a-z])"
)
_PREVIOUS = re.compile(
    rf"(?:(?<![\u4e00-\u9fff0-9])(?:[日周月年]|季度?))?\s*环比(?:\s*{_PREV_ZH})?|{_CONNECT_ZH}\s*{_PREV_ZH}{_THEN_ZH}"
    r"|(?<![a-z])(?:day|week|month|quarter|period)[\s-]*(?:over|on)[\s-]*(?:day|week|month|quarter|period)(?![a-z])"
    r"|(?<![a-z])(?:wow|mom|dod|qoq|w/w|m/m|d/d|q/q)(?![a-z])"
    rf"|{_VS_EN}\s+(?:the\s+)?(?:previous|prior|preceding|last)\s+(?:period|week|month|day|quarter|\d+\s+days)(?![a-z])"
    rf"|{_VS_EN}\s+yesterday(?![a-z])"
)

_NO_AVG_ZH_BEFORE = r"(?<!平均)"
_NO_AVG_ZH_AFTER = r"(?!\s*(?:平均|均))"
_NO_AVG_EN_BEFORE = r"(?<![a-z])(?<!average )(?<!avg )(?<!mean )"
_NO_AVG_EN_AFTER = r"(?![a-z])(?!\s+(?:average|avg|mean|run[\s-]?rate))"
_GRAIN_WORDS: tuple[tuple[Grain, str, str], ...] = (
    ("day", "(?:每天|每日)(?!优)|每一天|按天|按日|逐日|逐天|分天|分日|日度|日维度",
     r"daily|by\s+day|by\s+date|day\s+by\s+day|day-by-day|each\s+day|every\s+day|per-day"),
    ("week", "每周|每个?星期|每个?礼拜|按周|按星期|逐周|分周|周度|周维度",
     r"weekly|by\s+week|week\s+by\s+week|week-by-week|each\s+week|every\s+week|per-week"),
    ("month", "每个?月|按月份?|逐月|分月|月度|月维度",
     r"monthly|by\s+month|month\s+by\s+month|month-by-month|each\s+month|every\s+month|per-month"),
)  # fmt: skip
_GRAINS = tuple(
    (grain, re.compile(rf"{_NO_AVG_ZH_BEFORE}(?:{zh}){_NO_AVG_ZH_AFTER}|{_NO_AVG_EN_BEFORE}(?:{en}){_NO_AVG_EN_AFTER}"))
    for grain, zh, en in _GRAIN_WORDS
)


def find_not_time(text: str) -> list[Span]:
    """Spans of thresholds and ranks ("低于7天", "top 10") that must not be read as time."""
    return [m.span() for m in _NOT_TIME.finditer(text)]


def find_compare(text: str) -> tuple[Comparison | None, list[Span]]:
    """The first comparison phrase's kind, and the spans of all of them."""
    found: list[tuple[int, int, Comparison]] = [(*m.span(), "yoy") for m in _YOY.finditer(text)]
    found += [(*m.span(), "previous") for m in _PREVIOUS.finditer(text)]
    found = [f for f in found if f[1] > f[0]]
    found.sort()
    return (found[0][2] if found else None), [(start, end) for start, end, _ in found]


def find_grain(text: str) -> tuple[Grain | None, list[Span]]:
    """The first grain word's grain, and the spans of all of them (每周 is a grain, not a period)."""
    found = sorted((*m.span(), grain) for grain, pattern in _GRAINS for m in pattern.finditer(text))
    return (found[0][2] if found else None), [(start, end) for start, end, _ in found]
