"""The ticket state machine: statuses, actions, the transition table and bilingual refusals."""

from __future__ import annotations

from typing import Literal

from alerts.tickets.vocabulary import STATUS, VERB
from metrics.problems import UserError, user_error

Status = Literal["open", "acknowledged", "snoozed", "resolved", "closed"]
Action = Literal["open", "update", "ack", "assign", "snooze", "wake", "escalate", "resolve", "close", "reopen"]

STATUSES: tuple[Status, ...] = ("open", "acknowledged", "snoozed", "resolved", "closed")
ACTIVE: tuple[Status, ...] = ("open", "acknowledged", "snoozed")  # a breach of the same entity updates these
ACTIONS: tuple[Action, ...] = (
    "open",
    "update",
    "ack",
    "assign",
    "snooze",
    "wake",
    "escalate",
    "resolve",
    "close",
    "reopen",
)

# action → (statuses it is allowed from, status it leads to; None = unchanged). "open" creates a ticket.
TRANSITIONS: dict[Action, tuple[tuple[Status, ...], Status | None]] = {
    "open": ((), "open"),
    "update": (ACTIVE, None),
    "ack": (("open", "snoozed"), "acknowledged"),
    "assign": (("open", "acknowledged", "snoozed", "resolved"), None),
    "snooze": (("open", "acknowledged"), "snoozed"),
    "wake": (("snoozed",), "open"),
    "escalate": (("open",), None),
    "resolve": (ACTIVE, "resolved"),
    "close": (("open", "acknowledged", "snoozed", "resolved"), "closed"),
    "reopen": (("resolved", "closed"), "open"),
}


def allowed(action: Action, status: Status) -> bool:
    return status in TRANSITIONS[action][0]


def target(action: Action, status: Status, ticket_no: str) -> Status:
    """The status after ``action`` on a ticket in ``status``; a clear refusal when it is not allowed."""
    if not allowed(action, status):
        raise refusal(action, status, ticket_no)
    return TRANSITIONS[action][1] or status


def refusal(action: Action, status: Status, no: str) -> UserError:
    code = f"tickets.cannot_{action}"
    if status == "closed":
        return user_error(code, f"{no} is closed; reopen it first.", f"工单 {no} 已关闭，请先重开。")
    if status == "resolved" and action != "resolve":
        return user_error(code, f"{no} is resolved; reopen it first.", f"工单 {no} 已恢复，请先重开。")
    special = _SPECIAL.get((action, status))
    if special is not None:
        return user_error(code, special[0].format(no=no), special[1].format(no=no))
    en_verb, zh_verb = VERB[action].name.en, VERB[action].name.zh
    en_status, zh_status = STATUS[status].en, STATUS[status].zh
    return user_error(
        code, f"Cannot {en_verb} {no}: it is {en_status}.", f"无法{zh_verb}工单 {no}：当前状态为{zh_status}。"
    )


_SPECIAL: dict[tuple[Action, Status], tuple[str, str]] = {
    ("ack", "acknowledged"): ("{no} is already acknowledged.", "工单 {no} 已被认领。"),
    ("snooze", "snoozed"): ("{no} is already snoozed.", "工单 {no} 已在暂缓中。"),
    ("resolve", "resolved"): ("{no} is already resolved.", "工单 {no} 已恢复。"),
    ("escalate", "acknowledged"): ("{no} is acknowledged; it no longer escalates.", "工单 {no} 已被认领，不再升级。"),
    ("escalate", "snoozed"): ("{no} is snoozed; it escalates after it wakes.", "工单 {no} 暂缓中，唤醒后才会升级。"),
    ("wake", "open"): ("{no} is not snoozed.", "工单 {no} 没有在暂缓。"),
    ("wake", "acknowledged"): ("{no} is not snoozed.", "工单 {no} 没有在暂缓。"),
    ("reopen", "open"): ("{no} is still open; there is nothing to reopen.", "工单 {no} 仍在处理中，无需重开。"),
    ("reopen", "acknowledged"): ("{no} is still open; there is nothing to reopen.", "工单 {no} 仍在处理中，无需重开。"),
    ("reopen", "snoozed"): (
        "{no} is still open (snoozed); there is nothing to reopen.",
        "工单 {no} 仍在暂缓中，无需重开。",
    ),
}
