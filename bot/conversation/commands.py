"""Chat commands in both languages, told apart from questions.

A message is a command when it *starts* with a command word followed by nothing, a space or
punctuation, or a ticket number: 认领 / ack, 转派 @李娜 / assign @李娜, 稍后处理 2小时 / snooze 2h,
关闭 已补货 / close restocked, 重开 / reopen, 我的工单 / tickets, 帮助 / help. Anything else is a
question for NLQ ("关闭的工单有几个" is a question: 关闭 is followed by a character). A command
without a ticket number acts on the ticket of the thread it was written in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from bot.tickets.steps import DEFAULT_SNOOZE

Verb = Literal["help", "tickets", "ack", "assign", "snooze", "close", "reopen"]
TICKET = re.compile(r"\bT-\d{8}-\d{4}\b", re.IGNORECASE)

_WORDS: dict[Verb, tuple[str, ...]] = {
    "help": ("help", "帮助", "?", "？"),
    "tickets": ("tickets", "my tickets", "我的工单", "工单列表"),
    "ack": ("ack", "acknowledge", "认领", "收到"),
    "assign": ("assign", "转派", "指派"),
    "snooze": ("snooze", "暂缓", "稍后处理", "稍后", "推迟"),  # 暂缓: the vocabulary's word; the rest too
    "close": ("close", "关闭", "关单"),
    "reopen": ("reopen", "重开", "重新打开"),
}
_BOUNDARY = r"(?=$|[\s:：,，.。!！]|T-\d)"
_UNITS = {"m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "分钟": 1, "分": 1,
          "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60, "小时": 60, "个小时": 60,
          "d": 1440, "day": 1440, "days": 1440, "天": 1440}  # fmt: skip
_DURATION = re.compile(
    r"(\d+(?:\.\d+)?)\s*(" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + r")(?![A-Za-z])"
)


@dataclass(frozen=True)
class Command:
    verb: Verb
    ticket: str | None = None  # T-…, upper-cased; None = the thread's ticket
    to: str | None = None  # assign: the person (without @)
    duration: dt.timedelta | None = None  # snooze
    note: str | None = None  # close / reopen / ack: the rest of the message
    mine: bool = True  # tickets: only the sender's


def _verb(text: str) -> tuple[Verb, str] | None:
    lowered = text.lower()
    for verb, words in _WORDS.items():
        for word in sorted(words, key=len, reverse=True):
            if lowered.startswith(word.lower()) and re.match(_BOUNDARY, text[len(word) :]):
                return verb, text[len(word) :]
    return None


def parse_command(text: str) -> Command | None:
    """The command in ``text``, or None when it is a question."""
    stripped = text.strip()
    found = _verb(stripped)
    if found is None:
        return None
    verb, rest = found
    ticket_match = TICKET.search(rest)
    ticket = ticket_match.group(0).upper() if ticket_match else None
    if ticket_match:
        rest = rest[: ticket_match.start()] + rest[ticket_match.end() :]
    rest = rest.strip(" \t:：,，.。!！")
    if verb == "assign":
        who = re.match(r"@?(\S+)", rest)
        if who is None:
            return Command("assign", ticket)  # the bot asks whom to
        return Command("assign", ticket, to=who.group(1), note=rest[who.end() :].strip() or None)
    if verb == "snooze":
        m = _DURATION.search(rest)
        minutes = float(m.group(1)) * _UNITS[m.group(2)] if m else None
        duration = dt.timedelta(minutes=minutes) if minutes else DEFAULT_SNOOZE
        note = (rest[: m.start()] + rest[m.end() :]).strip() if m else rest
        return Command("snooze", ticket, duration=duration, note=note or None)
    if verb == "tickets":
        return Command("tickets", mine=not re.search(r"\ball\b|全部|所有", rest))
    if verb == "help":
        return Command("help")
    return Command(verb, ticket, note=rest or None)
