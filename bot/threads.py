"""What the bot remembers per thread: the NLQ follow-up context, and which ticket a thread is about."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from alerts.tickets.service import TicketService
from nlq.understand import Context

MAX_THREADS = 5_000
ThreadKey = tuple[str, str, str]  # (platform, chat, thread root or "")


def thread_key(platform: str, chat: str, thread: str | None) -> ThreadKey:
    return (platform, chat, thread or "")


class ThreadMemory:
    """Follow-up contexts, newest kept (LRU, bounded), safe across worker threads."""

    def __init__(self, limit: int = MAX_THREADS) -> None:
        self._limit = limit
        self._contexts: OrderedDict[ThreadKey, tuple[Context, str | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: ThreadKey) -> Context | None:
        with self._lock:
            got = self._contexts.get(key)
            if got is None:
                return None
            self._contexts.move_to_end(key)
            return got[0]

    def sql(self, key: ThreadKey) -> str | None:
        """The SQL of the thread's last answer (shown on request: "SQL?" / "显示SQL")."""
        with self._lock:
            got = self._contexts.get(key)
            return got[1] if got else None

    def put(self, key: ThreadKey, context: Context, sql: str | None = None) -> None:
        with self._lock:
            self._contexts[key] = (context, sql)
            self._contexts.move_to_end(key)
            while len(self._contexts) > self._limit:
                self._contexts.popitem(last=False)

    def knows(self, key: ThreadKey) -> bool:
        with self._lock:
            return key in self._contexts


def ticket_of_thread(service: TicketService, platform: str, chat: str, thread: str | None) -> str | None:
    """The ticket whose card is the root of ``thread`` on ``platform`` (the card's message id or thread)."""
    if not thread:
        return None
    for ticket_no, place in service.cards_on(platform):
        try:
            ref = json.loads(place.message_ref)
        except ValueError:
            continue
        if thread in (ref.get("id"), ref.get("thread")) and (not chat or ref.get("chat") in (chat, None, "")):
            return ticket_no
    return None
