"""Text helpers for the time-word parser: normalisation, numbers and shared regex fragments."""

from __future__ import annotations

import re

# One character in, one character out, so offsets in the normalised text are offsets in the original.
_TABLE: dict[int, int | str] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_TABLE.update({ord(c): " " for c in "\u3000\u00a0"})
_TABLE.update({ord(c): "-" for c in "–—―‐‑−"})
_TABLE.update({ord("〜"): "~", ord("’"): "'", ord("‘"): "'", ord("￥"): "¥"})


def normalize(text: str) -> str:
    """Full-width → ASCII, dashes → '-', lower case; the result has exactly the length of `text`."""
    out = text.translate(_TABLE)
    lowered = out.lower()
    if len(lowered) == len(out):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in out)


def has_cjk(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in text)


def squash(text: str) -> str:
    """The text without any whitespace (a lookup key for phrase tables)."""
    return "".join(text.split())


CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
EN_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
}  # fmt: skip


def parse_int(token: str) -> int | None:
    """'7', '七', '十五', '二十一', 'seven' → int; None when it is not a number we read."""
    token = token.strip()
    if token.isascii() and token.isdigit():
        return int(token)
    if token in EN_NUMBERS:
        return EN_NUMBERS[token]
    return _parse_cn(token)


def _parse_cn(token: str) -> int | None:
    if not token or any(c not in CN_DIGITS and c != "十" for c in token):
        return None
    if "十" not in token:
        return CN_DIGITS[token] if len(token) == 1 else None
    tens, _, ones = token.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)


# A number starts here: not inside an identifier (SKU-00012, A10), a decimal or a path-like token.
NB = r"(?<![a-z0-9_./¥$])(?<![a-z_]-)"
CN_NUM = "[零〇一二两三四五六七八九十]{1,3}"
NUM = rf"(?:{NB}\d{{1,3}}(?![0-9])|{CN_NUM})"
EN_WORD_NUM = rf"(?<![a-z])(?:{'|'.join(sorted(EN_NUMBERS, key=len, reverse=True))})(?![a-z])"
EN_NUM = rf"(?:{NB}\d{{1,3}}(?![0-9])|{EN_WORD_NUM})"
YEAR4 = r"(?:19|20)\d{2}"
MM = r"(?:1[0-2]|0?[1-9])"
DD = r"(?:3[01]|[12]\d|0?[1-9])"
CN_MONTH = r"(?:十[一二]?|[一二三四五六七八九])"
CN_DAY = r"(?:[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
# Not an amount, a count or a size: 618元, 11.11%, 618件.
NOT_UNIT = (
    r"(?![0-9.%]|\s*(?:元|块|件|个|单|人|次|片|盒|瓶|包|袋|万|千|亿|倍|折|ml|kg|yuan|rmb|pcs|units?"
    r"|g(?![a-z])|w(?![a-z])|k(?![a-z])))"
)

MONTHS_EN = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")  # fmt: skip
MONTH_EN = rf"(?<![a-z])(?P<mn>{'|'.join(sorted(MONTHS_EN, key=len, reverse=True))})(?![a-z])\.?"

WEEKDAYS_EN = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
WEEKDAYS_ZH.update({str(i + 1): i for i in range(7)})
WEEKDAY_NAMES_ZH = "一二三四五六日"

ORDINALS_EN = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}

# Optional year before a month, day, quarter, half or promotion ("2025年", "去年", "last year's", "2025 ").
YEAR_PREFIX_ZH = rf"(?:{NB}(?P<y>{YEAR4})(?![0-9])\s*年?\s*的?\s*|(?P<ry>去年|今年|前年|明年|本年)\s*的?\s*)?"
YEAR_PREFIX_EN = rf"(?:(?<![a-z])(?P<ry>last|this|next|previous)\s+year'?s\s+|{NB}(?P<y>{YEAR4})\s*)?"
# Optional year after an English month, day, quarter, half or promotion ("Oct 2026", "Q3 of last year").
YEAR_SUFFIX_EN = (
    rf"(?:\s*,?\s*(?:of\s+|in\s+)?(?P<y2>{YEAR4})(?![0-9])"
    r"|\s+(?:of\s+)?(?P<ry2>last|this|next|previous)\s+year(?![a-z]))?"
)
REL_YEARS = {"去年": -1, "今年": 0, "本年": 0, "前年": -2, "明年": 1, "last": -1, "previous": -1, "this": 0, "next": 1}


def compile_all(*patterns: str) -> re.Pattern[str]:
    """One pattern from alternatives (each a full regex)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns))
