"""Write steps inside the caller's transaction: tickets (insert / update), audit events, outbox rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update

from alerts.tickets import numbers
from alerts.tickets.payload import card
from alerts.tickets.rows import MUTABLE, TICKET_FIELDS, ticket_values
from alerts.tickets.schema import outbox, ticket_events, tickets
from alerts.tickets.steps import Step


def write(conn: Connection, steps: Sequence[Step], now: dt.datetime) -> list[Step]:
    """Write ``steps`` in order; returns them with new tickets' ids and numbers filled in."""
    done = _insert_new(conn, steps, now)
    changed = [ticket_values(s.after, MUTABLE) | {"b_id": s.after.id} for s in done if s.before is not None]
    if changed:
        conn.execute(update(tickets).where(tickets.c.id == bindparam("b_id")), changed)
    event_ids = _insert_events(conn, [s for s in done if s.action is not None], now)
    _insert_outbox(conn, [(s, event_ids[i]) for i, s in enumerate(_eventful(done)) if s.notify], now)
    return done


def _eventful(steps: Sequence[Step]) -> list[Step]:
    return [s for s in steps if s.action is not None]


def _insert_new(conn: Connection, steps: Sequence[Step], now: dt.datetime) -> list[Step]:
    new = [i for i, s in enumerate(steps) if s.before is None]
    if not new:
        return list(steps)
    nos = numbers.reserve(conn, now, len(new))
    named = {i: replace(steps[i].after, ticket_no=no) for i, no in zip(new, nos, strict=True)}
    cols = tuple(n for n in TICKET_FIELDS if n != "id")
    rows = [ticket_values(named[i], cols) for i in new]
    ids = conn.execute(insert(tickets).returning(tickets.c.id, sort_by_parameter_order=True), rows).scalars().all()
    out = list(steps)
    for i, ticket_id in zip(new, ids, strict=True):
        out[i] = replace(steps[i], after=replace(named[i], id=int(ticket_id)))
    return out


def _insert_events(conn: Connection, steps: Sequence[Step], now: dt.datetime) -> list[int]:
    if not steps:
        return []
    rows = [_event_row(s, now) for s in steps]
    stmt = insert(ticket_events).returning(ticket_events.c.id, sort_by_parameter_order=True)
    return [int(i) for i in conn.execute(stmt, rows).scalars().all()]


def _event_row(s: Step, now: dt.datetime) -> dict[str, Any]:
    return {
        "ticket_id": s.after.id,
        "seq": s.after.event_seq,
        "at": now,
        "action": s.action,
        "actor": s.actor,
        "platform": s.platform,
        "from_status": s.before.status if s.before is not None else None,
        "to_status": s.after.status,
        "note": s.note,
        "data": s.data,
    }


def _insert_outbox(conn: Connection, notices: Sequence[tuple[Step, int]], now: dt.datetime) -> None:
    rows = []
    for step, event_id in notices:
        assert step.notify is not None
        for channel in step.after.channels:
            rows.append(
                {
                    "ticket_id": step.after.id,
                    "event_id": event_id,
                    "channel": channel,
                    "kind": step.notify,
                    "payload": card(step, step.notify, channel, now),
                    "idempotency_key": f"{step.after.ticket_no}#{step.after.event_seq}@{channel}",
                    "not_before": step.not_before or now,
                    "created_at": now,
                    "attempts": 0,
                }
            )
    if rows:
        conn.execute(insert(outbox), rows)
