"""Two bots on one PostgreSQL state store (as behind a load balancer): each ticket card is sent once,
and a bot that dies holding cards loses them to the other when its lease runs out."""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import create_engine
from test_inbox import event
from tickets_support import Clock, evaluation, make_rule, many

from adapters.base import Message, MessageRef, Platform
from alerts.tickets.model import OutboxItem
from alerts.tickets.service import OUTBOX_LEASE_S, TicketService
from alerts.tickets.store import open_store, sqlalchemy_url
from bot.delivery.cards import Delivery
from bot.delivery.inbox_store import InboxStore
from bot.tickets.card import ticket_message

pytest_plugins = ("tickets_fixtures",)


class Recorder:
    """A chat platform that takes a little while per post and records which card it was."""

    platform: Platform = "slack"

    def __init__(self, sent: Counter[str], lock: threading.Lock) -> None:
        self.sent, self.lock = sent, lock

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        time.sleep(0.002)
        with self.lock:
            self.sent[message.text.split("\n", 1)[0]] += 1
            n = sum(self.sent.values())
        return MessageRef("slack", chat, f"ts-{n}")

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        return ref


def _render(item: OutboxItem, dest: object) -> Message:
    m = ticket_message(item.payload["ticket"], "en")
    return Message(text=f"{item.payload['ticket']['ticket_no']}\n{m.text}")


def _bot(url: str, clock: Clock, owner: str, sent: Counter[str], lock: threading.Lock) -> Delivery:
    service = TicketService(open_store(url), clock)  # its own engine and pool, as another process has
    return Delivery(service, {"slack": Recorder(sent, lock)}, _render, clock, owner=owner, pacing={})


def _open(service: TicketService, clock: Clock, n: int) -> list[str]:
    """``n`` tickets (one rule each: a storm of one rule would be grouped into one ticket)."""
    opened: list[str] = []
    for i in range(n):
        rule = make_rule(f"rule_{i}", channels=("slack:C1",))
        opened += service.apply(rule, evaluation(rule, many(1), clock()), "t1").opened
    assert len(opened) == n
    return opened


def test_two_bots_send_each_card_once(pg_url: str) -> None:
    clock = Clock()
    sent: Counter[str] = Counter()
    lock = threading.Lock()
    bots = [_bot(pg_url, clock, f"bot-{i}", sent, lock) for i in range(2)]
    opened = _open(bots[0].service, clock, 40)
    per_bot: Counter[str] = Counter()

    def work(bot: Delivery) -> None:
        while True:
            report = bot.run_once(limit=7)
            per_bot[bot.owner] += len(report.sent)
            if not report.sent:
                return

    threads = [threading.Thread(target=work, args=(b,)) for b in bots]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert set(sent) == set(opened)
    assert max(sent.values()) == 1, [no for no, n in sent.items() if n > 1]
    assert bots[0].service.pending_outbox(clock()) == []


def test_a_dead_bots_cards_go_out_after_its_lease(pg_url: str) -> None:
    clock = Clock()
    sent: Counter[str] = Counter()
    lock = threading.Lock()
    alive = _bot(pg_url, clock, "bot-alive", sent, lock)
    opened = _open(alive.service, clock, 6)
    held = TicketService(open_store(pg_url), clock).claim_outbox("bot-dead", clock(), limit=4)
    assert len(held) == 4  # then the process holding them is gone
    assert len(alive.run_once().sent) == 2
    clock.advance(seconds=OUTBOX_LEASE_S - 1)
    assert alive.run_once().sent == []
    clock.advance(seconds=2)
    assert len(alive.run_once().sent) == 4
    assert set(sent) == set(opened) and max(sent.values()) == 1


def test_each_scheduled_tick_runs_on_one_bot(pg_url: str) -> None:
    """Both bots' schedulers fire every tick of three jobs; each (job, tick) is taken by exactly one."""
    clock = Clock()
    services = [TicketService(open_store(pg_url), clock) for _ in range(2)]
    jobs = [
        f"{job} {minute:02d}" for job in ("rule:low_cover", "escalations", "forecast-refresh") for minute in range(20)
    ]
    taken: Counter[str] = Counter()
    lock = threading.Lock()

    def fire(service: TicketService, owner: str) -> None:
        for job in jobs:
            job_id, tick = job.split(" ")
            if service.claim_tick(job_id, f"2026-11-20T10:{tick}", owner):
                with lock:
                    taken[job] += 1

    threads = [threading.Thread(target=fire, args=(s, f"bot-{i}")) for i, s in enumerate(services)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert taken == Counter(dict.fromkeys(jobs, 1))
    assert not services[0].claim_tick("escalations", "2026-11-20T10:00", "bot-0")  # a restart in the minute too


def test_each_webhook_event_is_answered_by_one_bot(pg_url: str) -> None:
    """A platform retry may reach the other bot: the event is kept once; the bots' workers each take
    different events, never the same one."""
    inboxes = [InboxStore(create_engine(sqlalchemy_url(pg_url)), owner=f"bot-{i}") for i in range(2)]
    events = [event(n) for n in range(30)]
    added = [inboxes[0].add(e) for e in events] + [inboxes[1].add(e) for e in events]  # every event twice
    assert added.count(True) == 30
    claimed: Counter[str] = Counter()
    lock = threading.Lock()

    def work(inbox: InboxStore) -> None:
        while got := inbox.claim(4):
            for c in got:
                with lock:
                    claimed[c.event.event_id] += 1
                inbox.finish(c.id)

    threads = [threading.Thread(target=work, args=(i,)) for i in inboxes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert claimed == Counter({e.event_id: 1 for e in events})
