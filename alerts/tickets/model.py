"""What the ticket store hands out: frozen values (rows are converted in ``rows.py``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from alerts.rules.model import Severity
from alerts.tickets.states import Action, Status

STORM_KEY = "__storm__"  # the entity key of a rule's grouped (storm) ticket
OutboxKind = Literal["ticket_opened", "ticket_updated", "escalated"]


@dataclass(frozen=True)
class Ticket:
    id: int
    ticket_no: str  # T-20261120-0042
    rule_id: str
    entity_key: str
    episode: int
    entity: dict[str, str]
    label: str
    severity: Severity
    status: Status
    owner: str
    escalation_level: int  # how many escalation steps have fired
    escalate_from: dt.datetime  # the escalation clock starts here (opened/notified, woken, reopened)
    first_seen: dt.datetime
    last_seen: dt.datetime
    ok_streak: int  # consecutive OK evaluations since it last fired
    snoozed_until: dt.datetime | None
    value: float | str | None
    threshold: str
    evidence: dict[str, Any]
    channels: tuple[str, ...]
    metric: str
    rule_names: dict[str, str]  # {"zh": …, "en": …}
    created_at: dt.datetime
    updated_at: dt.datetime
    acked_by: str | None = None
    event_seq: int = 0  # the seq of its last audit event

    @property
    def is_storm(self) -> bool:
        return self.entity_key == STORM_KEY


@dataclass(frozen=True)
class TicketEvent:
    """One immutable row of a ticket's audit trail."""

    id: int
    ticket_id: int
    seq: int
    at: dt.datetime
    action: Action
    actor: str
    platform: str
    from_status: Status | None
    to_status: Status
    note: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TicketHistory:
    ticket: Ticket
    events: tuple[TicketEvent, ...]  # oldest first


@dataclass(frozen=True)
class OutboxItem:
    id: int
    ticket_id: int
    event_id: int
    channel: str
    kind: OutboxKind
    payload: dict[str, Any]  # everything a card needs (payload.py)
    idempotency_key: str  # <ticket_no>#<event seq>@<channel>
    not_before: dt.datetime
    created_at: dt.datetime
    delivered_at: dt.datetime | None = None
    attempts: int = 0
    last_error: str | None = None


@dataclass(frozen=True)
class TicketMessage:
    ticket_id: int
    platform: str
    channel: str
    message_ref: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class ApplyReport:
    """What applying one evaluation did (ticket numbers)."""

    rule_id: str
    tick: str
    applied: bool  # False: this (rule, tick) was applied before — nothing changed
    opened: tuple[str, ...] = ()
    firing: tuple[str, ...] = ()  # active tickets that fired again (last_seen moved)
    changed: tuple[str, ...] = ()  # … of which the severity changed
    resolved: tuple[str, ...] = ()
    storm: str | None = None  # the grouped ticket, while the rule storms
    notifications: int = 0  # outbox rows written

    @property
    def skipped(self) -> bool:
        return not self.applied


@dataclass(frozen=True)
class EscalationReport:
    escalated: tuple[tuple[str, int, str], ...] = ()  # (ticket_no, new level, person)
    woken: tuple[str, ...] = ()
