"""A step: one change to one ticket, with its audit event and notification — what every path writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from alerts.tickets.model import OutboxKind, Ticket
from alerts.tickets.states import Action, target

SYSTEM = "system"


@dataclass(frozen=True)
class Step:
    before: Ticket | None  # None: a new ticket (id and number are filled in when it is written)
    after: Ticket
    action: Action | None  # None: a silent change (a value refreshed, an OK streak counted) — no event
    actor: str = SYSTEM
    platform: str = SYSTEM
    note: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    notify: OutboxKind | None = None  # one outbox row per channel of the ticket
    not_before: dt.datetime | None = None  # None: deliver now


def change(
    before: Ticket,
    action: Action | None,
    now: dt.datetime,
    *,
    actor: str = SYSTEM,
    platform: str = SYSTEM,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    notify: OutboxKind | None = None,
    not_before: dt.datetime | None = None,
    **changes: Any,
) -> Step:
    """The step for ``action`` on ``before`` (refused when the state machine does not allow it)."""
    status = target(action, before.status, before.ticket_no) if action is not None else before.status
    seq = before.event_seq + (1 if action is not None else 0)
    after = replace(before, **changes, status=status, updated_at=now, event_seq=seq)
    return Step(before, after, action, actor, platform, note, data or {}, notify, not_before)


def opening(ticket: Ticket, *, data: dict[str, Any] | None = None, not_before: dt.datetime | None = None) -> Step:
    return Step(
        None, replace(ticket, event_seq=1), "open", data=data or {}, notify="ticket_opened", not_before=not_before
    )
