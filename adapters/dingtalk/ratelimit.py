"""A robot's local send limit: DingTalk allows at most 20 messages per minute per robot and throttles it
for 10 minutes beyond that, so opsbot refuses the 21st send itself.

A sliding-window log (a token bucket whose refill is one minute after each use): a slot frees exactly 60 s
after the send that took it, so no 60-second window ever holds more than 20 sends — a classic token bucket
with capacity 20 and steady refill would allow up to 39 in a minute.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    def __init__(self, limit: int = 20, per_seconds: float = 60.0, *, now: Callable[[], float] = time.monotonic):
        if limit < 1 or per_seconds <= 0:
            raise ValueError("rate limit must allow at least one send per positive period")
        self.limit = limit
        self.per_seconds = per_seconds
        self._now = now
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float | None:
        """Take a slot and return None, or take nothing and return the seconds until a slot frees."""
        with self._lock:
            now = self._now()
            while self._sent and self._sent[0] <= now - self.per_seconds:
                self._sent.popleft()
            if len(self._sent) >= self.limit:
                return max(self._sent[0] + self.per_seconds - now, 0.001)
            self._sent.append(now)
            return None

    def release(self) -> None:
        """Give back the latest slot (the send never reached DingTalk, e.g. a connection error)."""
        with self._lock:
            if self._sent:
                self._sent.pop()
