"""Deliver the ticket outbox to the chat: one card per ticket and channel, updated in place.

Each outbox row names a channel ``platform:chat`` (e.g. ``slack:C0123``, ``web:#ops``). The first
delivery to a channel posts the card and remembers where it landed; later ones update that card.
A platform failure marked retryable (rate limit, 5xx) is retried with backoff (the platform's
Retry-After when it gives one); others are parked with the error for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from adapters.base import Adapter, DeliveryError, Message, MessageRef
from alerts.tickets.model import OutboxItem
from alerts.tickets.service import TicketService

MAX_BACKOFF_S = 15 * 60
PARKED = dt.timedelta(days=3650)  # a permanent failure is not retried (still visible with its error)
Render = Callable[[OutboxItem], Message]


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)  # idempotency keys
    updated: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def backoff(attempts: int, retry_after: float | None) -> float:
    return min(MAX_BACKOFF_S, retry_after if retry_after is not None else 5.0 * 2**attempts)


def ref_to_text(ref: MessageRef) -> str:
    return json.dumps({"chat": ref.chat, "id": ref.message_id, "thread": ref.thread, "extra": ref.extra})


def ref_from_text(platform: str, text: str) -> MessageRef:
    d = json.loads(text)
    return MessageRef(platform, d["chat"], d["id"], d.get("thread"), d.get("extra") or {})  # type: ignore[arg-type]


class Delivery:
    def __init__(
        self,
        service: TicketService,
        adapters: Mapping[str, Adapter],
        render: Render,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.service = service
        self.adapters = adapters
        self.render = render
        self.clock = clock

    def run_once(self, limit: int = 100) -> DeliveryReport:
        report = DeliveryReport()
        for item in self.service.pending_outbox(self.clock(), limit):
            self._deliver(item, report)
        return report

    def _deliver(self, item: OutboxItem, report: DeliveryReport) -> None:
        platform, _, chat = item.channel.partition(":")
        adapter = self.adapters.get(platform)
        if adapter is None:
            self.service.mark_failed(item.id, f"no adapter for platform {platform!r}", self.clock() + PARKED)
            report.failed.append(item.idempotency_key)
            return
        ticket_no = str(item.payload["ticket"]["ticket_no"])
        known = [m for m in self.service.messages(ticket_no) if m.platform == platform and m.channel == item.channel]
        message = self.render(item)
        try:
            if known:
                ref = adapter.update(ref_from_text(platform, known[0].message_ref), message)
                report.updated.append(item.idempotency_key)
            else:
                ref = adapter.send(chat, message)
                report.sent.append(item.idempotency_key)
        except DeliveryError as e:
            if e.retryable:
                wait = backoff(item.attempts, e.retry_after)
                self.service.mark_failed(item.id, str(e), self.clock() + dt.timedelta(seconds=wait))
                report.retrying.append(item.idempotency_key)
            else:
                self.service.mark_failed(item.id, str(e), self.clock() + PARKED)
                report.failed.append(item.idempotency_key)
            return
        self.service.mark_delivered(item.id, message_ref=ref_to_text(ref), platform=platform)
