"""What the bot remembers per thread: the NLQ follow-up context, and which ticket a thread is about."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

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
        self._contexts: OrderedDict[ThreadKey, tuple[Context, str | None, tuple[str, ...]]] = OrderedDict()
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

    def definitions(self, key: ThreadKey) -> tuple[str, ...]:
        """The full definitions (口径) of the thread's last answer (on request: "口径?" / "definitions?")."""
        with self._lock:
            got = self._contexts.get(key)
            return got[2] if got else ()

    def put(self, key: ThreadKey, context: Context, sql: str | None = None, definitions: tuple[str, ...] = ()) -> None:
        with self._lock:
            self._contexts[key] = (context, sql, definitions)
            self._contexts.move_to_end(key)
            while len(self._contexts) > self._limit:
                self._contexts.popitem(last=False)

    def knows(self, key: ThreadKey) -> bool:
        with self._lock:
            return key in self._contexts


class CardIndex:
    """Which ticket a thread is about: (platform, chat, card message id) → ticket number.

    Built from the ticket store's card places and kept in memory, since every message in a channel the bot
    is in asks it. ``invalidate()`` after a delivery pass posts cards; a miss rebuilds an index older than
    ``MISS_REBUILD_S`` (a card posted by another process), so a reply right under a new card is not missed."""

    MAX_AGE_S = 60.0
    MISS_REBUILD_S = 2.0

    def __init__(self, service: TicketService, clock: Callable[[], float] = time.monotonic) -> None:
        self._service = service
        self._clock = clock
        self._index: dict[tuple[str, str, str], str] = {}
        self._built = -1e18
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._built = -1e18

    def ticket_of(self, platform: str, chat: str, thread: str | None) -> str | None:
        if not thread:
            return None
        key = (platform, chat, thread)
        with self._lock:
            age = self._clock() - self._built
            if age > self.MAX_AGE_S or (key not in self._index and age > self.MISS_REBUILD_S):
                self._rebuild()
            return self._index.get(key)

    def _rebuild(self) -> None:
        index: dict[tuple[str, str, str], str] = {}
        for platform in {"web", "slack", "dingtalk", "wecom", "console"}:
            for ticket_no, place in reversed(self._service.cards_on(platform)):  # newest wins
                try:
                    ref = json.loads(place.message_ref)
                except ValueError:
                    continue
                for mid in {ref.get("id"), ref.get("thread")} - {None, ""}:
                    index[(platform, str(ref.get("chat") or ""), str(mid))] = ticket_no
        self._index = index
        self._built = self._clock()
