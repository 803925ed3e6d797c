"""Chat shorthand spelled out before a question is read: "douyin roi last wk" is "… last week"."""

from __future__ import annotations

import re

_WORDS = {
    "wk": "week",
    "wks": "weeks",
    "wkly": "weekly",
    "yr": "year",
    "yrs": "years",
    "mth": "month",
    "mths": "months",
    "yday": "yesterday",
    "ystd": "yesterday",
    "qtr": "quarter",
    "qtrs": "quarters",
}
_SHORT = re.compile(r"(?<![a-z0-9])(" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")(?![a-z0-9])", re.I)


def spell_out(question: str) -> str:
    """The question with chat abbreviations of periods written in full."""
    return _SHORT.sub(lambda m: _WORDS[m.group(1).lower()], question)
