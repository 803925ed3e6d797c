"""Each destination's delivery state for one ticket, from the state database (so `opsbot tickets show` can
tell it without the running bot): delivered (its card's last update), failing (since when, attempts, the
next try, the last error), parked (a permanent failure, not retried) or waiting (not tried yet).

An outbox row's ``last_error`` is ``<destination>: <error>; …`` (bot/delivery/cards.py), one per destination
that failed in its last attempt."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from alerts.tickets.service import TicketService

State = Literal["delivered", "failing", "parked", "waiting"]
PARKED_AFTER = dt.timedelta(days=365)  # a row not due for this long is parked (cards.py: PARKED)


@dataclass(frozen=True)
class DestinationState:
    destination: str
    state: State
    since: dt.datetime  # delivered: the card's last update; otherwise the oldest undelivered row
    attempts: int = 0
    next_try: dt.datetime | None = None
    last_error: str | None = None


def split_errors(text: str | None) -> dict[str, str]:
    """``"wecom:robot: HTTP 500; slack:C1: ratelimited"`` → {destination: error}."""
    out: dict[str, str] = {}
    for part in (text or "").split("; "):
        platform, sep, rest = part.partition(":")
        chat, sep2, error = rest.partition(": ")
        if sep and sep2 and platform and " " not in platform:
            out.setdefault(f"{platform}:{chat}", error)
    return out


def delivery_states(service: TicketService, ticket_no: str, now: dt.datetime) -> list[DestinationState]:
    states: dict[str, DestinationState] = {
        m.channel: DestinationState(m.channel, "delivered", m.updated_at) for m in service.messages(ticket_no)
    }
    for row in service.undelivered(ticket_no):
        errors = split_errors(row.last_error)
        if not errors and row.channel not in states:
            states[row.channel] = DestinationState(row.channel, "waiting", row.created_at)
        for dest, error in errors.items():
            if states.get(dest) is not None and states[dest].state in ("failing", "parked"):
                continue  # the oldest failing row says since when
            parked = row.not_before - now > PARKED_AFTER
            states[dest] = DestinationState(
                dest, "parked" if parked else "failing", row.created_at, row.attempts,
                None if parked else row.not_before, error,
            )  # fmt: skip
    return sorted(states.values(), key=lambda s: s.destination)
