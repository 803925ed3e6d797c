"""One ticket step from the chat — ack, assign, snooze, close, reopen — with the chat's permissions.

Who acts and how a named assignee is found are the conversation's (bot/conversation/identity.py: ``Actor``
and ``Directory`` fit the two protocols below), so tickets need nothing of the conversation.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from alerts.tickets.model import Ticket
from alerts.tickets.service import TicketService
from metrics.problems import user_error

DEFAULT_SNOOZE = dt.timedelta(hours=2)


class Acting(Protocol):
    """The person taking the step."""

    @property
    def platform(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def audit_name(self) -> str: ...

    @property
    def may_close(self) -> bool: ...

    def check_may_use(self) -> None: ...


class Assignees(Protocol):
    def assignee(self, platform: str, token: str) -> str:
        """The person a step names (``@李娜``, a platform id …), as the audit log and the card name them."""
        ...


def step(
    service: TicketService,
    directory: Assignees,
    actor: Acting,
    verb: str,
    number: str,
    *,
    to: str | None = None,
    minutes: float | None = None,
    note: str | None = None,
) -> Ticket:
    actor.check_may_use()
    by, platform = actor.audit_name, actor.platform
    if verb == "ack":
        return service.ack(number, by=by, platform=platform, note=note)
    if verb == "assign":
        if not to:
            raise user_error("tickets.assign_whom", "Assign to whom? Name a person.", "转派给谁？请写明姓名。")
        return service.assign(number, to=directory.assignee(platform, to), by=by, platform=platform, note=note)
    if verb == "snooze":
        wait = dt.timedelta(minutes=minutes) if minutes else DEFAULT_SNOOZE
        return service.snooze(number, until=service.now() + wait, by=by, platform=platform, note=note)
    if verb == "close":
        if not actor.may_close:
            raise user_error(
                "tickets.may_not_close",
                f"{actor.name} may not close tickets (may_close: false in opsbot.yaml); ask the owner.",
                f"{actor.name} 没有关闭工单的权限（opsbot.yaml 中 may_close: false），请联系负责人。",
            )
        return service.close(number, by=by, platform=platform, note=note)
    if verb == "reopen":
        return service.reopen(number, by=by, platform=platform, note=note)
    raise user_error("tickets.unknown_step", f"Unknown ticket step {verb!r}.", f"未知的工单操作 {verb!r}。")
