"""The one vocabulary of tickets: each status and each verb has one zh and one en wording, used by the card,
its buttons, the confirmation of a step, the action-link page, the ticket list and the refusals alike.

It lives with the state machine (alerts/tickets/states.py, whose refusals use it), the lowest place every
reader shares: the bot's cards, confirmations and replies import it from here. Keyed by the state machine's
statuses and actions (a test holds the keys to ``STATUSES`` and ``ACTIONS``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Words:
    en: str
    zh: str

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Verb:
    """A ticket step: its name (``ack`` → acknowledge / 认领), its past (a confirmation: acknowledged / 认领了)
    and its button (Ack / 认领)."""

    name: Words
    done: Words
    button: Words


STATUS: dict[str, Words] = {
    "open": Words("open", "待处理"),
    "acknowledged": Words("acknowledged", "已认领"),
    "snoozed": Words("snoozed", "已暂缓"),
    "resolved": Words("resolved", "已恢复"),
    "closed": Words("closed", "已关闭"),
}

VERB: dict[str, Verb] = {
    "open": Verb(Words("open", "开启"), Words("opened", "开启了"), Words("Open", "开启")),
    "update": Verb(Words("update", "更新"), Words("updated", "更新了"), Words("Update", "更新")),
    "ack": Verb(Words("acknowledge", "认领"), Words("acknowledged", "认领了"), Words("Ack", "认领")),
    "assign": Verb(Words("assign", "转派"), Words("assigned", "转派了"), Words("Assign", "转派")),
    "snooze": Verb(Words("snooze", "暂缓"), Words("snoozed", "暂缓了"), Words("Snooze 2h", "暂缓 2 小时")),
    "wake": Verb(Words("wake", "唤醒"), Words("woke", "唤醒了"), Words("Wake", "唤醒")),
    "escalate": Verb(Words("escalate", "升级"), Words("escalated", "升级了"), Words("Escalate", "升级")),
    "resolve": Verb(Words("resolve", "恢复"), Words("resolved", "恢复了"), Words("Resolve", "恢复")),
    "close": Verb(Words("close", "关闭"), Words("closed", "关闭了"), Words("Close", "关闭")),
    "reopen": Verb(Words("reopen", "重开"), Words("reopened", "重开了"), Words("Reopen", "重开")),
}

HUMAN_VERBS: tuple[str, ...] = ("ack", "assign", "snooze", "close", "reopen")  # the steps people take

SEVERITY: dict[str, Words] = {"warning": Words("🟡 warning", "🟡 黄"), "critical": Words("🔴 critical", "🔴 红")}


def status_word(status: str, lang: str) -> str:
    """The status as people read it (an unknown status as is)."""
    words = STATUS.get(status)
    return words(lang) if words is not None else status


def severity_word(severity: str, lang: str) -> str:
    words = SEVERITY.get(severity)
    return words(lang) if words is not None else severity
