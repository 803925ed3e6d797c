"""Password guessing slowed down: after ``LIMIT`` wrong passwords for one name within ``WINDOW``, that name's
password logins are refused until the oldest failure leaves the window (per process, in memory)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque

LIMIT = 5
WINDOW = dt.timedelta(minutes=15)


class Throttle:
    def __init__(self, limit: int = LIMIT, window: dt.timedelta = WINDOW) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[dt.datetime]] = {}
        self._lock = threading.Lock()

    def blocked(self, name: str, now: dt.datetime) -> bool:
        with self._lock:
            recent = self._recent(name, now)
            return len(recent) >= self.limit

    def failed(self, name: str, now: dt.datetime) -> None:
        with self._lock:
            self._recent(name, now).append(now)

    def clear(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)

    def _recent(self, name: str, now: dt.datetime) -> deque[dt.datetime]:
        got = self._failures.setdefault(name, deque())
        while got and got[0] <= now - self.window:
            got.popleft()
        return got
