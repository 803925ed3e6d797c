"""Ticket cards out of the outbox (alerts/tickets/outbox.py) into the chat: one card per ticket and destination,
updated in place.

An outbox row names a rule's channel (``web:#supply-chain``); ``destinations`` maps it to the places
it is posted (``slack:C0123``, ``wecom:robot``, ``web:#supply-chain`` …, from ``channels:`` in the
config). The first delivery to a destination posts the card and remembers where it landed (with the
event seq it shows); later ones update that card. A retry of a row skips the destinations that already
show its seq, so a card is never posted twice. A retryable platform failure (rate limit, 5xx) is
retried with backoff (the platform's Retry-After when it gives one); a permanent one parks the row
with the error for a person to look at. Pacing keeps to the platforms' rate limits per chat.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from adapters.base import Adapter, DeliveryError, Message, MessageRef
from adapters.destination import Destination
from alerts.tickets.model import OutboxItem
from alerts.tickets.service import TicketService
from bot.delivery.health import DestinationHealth, Notice
from bot.delivery.inbox_store import this_process

log = logging.getLogger("opsbot.delivery")

MAX_BACKOFF_S = 15 * 60
PARKED = dt.timedelta(days=3650)  # a permanent failure is not retried (still visible with its error)
# the least time between two posts by one sender (a chat, or a robot), per platform: Slack ~1/s per channel;
# robots 20/min
MIN_INTERVAL_S = {"slack": 1.0, "dingtalk": 3.0, "wecom": 3.0}
Render = Callable[[OutboxItem, Destination], Message]  # (item, destination) → the card for that destination


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)  # idempotency keys (@ the destination)
    updated: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    paced: list[str] = field(default_factory=list)  # waiting for the chat's rate limit


def backoff(attempts: int, retry_after: float | None) -> float:
    return min(MAX_BACKOFF_S, retry_after if retry_after is not None else 5.0 * 2**attempts)


def ref_to_text(ref: MessageRef, seq: int | None = None) -> str:
    doc: dict[str, object] = {"chat": ref.chat, "id": ref.message_id, "thread": ref.thread, "extra": ref.extra}
    if seq is not None:
        doc["seq"] = seq
    return json.dumps(doc, ensure_ascii=False)


def ref_from_text(platform: str, text: str) -> MessageRef:
    d = json.loads(text)
    return MessageRef(platform, d["chat"], d["id"], d.get("thread"), d.get("extra") or {})  # type: ignore[arg-type]


def _seq_of(text: str) -> int:
    try:
        return int(json.loads(text).get("seq", -1))
    except (ValueError, TypeError, AttributeError):
        return -1


def _same(channel: str) -> tuple[Destination, ...]:
    return (Destination.parse(channel),)


def _itself(dest: Destination) -> str:
    return str(dest)


class Delivery:
    def __init__(
        self,
        service: TicketService,
        adapters: Mapping[str, Adapter],
        render: Render,
        clock: Callable[[], dt.datetime],
        *,
        destinations: Callable[[str], tuple[Destination, ...]] = _same,
        pacing: Mapping[str, float] | None = None,
        sender: Callable[[Destination], str] = _itself,
        owner: str | None = None,
        health: DestinationHealth | None = None,
        lang: str = "en",
    ) -> None:
        """``sender`` maps a destination to what the platform counts its rate limit on (default: the
        destination itself; a group robot that posts to several destinations is one sender). ``health`` keeps
        the failing destinations, whose notices go out in ``lang`` after each pass."""
        self.service = service
        self.adapters = adapters
        self.render = render
        self.clock = clock
        self.destinations = destinations
        self.pacing = MIN_INTERVAL_S if pacing is None else pacing
        self.sender = sender
        self.owner = owner or this_process()  # the outbox lease holder: one bot process among several
        self._last_post: dict[str, dt.datetime] = {}
        self.health = health or DestinationHealth()
        self.lang = lang

    def run_once(self, limit: int = 100) -> DeliveryReport:
        report = DeliveryReport()
        for item in self.service.claim_outbox(self.owner, self.clock(), limit):
            self._deliver(item, report)
        for notice in self.health.due(self.clock()):
            self._notify(notice)
        return report

    def _notify(self, notice: Notice) -> None:
        """A notice about a failing (or recovered) destination, posted as a plain message; a target that
        fails too is only logged (it is reported in its own right when it carries cards)."""
        message = Message(text=notice.text(self.lang))
        for target in notice.targets:
            dest = Destination.parse(target)
            adapter = self.adapters.get(dest.platform)
            if adapter is None:
                continue
            try:
                adapter.send(dest.chat, message)
            except DeliveryError as e:
                log.warning("notice about %s to %s failed: %s", notice.destination, target, e)

    def _deliver(self, item: OutboxItem, report: DeliveryReport) -> None:
        ticket_no = str(item.payload["ticket"]["ticket_no"])
        seq = int(item.payload.get("event", {}).get("seq", 0))
        places = {m.channel: m.message_ref for m in self.service.messages(ticket_no)}
        retry: list[tuple[Destination, DeliveryError]] = []
        broken: list[str] = []
        dests = self.destinations(item.channel)
        for dest in dests:
            key = f"{item.idempotency_key}>{dest}"
            known = places.get(str(dest))
            if known is not None and _seq_of(known) >= seq:
                continue  # this destination already shows this step (a retry of a partly delivered row)
            if self._paced(dest):
                report.paced.append(key)
                retry.append((dest, DeliveryError("paced", retryable=True, retry_after=self._wait(dest))))
                continue
            try:
                ref = self._post(item, dest, known)
            except DeliveryError as e:
                self.health.failed(
                    str(dest), str(e), self.clock(), ticket=ticket_no, others=tuple(map(str, dests)),
                    parked=not e.retryable,
                )  # fmt: skip
                if e.retryable:
                    retry.append((dest, e))
                    report.retrying.append(key)
                else:
                    broken.append(f"{dest}: {e}")
                    report.failed.append(key)
                continue
            (report.updated if known is not None else report.sent).append(key)
            self.health.delivered(str(dest))
            self.service.record_message(ticket_no, dest.platform, str(dest), ref_to_text(ref, seq))
        now = self.clock()
        if retry:
            wait = max(backoff(item.attempts, e.retry_after) for _, e in retry)
            errors = "; ".join(f"{d}: {e}" for d, e in retry)  # each error after its destination (tickets show)
            self.service.mark_failed(item.id, errors[:2000], now + dt.timedelta(seconds=wait))
        elif broken:
            self.service.mark_failed(item.id, "; ".join(broken)[:2000], now + PARKED)
        else:
            self.service.mark_delivered(item.id)

    def _post(self, item: OutboxItem, dest: Destination, known: str | None) -> MessageRef:
        adapter = self.adapters.get(dest.platform)
        if adapter is None:
            raise DeliveryError(f"no adapter for platform {dest.platform!r}", retryable=False)
        message = self.render(item, dest)
        self._last_post[self.sender(dest)] = self.clock()
        if known is not None:
            return adapter.update(ref_from_text(dest.platform, known), message)
        return adapter.send(dest.chat, message)

    def _paced(self, dest: Destination) -> bool:
        return self._wait(dest) > 0

    def _wait(self, dest: Destination) -> float:
        interval = self.pacing.get(dest.platform, 0.0)
        last = self._last_post.get(self.sender(dest))
        if not interval or last is None:
            return 0.0
        return max(0.0, interval - (self.clock() - last).total_seconds())
