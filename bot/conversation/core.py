"""The bot's conversation core: one verified InboundEvent → commands on tickets or a governed answer.

Every platform hands its events here (through the Inbox, in the background) and gets its replies
through ``reply``; nothing here knows a platform's wire format. A message is a command when it
starts with a command word (``bot.conversation.commands``), else a question for NLQ with the thread's follow-up
context. In a ticket card's thread a command without a number acts on that ticket, and a question
is scoped to the ticket's metric and entity ("为什么?" → the breakdown).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from adapters.base import InboundEvent, Message, MessageRef
from alerts.tickets.service import TicketService
from alerts.tickets.vocabulary import HUMAN_VERBS, VERB, status_word
from bot.answers.answer import Answerer
from bot.answers.message import ASK_ACTION
from bot.config.schema import Config
from bot.conversation.commands import Command, parse_command
from bot.conversation.identity import Actor, Directory
from bot.conversation.replies import help_message, tickets_message
from bot.conversation.threads import CardIndex, ThreadMemory, thread_key
from bot.tickets.card_check import check_card
from bot.tickets.context import breakdown_question, members_message, ticket_context
from bot.tickets.steps import step
from metrics.problems import UserError
from metrics.service import SemanticLayer
from nlq.understand import language

log = logging.getLogger("opsbot.core")
Reply = Callable[[InboundEvent, Message], MessageRef | None]
_WHY = re.compile(r"^\s*(为什么|为啥|怎么回事|原因|why|what happened|how come)\b", re.IGNORECASE)
_SQL = re.compile(
    r"^\s*(show\s+(me\s+)?(the\s+)?|显示|看看?|给我看)?\s*sql\s*(呢|吧|语句)?\s*[?？!！]?\s*$", re.IGNORECASE
)
_MEMBERS = re.compile(
    r"^\s*(?:看看?|显示|列出)?\s*(?:全部|所有)?\s*(成员|members|show\s+members|list\s+members)\s*[?？!！]?\s*$", re.I
)
_DEFINITIONS = re.compile(
    r"^\s*(?:看看?|显示)?\s*(口径|定义|指标口径|definitions?|show\s+definitions)\s*[?？!！]?\s*$", re.I
)
INTERNAL = {"zh": "抱歉，处理时出了内部错误，已记录。", "en": "Sorry, something went wrong; it is logged."}


@dataclass(frozen=True)
class Done:
    """What a ticket step did, for a reply or an action link's confirmation page."""

    ticket_no: str
    status: str
    text: str


