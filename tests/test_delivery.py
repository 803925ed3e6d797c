"""The outbox reaches the chat: one card per ticket and channel, updated in place, retried on 429."""

from __future__ import annotations

import io
from pathlib import Path

from tickets_support import Clock, evaluation, finding, make_rule

from adapters.base import DeliveryError, Message, MessageRef, Platform
from adapters.console import ConsoleAdapter
from alerts.tickets.model import OutboxItem
from alerts.tickets.service import TicketService
from alerts.tickets.store import open_store
from bot.delivery.cards import Delivery
from bot.tickets.card import ticket_message


def render(item: OutboxItem, dest: str) -> Message:
    return ticket_message(item.payload["ticket"], "zh")


class Throttled:
    """A platform that answers 429 (Retry-After 30 s) to the first send, then accepts."""

    platform: Platform = "slack"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        self.calls.append("send")
        if len(self.calls) == 1:
            raise DeliveryError("ratelimited", retryable=True, retry_after=30)
        return MessageRef("slack", chat, f"ts-{len(self.calls)}")

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        self.calls.append(f"update {ref.message_id}")
        return ref


def setup(tmp_path: Path, channels: tuple[str, ...]) -> tuple[TicketService, Clock, str]:
    clock = Clock()
    service = TicketService(open_store(f"sqlite:///{tmp_path / 'state.sqlite'}"), clock=clock)
    rule = make_rule(channels=channels)
    report = service.apply(rule, evaluation(rule, [finding("SKU-1", "critical", 1.0)], clock()), "t1")
    return service, clock, report.opened[0]


def test_one_card_per_ticket_and_channel_updated_in_place(tmp_path: Path) -> None:
    service, clock, no = setup(tmp_path, ("console:#ops",))
    out = io.StringIO()
    delivery = Delivery(service, {"console": ConsoleAdapter(out)}, render, clock)
    first = delivery.run_once()
    assert len(first.sent) == 1 and not first.updated
    assert "🔴 红" in out.getvalue() and no in out.getvalue() and "[认领]" in out.getvalue()
    assert delivery.run_once().sent == []  # nothing pending: nothing posted twice
    service.ack(no, by="张伟", platform="console")
    second = delivery.run_once()
    assert second.updated and not second.sent
    assert "#1 (updated)" in out.getvalue() and "已认领" in out.getvalue()


def test_rate_limited_send_is_retried_after_retry_after_and_delivered_once(tmp_path: Path) -> None:
    service, clock, no = setup(tmp_path, ("slack:C1",))
    slack = Throttled()
    delivery = Delivery(service, {"slack": slack}, render, clock)
    assert delivery.run_once().retrying
    assert delivery.run_once().sent == []  # not before Retry-After
    clock.advance(seconds=31)
    assert len(delivery.run_once().sent) == 1
    clock.advance(minutes=5)
    assert delivery.run_once().sent == []
    assert slack.calls == ["send", "send"]
    assert [m.channel for m in service.messages(no)] == ["slack:C1"]


def test_a_channel_without_adapter_is_parked_not_lost(tmp_path: Path) -> None:
    service, clock, _ = setup(tmp_path, ("wecom:ops",))
    report = Delivery(service, {}, render, clock).run_once()
    assert report.failed and not report.sent
