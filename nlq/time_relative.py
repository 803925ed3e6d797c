"""Rules for time words relative to today: 上周/last week, 最近7天/last 7 days, 未来3天, 周一, 月初."""

from __future__ import annotations

import datetime as dt
import re

from metrics.query import TimeRange
from nlq.time_calendar import (
    LATEST,
    Atom,
    Rule,
    Unit,
    full_range,
    quarter_range,
    relative_range,
    rolling_range,
    week_start,
)
from nlq.time_text import EN_NUM, EN_WORD_NUM, NUM, WEEKDAY_NAMES_ZH, WEEKDAYS_EN, WEEKDAYS_ZH, parse_int, squash

_ZH_PHRASES: dict[Unit, dict[int, tuple[str, ...]]] = {
    "day": {0: ("今天", "今日", "今儿"), -1: ("昨天", "昨日", "昨儿"), -2: ("前天",), -3: ("大前天",),
            1: ("明天", "明日"), 2: ("后天",)},
    "week": {0: ("本周", "这周", "这个周", "本星期", "这星期", "这个星期", "本礼拜", "这礼拜", "这个礼拜"),
             -1: ("上周", "上个周", "上一周", "上星期", "上个星期", "上礼拜", "上个礼拜"),
             -2: ("上上周", "上上个周", "上上星期", "上上个星期", "上上礼拜", "上上个礼拜"),
             1: ("下周", "下个周", "下一周", "下星期", "下个星期", "下礼拜", "下个礼拜")},
    "month": {0: ("本月", "这个月", "这月", "本月份"), -1: ("上个月", "上月", "上一个月", "上一月", "上月份"),
              -2: ("上上个月", "上上月"), 1: ("下个月", "下月", "下一个月")},
    "quarter": {0: ("本季度", "本季", "这个季度", "这季度"),
                -1: ("上季度", "上个季度", "上一季度", "上一个季度", "上季"),
                -2: ("上上季度", "上上个季度"), 1: ("下季度", "下个季度", "下一季度")},
    "year": {0: ("今年", "本年", "本年度", "今年全年"), -1: ("去年", "去年全年", "上一年", "上年", "上年度"),
             -2: ("前年",), 1: ("明年",)},
    "weekend": {0: ("本周末", "这周末", "这个周末"), -1: ("上周末", "上个周末"), LATEST: ("周末",)},
}  # fmt: skip
_EN_PHRASES: dict[Unit, dict[int, tuple[str, ...]]] = {
    "day": {0: ("today",), -1: ("yesterday",), -2: ("the day before yesterday", "day before yesterday"),
            1: ("tomorrow",)},
    "week": {0: ("this week", "current week", "wtd", "week to date", "week-to-date"),
             -1: ("last week", "previous week", "prior week", "last calendar week"),
             -2: ("the week before last", "week before last"), 1: ("next week", "the coming week")},
    "month": {0: ("this month", "current month", "mtd", "month to date", "month-to-date"),
              -1: ("last month", "previous month", "prior month", "last calendar month"),
              -2: ("the month before last", "month before last"), 1: ("next month",)},
    "quarter": {0: ("this quarter", "current quarter", "qtd", "quarter to date", "quarter-to-date"),
                -1: ("last quarter", "previous quarter", "prior quarter"), 1: ("next quarter",)},
    "year": {0: ("this year", "current year", "ytd", "year to date", "year-to-date"),
             -1: ("last year", "previous year", "prior year"), -2: ("the year before last", "year before last"),
             1: ("next year",)},
    "weekend": {0: ("this weekend",), -1: ("last weekend",), LATEST: ("the weekend", "weekend")},
}  # fmt: skip
_NAMES: dict[tuple[Unit, int], tuple[str, str]] = {
    ("day", 0): ("今天", "today"), ("day", -1): ("昨天", "yesterday"),
    ("day", -2): ("前天", "the day before yesterday"), ("day", -3): ("大前天", "three days ago"),
    ("day", 1): ("明天", "tomorrow"), ("day", 2): ("后天", "the day after tomorrow"),
    ("week", 0): ("本周", "this week"), ("week", -1): ("上周", "last week"),
    ("week", -2): ("上上周", "the week before last"), ("week", 1): ("下周", "next week"),
    ("month", 0): ("本月", "this month"), ("month", -1): ("上个月", "last month"),
    ("month", -2): ("上上个月", "the month before last"), ("month", 1): ("下个月", "next month"),
    ("quarter", 0): ("本季度", "this quarter"), ("quarter", -1): ("上季度", "last quarter"),
    ("quarter", -2): ("上上季度", "the quarter before last"), ("quarter", 1): ("下季度", "next quarter"),
    ("year", 0): ("今年", "this year"), ("year", -1): ("去年", "last year"),
    ("year", -2): ("前年", "the year before last"), ("year", 1): ("明年", "next year"),
    ("weekend", 0): ("本周末", "this weekend"), ("weekend", -1): ("上周末", "last weekend"),
    ("weekend", LATEST): ("周末", "the weekend"),
}  # fmt: skip
_LOOKUP: dict[str, tuple[Unit, int]] = {
    squash(phrase): (unit, offset)
    for table in (_ZH_PHRASES, _EN_PHRASES)
    for unit, offsets in table.items()
    for offset, phrases in offsets.items()
    for phrase in phrases
}


