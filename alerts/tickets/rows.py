"""Rows ↔ values: the only place that knows both the tables and the dataclasses."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Row

from alerts.tickets.model import OutboxItem, Ticket, TicketEvent, TicketMessage

TICKET_FIELDS = tuple(f.name for f in dataclasses.fields(Ticket))
# what an update may change; the identity (rule, entity, episode, number, creation) never changes
MUTABLE = tuple(
    n for n in TICKET_FIELDS if n not in {"id", "ticket_no", "rule_id", "entity_key", "episode", "created_at"}
)


def ticket_values(t: Ticket, names: tuple[str, ...] = TICKET_FIELDS) -> dict[str, Any]:
    out = {n: getattr(t, n) for n in names}
    if "channels" in out:
        out["channels"] = list(t.channels)
    return out


def ticket(row: Row[Any]) -> Ticket:
    m = dict(row._mapping)
    m["channels"] = tuple(m["channels"])
    return Ticket(**{n: m[n] for n in TICKET_FIELDS})


def event(row: Row[Any]) -> TicketEvent:
    return TicketEvent(**dict(row._mapping))


def outbox_item(row: Row[Any]) -> OutboxItem:
    return OutboxItem(**dict(row._mapping))


def message(row: Row[Any]) -> TicketMessage:
    m = dict(row._mapping)
    del m["id"]
    return TicketMessage(**m)
