"""Live updates: a thread-safe fan-out from worker threads (send/update) into each SSE stream's asyncio.Queue."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

MAX_QUEUED = 1_000


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[asyncio.Queue[dict[str, Any]], asyncio.AbstractEventLoop] = {}
        self._closed = threading.Event()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        """A queue of events for the calling coroutine's loop (call from inside the loop)."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(MAX_QUEUED)
        with self._lock:
            self._subscribers[queue] = asyncio.get_running_loop()
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        with self._lock:
            self._subscribers.pop(queue, None)

    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def publish(self, event: dict[str, Any]) -> None:
        """From any thread: hand ``event`` to every subscriber's loop (a full queue drops it for that one)."""
        with self._lock:
            targets = list(self._subscribers.items())
        for queue, loop in targets:
            try:
                loop.call_soon_threadsafe(_offer, queue, event)
            except RuntimeError:  # that loop is closed
                self.unsubscribe(queue)

    def close(self) -> None:
        """Shutdown: every stream gets a final ``None``-typed event and ends."""
        self._closed.set()
        self.publish({"type": "shutdown"})


def _offer(queue: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(event)