def _phrases(table: dict[Unit, dict[int, tuple[str, ...]]]) -> list[str]:
    return sorted((p for offsets in table.values() for ps in offsets.values() for p in ps), key=len, reverse=True)


def _zh_alternation(phrases: list[str]) -> str:
    return "|".join(r"\s*".join(map(re.escape, phrase)) for phrase in phrases)


def _en_alternation(phrases: list[str]) -> str:
    return "|".join(r"\s*".join(map(re.escape, phrase.split())) for phrase in phrases)


# 本周一共 is 本周 + 一共, not 本周一; 本周日均 is 本周 + 日均 (handled by the weekday rule's look-aheads).
_RELATIVE_ZH = re.compile(_zh_alternation(_phrases(_ZH_PHRASES)))
_RELATIVE_EN = re.compile(rf"(?<![a-z])(?:{_en_alternation(_phrases(_EN_PHRASES))})(?![a-z])")


def _relative(m: re.Match[str], today: dt.date) -> Atom | None:
    unit, offset = _LOOKUP[squash(m.group(0))]
    zh, en = _NAMES[(unit, offset)]
    return Atom(relative_range(unit, offset, today), zh, en)


_UNITS: dict[str, Unit] = {
    "天": "day", "日": "day", "周": "week", "星期": "week", "礼拜": "week", "月": "month", "年": "year",
    "day": "day", "days": "day", "d": "day", "week": "week", "weeks": "week", "month": "month", "months": "month",
    "year": "year", "years": "year", "季度": "quarter", "quarter": "quarter", "quarters": "quarter",
}  # fmt: skip
_UNIT_ZH = {"day": "天", "week": "周", "month": "个月", "quarter": "个季度", "year": "年"}
_ZH_UNIT = r"(?P<u>天|日|周|星期|礼拜|月|季度|年)"
_EN_UNIT = r"(?P<u>days?|weeks?|months?|quarters?|years?)(?![a-z])"

_ROLLING_ZH = re.compile(rf"(?:最近|近|过去)\s*的?\s*(?P<n>{NUM}|半)\s*个?\s*{_ZH_UNIT}(?:\s*(?:以内|之内|内|里))?")
_ROLLING_EN = re.compile(
    rf"(?<![a-z])(?:the\s+)?(?:(?:last|past|previous|prior|trailing|recent|rolling)\s*(?P<n>\d{{1,3}}(?![0-9])|\s{EN_WORD_NUM})"
    rf"\s*-?\s*{_EN_UNIT}"
    r"|past\s+(?P<u1>day|week|month|year)(?![a-z]))"
    r"|(?<![a-z])l(?P<nd>\d{1,3})d(?![a-z0-9])"
)
_FULL_ZH = re.compile(
    rf"(?:最近|近|过去|前)\s*(?P<n>{NUM})\s*个?\s*(?:完整|整|自然)+\s*的?\s*(?P<u>周|星期|礼拜|个?月)"
)
_FULL_EN = re.compile(
    rf"(?<![a-z])(?:the\s+)?(?:last|past|previous|prior)\s+(?:(?P<n>{EN_NUM})\s+)?(?:full|complete|whole|calendar)\s+"
    r"(?P<u>weeks?|months?)(?![a-z])"
)
_FUTURE_ZH = re.compile(
    rf"(?:未来|接下来的?|今后|往后|之后的?|后面的?)\s*(?P<n>{NUM})\s*个?\s*(?P<u>天|日|周|星期|礼拜|月)(?:\s*(?:以内|之内|内|里))?"
)
_FUTURE_EN = re.compile(
    rf"(?<![a-z])(?:(?:within|in|over|during|for)\s+)?(?:the\s+)?(?:next|coming|upcoming|following)\s+(?P<n>{EN_NUM})\s+"
    rf"{_EN_UNIT}|(?<![a-z])within\s+(?P<n2>{EN_NUM})\s+(?P<u2>days?|weeks?|months?)(?![a-z])"
)


def _count_unit(m: re.Match[str]) -> tuple[int, Unit] | None:
    gd = m.groupdict()
    if gd.get("nd"):
        return int(gd["nd"]), "day"
    if gd.get("u1"):
        return 1, _UNITS[gd["u1"]]
    raw_n, raw_u = gd.get("n") or gd.get("n2"), gd.get("u") or gd.get("u2") or "week"
    if raw_n == "半":
        return (6, "month") if raw_u == "年" else None
    count = 1 if raw_n is None else parse_int(raw_n)
    unit = _UNITS.get(raw_u.lstrip("个"))
    if count is None or unit is None or not 0 < count <= 3660:
        return None
    return count, unit


def _rolling(m: re.Match[str], today: dt.date) -> Atom | None:
    found = _count_unit(m)
    if found is None:
        return None
    count, unit = found
    zh = "最近半年" if m.groupdict().get("n") == "半" else f"最近{count}{_UNIT_ZH[unit]}"
    en = f"past {unit}" if count == 1 else f"last {_plural(count, unit)}"
    return Atom(rolling_range(unit, count, today), zh, en, rolling=(count, unit))