class BotCore:
    def __init__(
        self,
        *,
        config: Config,
        layer: SemanticLayer,
        answerer: Answerer,
        service: TicketService,
        reply: Reply,
        on_ticket_change: Callable[[], None] = lambda: None,
        threads: ThreadMemory | None = None,
    ) -> None:
        self.config = config
        self.layer = layer
        self.answerer = answerer
        self.service = service
        self.reply = reply
        self.on_ticket_change = on_ticket_change
        self.directory = Directory(config)
        self.threads = threads or ThreadMemory()
        self.cards = CardIndex(service)

    # --- the entry point ---

    def handle(self, event: InboundEvent) -> None:
        lang = language(event.text) if event.text.strip() else self.config.language
        try:
            self._handle(event, lang)
        except UserError as e:
            self.reply(event, Message(text=e.text(lang)))
        except Exception:
            log.exception("handling %s event %s failed", event.platform, event.event_id)
            self.reply(event, Message(text=INTERNAL["zh" if lang == "zh" else "en"]))

    def _handle(self, event: InboundEvent, lang: str) -> None:
        actor = self.directory.actor(event)
        if event.action is not None:
            actor.check_may_use()
            self._click(event, actor)
            return
        text = event.text.strip()
        ticket = self.cards.ticket_of(event.platform, event.chat, event.thread)
        key = thread_key(event.platform, event.chat, event.thread)
        if not event.addressed and ticket is None and not self.threads.knows(key):
            return  # chatter in a thread the bot has no part in
        actor.check_may_use()
        command = parse_command(text)
        if command is not None:
            self._command(event, actor, command, ticket, lang)
        elif not text:
            self.reply(event, help_message(lang))
        else:
            self._question(event, actor, text, ticket)

    # --- tickets ---

    def _click(self, event: InboundEvent, actor: Actor) -> None:
        assert event.action is not None
        action, value = event.action.action, event.action.value
        lang = self.config.language
        if action == ASK_ACTION:
            ticket = self.cards.ticket_of(event.platform, event.chat, event.thread)
            self._question(event, actor, value, ticket)
            return
        if action not in HUMAN_VERBS:
            log.warning("unknown button action %r from %s", action, event.platform)
            return
        if action == "assign" and not event.action.target:
            self.reply(event, Message(text=self._whom(value, lang)))
            return
        try:
            check_card(self.cards, event.platform, event.action)
            done = self.perform(actor, action, value, to=event.action.target, lang=lang)
        except UserError as e:
            self.reply(event, Message(text=e.text(lang)))
            return
        if event.action.target:  # a step for someone picked on the card: say it was done, as a command would
            self.reply(event, Message(text=done.text))

    def _command(self, event: InboundEvent, actor: Actor, cmd: Command, thread_ticket: str | None, lang: str) -> None:
        if cmd.verb == "help":
            self.reply(event, help_message(lang))
            return
        if cmd.verb == "tickets":
            mine = actor.name if cmd.mine and actor.person is not None else None
            self.reply(event, tickets_message(self.service.list_tickets(owner=mine), lang, mine))
            return
        number = cmd.ticket or thread_ticket
        if number is None:
            text = (
                "请写明工单号（例如「认领 T-20261120-0001」），或在工单卡片的消息串里回复。"
                if lang == "zh"
                else 'Name the ticket (e.g. "ack T-20261120-0001"), or reply in the ticket card\'s thread.'
            )
            self.reply(event, Message(text=text))
            return
        if cmd.verb == "assign" and not cmd.to:
            self.reply(event, Message(text=self._whom(number, lang)))
            return
        done = self.perform(actor, cmd.verb, number, to=cmd.to, minutes=_minutes(cmd), note=cmd.note, lang=lang)
        self.reply(event, Message(text=done.text))

    def _whom(self, number: str, lang: str) -> str:
        names = (
            "、".join(p.name for p in self.config.people)
            if lang == "zh"
            else ", ".join(p.name for p in self.config.people)
        )
        if lang == "zh":
            return f"转派给谁？请在消息串里回复「转派 @姓名」（{number}）" + (f"，可选：{names}" if names else "")
        return f'Assign {number} to whom? Reply "assign @name" in the thread' + (f" (people: {names})" if names else "")

    def perform(
        self,
        actor: Actor,
        verb: str,
        number: str,
        *,
        to: str | None = None,
        minutes: float | None = None,
        note: str | None = None,
        lang: str = "zh",
    ) -> Done:
        """One ticket step by ``actor``; raises UserError (bilingual) when it is not allowed."""
        ticket = step(self.service, self.directory, actor, verb, number, to=to, minutes=minutes, note=note)
        self.on_ticket_change()
        return Done(ticket.ticket_no, ticket.status, done_text(verb, ticket.ticket_no, ticket.status, actor.name, lang))

    # --- questions ---

    def _question(self, event: InboundEvent, actor: Actor, text: str, ticket: str | None) -> None:
        key = thread_key(event.platform, event.chat, event.thread)
        if _SQL.match(text):
            sql = self.threads.sql(key)
            lang = language(text)
            none = "这个消息串里还没有查询。" if lang == "zh" else "There is no query in this thread yet."
            code = f"```sql\n{sql}\n```" if sql else None
            self.reply(event, Message(text=none if sql is None else sql, markdown=code))
            return
        if ticket is not None and _MEMBERS.match(text):
            self.reply(event, members_message(self.service.get(ticket).ticket, language(text)))
            return
        if _DEFINITIONS.match(text):
            lang = language(text)
            defs = self.threads.definitions(key)
            none = "这个消息串里还没有回答。" if lang == "zh" else "There is no answer in this thread yet."
            head = "口径：" if lang == "zh" else "Definitions:"
            self.reply(event, Message(text="\n".join((head, *(f"- {d}" for d in defs))) if defs else none))
            return
        context = self.threads.get(key)
        if ticket is not None and context is None:
            context = ticket_context(self.service.get(ticket).ticket, self.layer)
        if ticket is not None and _WHY.match(text):
            text = breakdown_question(self.service.get(ticket).ticket, self.layer, language(text))
        got = self.answerer(text, role=actor.role, context=context, lang=language(text))
        if got.context is not None:
            self.threads.put(key, got.context, got.sql, got.definitions)
        self.reply(event, got.message)


def _minutes(cmd: Command) -> float | None:
    return cmd.duration.total_seconds() / 60 if cmd.duration is not None else None


def done_text(verb: str, number: str, status: str, actor: str, lang: str) -> str:
    """The confirmation of a ticket step, in the ticket vocabulary's words."""
    did, label = VERB[verb].done(lang), status_word(status, lang)
    if lang == "zh":
        return f"✅ {actor} {did} {number}（现在：{label}）"
    return f"✅ {actor} {did} {number} (now: {label})"
