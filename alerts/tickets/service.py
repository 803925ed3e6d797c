"""TicketService: the one entry point to tickets — apply evaluations, human actions, escalation, reads, outbox.

Every method is one transaction on the store. The clock is injected and returns aware UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from alerts.findings import Evaluation
from alerts.rules.model import Rule
from alerts.tickets import actions, outbox, queries, ticks
from alerts.tickets.apply import apply
from alerts.tickets.escalation import tick_escalations
from alerts.tickets.model import (
    ApplyReport,
    EscalationReport,
    OutboxItem,
    Ticket,
    TicketHistory,
    TicketMessage,
)
from alerts.tickets.store import Store

OUTBOX_LEASE_S = 120.0  # longer than one card's delivery with retries inside the adapter

__all__ = ["ApplyReport", "EscalationReport", "TicketService"]

Clock = Callable[[], dt.datetime]


class TicketService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self._clock = clock

    def now(self) -> dt.datetime:
        at = self._clock()
        if at.tzinfo is None:
            raise ValueError("the ticket clock must return aware datetimes")
        return at.astimezone(dt.UTC)

    # --- evaluations and time ---

    def apply(self, rule: Rule, evaluation: Evaluation, tick: str) -> ApplyReport:
        """Apply one evaluation, at most once per (rule, tick); ``TicketConflict`` when a concurrent
        writer won a race — nothing was written, the caller may retry."""
        return apply(self.store, rule, evaluation, tick, self.now())

    def tick_escalations(self, rules: Mapping[str, Rule], now: dt.datetime | None = None) -> EscalationReport:
        return tick_escalations(self.store, rules, now or self.now())

    # --- people ---

    def ack(self, ticket_no: str, *, by: str, platform: str = "cli", note: str | None = None) -> Ticket:
        now = self.now()
        return actions.act(self.store, ticket_no, now, actions.ack(actions.Who(by, platform, note), now))

    def assign(self, ticket_no: str, *, to: str, by: str, platform: str = "cli", note: str | None = None) -> Ticket:
        now = self.now()
        return actions.act(self.store, ticket_no, now, actions.assign(to, actions.Who(by, platform, note), now))

    def snooze(
        self, ticket_no: str, *, until: dt.datetime, by: str, platform: str = "cli", note: str | None = None
    ) -> Ticket:
        now = self.now()
        return actions.act(self.store, ticket_no, now, actions.snooze(until, actions.Who(by, platform, note), now))

    def close(self, ticket_no: str, *, by: str, platform: str = "cli", note: str | None = None) -> Ticket:
        now = self.now()
        return actions.act(self.store, ticket_no, now, actions.close(actions.Who(by, platform, note), now))

    def reopen(self, ticket_no: str, *, by: str, platform: str = "cli", note: str | None = None) -> Ticket:
        now = self.now()
        return actions.act(self.store, ticket_no, now, actions.reopen(actions.Who(by, platform, note), now))

    # --- reads ---

    def list_tickets(
        self, status: str | None = None, owner: str | None = None, rule_id: str | None = None
    ) -> list[Ticket]:
        with self.store.read() as conn:
            return queries.list_tickets(conn, status, owner, rule_id)

    def get(self, ticket_no: str) -> TicketHistory:
        with self.store.read() as conn:
            return queries.history(conn, actions.normal_no(ticket_no))

    # --- the outbox (for the chat layer's dispatcher) ---

    def pending_outbox(self, now: dt.datetime | None = None, limit: int = 100) -> list[OutboxItem]:
        with self.store.read() as conn:
            return outbox.pending(conn, now or self.now(), limit)

    def claim_outbox(
        self, owner: str, now: dt.datetime | None = None, limit: int = 100, lease_s: float = OUTBOX_LEASE_S
    ) -> list[OutboxItem]:
        """Due outbox rows that ``owner`` (one bot process) now holds a lease on, to deliver; marking one
        delivered or failed ends the lease. Several bots on one store: each row goes to one of them."""
        with self.store.write() as conn:
            return outbox.claim(conn, now or self.now(), limit, owner, dt.timedelta(seconds=lease_s))

    def claim_tick(self, job_id: str, tick: str, owner: str) -> bool:
        """Whether ``owner`` runs the scheduled ``job_id`` at ``tick``; only the first bot to ask does."""
        with self.store.write() as conn:
            return ticks.claim(conn, job_id, tick, owner, self.now())

    def mark_delivered(self, outbox_id: int, *, message_ref: str | None = None, platform: str | None = None) -> None:
        """Delivered; with ``message_ref`` also remember where the card is (platform: default the channel's
        prefix before ':')."""
        now = self.now()
        with self.store.write() as conn:
            got = outbox.delivered(conn, outbox_id, now)
            if message_ref is not None:
                where = platform or got.channel.split(":", 1)[0]
                outbox.remember(conn, got.ticket_id, where, got.channel, message_ref, now)

    def mark_failed(self, outbox_id: int, error: str, retry_at: dt.datetime) -> None:
        with self.store.write() as conn:
            outbox.failed(conn, outbox_id, error, retry_at)

    def record_message(self, ticket_no: str, platform: str, channel: str, ref: str) -> None:
        now = self.now()
        with self.store.write() as conn:
            ticket = queries.find(conn, actions.normal_no(ticket_no))
            outbox.remember(conn, ticket.id, platform, channel, ref, now)

    def messages(self, ticket_no: str) -> list[TicketMessage]:
        with self.store.read() as conn:
            return outbox.messages(conn, queries.find(conn, actions.normal_no(ticket_no)).id)

    def undelivered(self, ticket_no: str) -> list[OutboxItem]:
        """The ticket's outbox rows not delivered yet (waiting, retrying with their last error, or parked)."""
        with self.store.read() as conn:
            return outbox.undelivered(conn, queries.find(conn, actions.normal_no(ticket_no)).id)

    def cards_on(self, platform: str) -> list[tuple[str, TicketMessage]]:
        """Every ticket card on ``platform`` as (ticket_no, where it is), newest first: lets the chat layer
        tell which ticket a thread belongs to."""
        with self.store.read() as conn:
            return outbox.cards_on(conn, platform)