def _future(m: re.Match[str], today: dt.date) -> Atom | None:
    found = _count_unit(m)
    if found is None or found[1] in ("quarter", "year"):
        return None
    count, unit = found
    rng = rolling_range(unit, count, today, future=True)
    return Atom(rng, f"未来{count}{_UNIT_ZH[unit]}", f"next {_plural(count, unit)}")


def _full(m: re.Match[str], today: dt.date) -> Atom | None:
    found = _count_unit(m)
    if found is None:
        return None
    count, unit = found
    zh = f"最近{count}个完整{'周' if unit == 'week' else '月'}"
    return Atom(full_range(unit, count, today), zh, f"last {count} full {unit}{'s' if count != 1 else ''}")


def _plural(count: int, unit: Unit) -> str:
    return f"{count} {unit}{'s' if count != 1 else ''}"


_WEEKDAY_ZH = re.compile(
    r"(?<!每)(?P<p>上上|上个|上一|上|本|这个|这|下个|下一|下)?\s*(?:周|星期|礼拜)(?P<w>[一二三四五六日天1-7])"
    r"(?!(?<=一)[共起样直下定般点些次个天周月年单件])(?!(?<=[日天])\s*均)"
)
_WEEKDAY_EN = re.compile(rf"(?<![a-z])(?:(?P<p>last|this|next|past)\s+)?(?P<w>{'|'.join(WEEKDAYS_EN)})(?![a-z])")
_WEEK_OFFSETS = {"上上": -2, "上个": -1, "上一": -1, "上": -1, "本": 0, "这个": 0, "这": 0,
                 "下个": 1, "下一": 1, "下": 1, "this": 0, "next": 1}  # fmt: skip
_WEEK_NAMES = {-2: ("上上周", "{} of the week before last"), -1: ("上周", "last week's {}"),
               0: ("本周", "this week's {}"), 1: ("下周", "next week's {}")}  # fmt: skip


def _weekday(m: re.Match[str], today: dt.date) -> Atom | None:
    token, prefix = m.group("w"), m.group("p")
    weekday = WEEKDAYS_EN[token] if token in WEEKDAYS_EN else WEEKDAYS_ZH[token]
    name = list(WEEKDAYS_EN)[weekday].capitalize()
    zh, en = f"周{WEEKDAY_NAMES_ZH[weekday]}", name
    if prefix in ("last", "past"):  # the latest such day before today
        day = today - dt.timedelta(days=(today.weekday() - weekday) % 7 or 7)
        en = f"last {name}"
    elif prefix is None:  # the latest such day, today included
        day = today - dt.timedelta(days=(today.weekday() - weekday) % 7)
    else:
        offset = _WEEK_OFFSETS[prefix]
        day = week_start(today) + dt.timedelta(weeks=offset, days=weekday)
        zh = _WEEK_NAMES[offset][0] + WEEKDAY_NAMES_ZH[weekday]
        en = _WEEK_NAMES[offset][1].format(name)
    return Atom(TimeRange(day, day), zh, en, kind="weekday", explicit=prefix is not None)


_ANCHOR_ZH = re.compile(
    r"(?P<month>(?:本月|这个月|这月)?月初)|(?P<year>(?:今年|本年)?年初)|(?P<quarter>(?:本|这个)?季度?初)|(?P<week>(?:本周|这周)?周初)"
)
_ANCHOR_EN = re.compile(
    r"(?<![a-z])(?:the\s+)?(?:start|beginning)\s+of\s+(?:the\s+|this\s+)?(?P<u>week|month|quarter|year)(?![a-z])"
)
_ANCHOR_NAMES = {
    "week": ("周初", "the start of the week"), "month": ("月初", "the start of the month"),
    "quarter": ("季初", "the start of the quarter"), "year": ("年初", "the start of the year"),
}  # fmt: skip


def _anchor(m: re.Match[str], today: dt.date) -> Atom | None:
    unit = m.groupdict().get("u") or next(key for key, value in m.groupdict().items() if value)
    if unit == "week":
        day = week_start(today)
    elif unit == "month":
        day = today.replace(day=1)
    elif unit == "quarter":
        day = quarter_range(today.year, (today.month - 1) // 3 + 1).start
    else:
        day = today.replace(month=1, day=1)
    zh, en = _ANCHOR_NAMES[unit]
    return Atom(TimeRange(day, day), zh, en, kind="anchor")


RELATIVE_RULES: tuple[Rule, ...] = (
    (_RELATIVE_ZH, _relative),
    (_RELATIVE_EN, _relative),
    (_ROLLING_ZH, _rolling),
    (_ROLLING_EN, _rolling),
    (_FULL_ZH, _full),
    (_FULL_EN, _full),
    (_FUTURE_ZH, _future),
    (_FUTURE_EN, _future),
    (_WEEKDAY_ZH, _weekday),
    (_WEEKDAY_EN, _weekday),
    (_ANCHOR_ZH, _anchor),
    (_ANCHOR_EN, _anchor),
)
