"""The running bot, composed from the config: semantic layer, ticket service, NLQ, the conversation core,
the inbox (background work), each enabled platform, the card delivery worker and the scheduler.

Clocks and clients are injected (``clock``), so tests pin time and point platforms at local fakes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from adapters.base import Adapter, InboundEvent, Message, MessageRef
from adapters.destination import Destination
from alerts import engine
from alerts.jobs import tick_of
from alerts.rules.load import load_rules
from alerts.rules.model import Rule
from alerts.schedule import build as build_scheduler
from alerts.schedule import context_for
from alerts.tickets.model import OutboxItem
from alerts.tickets.service import TicketService
from alerts.tickets.store import open_store
from bot.answers.answer import InProcess, make_asker
from bot.answers.pool import AnswerPool
from bot.auth.service import AuthService
from bot.config.schema import Config
from bot.conversation.core import BotCore, Done
from bot.delivery.cards import Delivery
from bot.delivery.cards_worker import DeliveryWorker
from bot.delivery.files import FileStore
from bot.delivery.health import DestinationHealth
from bot.delivery.inbox import Inbox
from bot.delivery.inbox_store import InboxStore
from bot.delivery.retries import with_retries
from bot.platforms import BUILDERS
from bot.platforms.parts import PlatformParts
from bot.tickets.card import ticket_message
from bot.tickets.links import with_action_links
from metrics.catalog.load import load_catalog
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse

log = logging.getLogger("opsbot.runtime")
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Runtime:
    def __init__(
        self,
        config: Config,
        *,
        clock: Clock = utc_now,
        scheduler: bool = True,
        workers: int = 4,
        answer_processes: int | None = None,
        extra: tuple[PlatformParts, ...] = (),
    ) -> None:
        """``workers`` threads handle events; answers are computed in ``answer_processes`` worker processes
        (default ``server.answer_processes``; 0 computes them in this process). ``extra`` platforms are wired
        beside the configured ones (the terminal's console)."""
        self.config = config
        self.clock = clock
        self.catalog = load_catalog()
        self.layer = SemanticLayer(self.catalog, Warehouse(config.warehouse))
        self.store = open_store(config.state_url)
        self.service = TicketService(self.store, clock=clock)
        self.files = FileStore(config.secret, now=lambda: clock().timestamp())
        self.auth = AuthService(self.store.engine, config, clock)
        processes = config.server.answer_processes if answer_processes is None else answer_processes
        self.answerer: AnswerPool | InProcess = (
            AnswerPool(config.warehouse, processes, llm=config.llm)
            if processes > 0
            else InProcess(self.layer, make_asker(self.layer, config.llm))
        )
        self.core = BotCore(
            config=config,
            layer=self.layer,
            answerer=self.answerer,
            service=self.service,
            reply=self.reply,
            on_ticket_change=self.poke,
        )
        # the inbox has connections of its own (it checkpoints SQLite itself) and keeps real time
        self.inbox_db = open_store(config.state_url)
        self.inbox = Inbox(InboxStore(self.inbox_db.engine), self.core.handle, workers=workers)
        self.parts: dict[str, PlatformParts] = {}
        for build in BUILDERS:
            part = build(self)
            if part is not None:
                self.parts[part.name] = part
        self.parts.update({part.name: part for part in extra})
        adapters: dict[str, Adapter] = {n: p.adapter for n, p in self.parts.items() if p.adapter is not None}
        self.delivery_health = DestinationHealth(config.delivery)
        self.delivery = Delivery(
            self.service, adapters, self.render_card, clock, destinations=self.destinations, sender=self.sender,
            health=self.delivery_health, lang=config.language,
        )  # fmt: skip
        self.worker = DeliveryWorker(self.delivery, on_posted=self.core.cards.invalidate)
        self._want_scheduler = scheduler
        self.scheduler: object | None = None

    # --- lifecycle ---

    def start(self) -> None:
        for part in self.parts.values():
            part.start()
        self.answerer.start()
        self.inbox.start()
        self.worker.start()
        if self._want_scheduler:
            sched = build_scheduler(
                context_for(self.config.warehouse, self.config.state_url, self.config.rules_dir), self.rules()
            )
            sched.resume()
            self.scheduler = sched
        self.worker.poke()

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)  # type: ignore[attr-defined]
            self.scheduler = None
        self.inbox.close()  # the events being handled finish; the backlog stays queued for the next start
        self.answerer.close()
        self.worker.stop()
        for part in self.parts.values():
            part.stop()
        self.store.close()
        self.inbox_db.close()
        self.layer.warehouse.close()

    # --- inbound ---

    def submit(self, event: InboundEvent) -> bool:
        """Keep a verified event for the background workers; False when it is a repeat (already kept)."""
        return self.inbox.submit(event)

    async def submit_async(self, event: InboundEvent) -> bool:
        """``submit`` for webhooks served on the event loop."""
        return await self.inbox.submit_async(event)

    def reply(self, event: InboundEvent, message: Message) -> MessageRef | None:
        part = self.parts.get(event.platform)
        if part is None:
            log.error("no platform %r to answer event %s on", event.platform, event.event_id)
            return None
        if part.reply is not None:
            fn = part.reply
            return with_retries(lambda: fn(event, message), what=f"{event.platform} reply")
        adapter = part.adapter
        if adapter is None:
            return None
        return with_retries(
            lambda: adapter.send(event.chat, message, thread=event.thread), what=f"{event.platform} reply"
        )

    def step_as(
        self, platform: str, name: str, verb: str, number: str, *, to: str | None = None, note: str | None = None
    ) -> Done:
        """A ticket step by the person logged in on an action link's page, as
        ``platform`` knows them; raises UserError when it is not allowed."""
        actor = self.core.directory.named(platform, name)
        return self.core.perform(actor, verb, number, to=to, note=note, lang=self.config.language)

    # --- outbound tickets ---

    def poke(self) -> None:
        self.worker.poke()

    def destinations(self, channel: str) -> tuple[Destination, ...]:
        """Where a rule's channel is posted: its ``channels:`` mapping (enabled platforms), the channel itself
        when it names an enabled platform, else the built-in web chat."""
        configured = map(Destination.parse, self.config.channels.get(channel, ()))
        mapped = tuple(d for d in configured if d.platform in self.parts)
        if mapped:
            return mapped
        try:
            itself = Destination.parse(channel)
        except ValueError:
            itself = None
        if itself is not None and itself.platform in self.parts:
            return (itself,)
        return tuple(map(Destination.parse, self.config.destinations(channel)))

    def sender(self, dest: Destination) -> str:
        """What ``dest``'s rate limit is counted on: its platform's sender for the chat (e.g. the robot)."""
        part = self.parts.get(dest.platform)
        return f"{dest.platform}:{part.sender(dest.chat)}" if part is not None else str(dest)

    def render_card(self, item: OutboxItem, dest: Destination) -> Message:
        ticket = item.payload["ticket"]
        message = ticket_message(ticket, self.config.language, self.core.directory.mention_ids(dest.platform))
        part = self.parts.get(dest.platform)
        if part is not None and part.needs_links(dest.chat):
            message = with_action_links(
                message,
                secret=self.config.secret,
                public_url=self.config.server.public_url,
                platform=dest.platform,
                person=str(ticket["owner"]),
            )
        return message

    # --- alerts ---

    def rules(self) -> list[Rule]:
        return load_rules(self.config.rules_dir, self.catalog)

    def run_rules(self, as_of: dt.date | None = None, tick: str | None = None) -> list[engine.RuleOutcome]:
        """Evaluate every rule now (what a scheduled tick does) and wake the delivery worker."""
        now = self.clock()
        outcomes = engine.run(
            self.rules(),
            self.layer,
            self.service,
            as_of=as_of or self.layer.as_of(),
            now=now,
            tick=tick or tick_of(now),
        )
        self.poke()
        return outcomes
