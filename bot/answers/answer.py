"""A question → the Message that answers it, the thread's new follow-up context and the SQL it ran.

The work an answer takes (parsing, validating and compiling the SQL, the query, the chart) is one pure call,
``answer``, so it can run in the server process (``InProcess``) or in worker processes
(``bot.answers.pool.AnswerPool``); the bot core only sees the ``Answerer`` signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from adapters.base import Message
from bot.answers.message import answer_message
from bot.config.llm import NO_MODEL, LlmSettings
from metrics.problems import UserError
from metrics.service import SemanticLayer
from nlq.ask import Asker
from nlq.llm import LlmFallback
from nlq.understand import Context


@dataclass(frozen=True)
class Answered:
    message: Message
    context: Context | None  # None: the thread's context stays as it was (the question was refused)
    sql: str | None = None
    definitions: tuple[str, ...] = ()  # the answer's full definitions (口径), shown on request in the thread


class Answerer(Protocol):
    def __call__(self, text: str, *, role: str | None, context: Context | None, lang: str) -> Answered: ...


def make_asker(layer: SemanticLayer, llm: LlmSettings = NO_MODEL) -> Asker:
    """The NLQ service, with the optional model the configuration names (bot.config.llm)."""
    fallback = LlmFallback(layer.catalog, llm.model, allow_sql=llm.allow_sql) if llm.model else None
    return Asker(layer, fallback)


def answer(
    layer: SemanticLayer, asker: Asker, text: str, *, role: str | None, context: Context | None, lang: str
) -> Answered:
    try:
        got, new_context = asker.ask(text, role=layer.role(role), context=context)
    except UserError as e:  # said to the person as is; it does not pickle, so it is turned into the reply here
        return Answered(Message(text=e.text(lang)), None)
    return Answered(answer_message(got, layer.catalog), new_context, got.sql, got.definitions)


@dataclass
class InProcess:
    """Answers in the calling thread (the terminal REPL, ``server.answer_processes: 0``)."""

    layer: SemanticLayer
    asker: Asker

    def __call__(self, text: str, *, role: str | None, context: Context | None, lang: str) -> Answered:
        return answer(self.layer, self.asker, text, role=role, context=context, lang=lang)

    def start(self) -> None:
        return None

    def close(self) -> None:
        return None
