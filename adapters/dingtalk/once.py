"""Each DingTalk callback signature is accepted once.

DingTalk's HTTP callback sign covers the timestamp and the app secret, not the body: a captured
(timestamp, sign) pair could carry another body for as long as the timestamp is within the window
(one hour). So a pair already seen is refused until its timestamp leaves the window, after which the
window check refuses it anyway. Kept in memory (one process serves the callback URL); the oldest
entries go first when the table is full."""

from __future__ import annotations

import threading
from collections import OrderedDict

from adapters.base import InvalidSignature

MAX_ENTRIES = 200_000  # ~ 55 callbacks a second for an hour


class SeenSigns:
    def __init__(self, window_ms: int, max_entries: int = MAX_ENTRIES) -> None:
        self._window_ms = window_ms
        self._max = max_entries
        self._seen: OrderedDict[tuple[str, str], int] = OrderedDict()  # (timestamp, sign) → when it expires
        self._lock = threading.Lock()

    def first_use(self, timestamp: str, sign: str, now_ms: int) -> None:
        """Remember the pair; InvalidSignature when it was used before (a replay)."""
        key = (timestamp, sign)
        with self._lock:
            self._forget_expired(now_ms)
            if key in self._seen:
                raise InvalidSignature("DingTalk callback signature already used (a replay)")
            self._seen[key] = int(timestamp) + self._window_ms
            while len(self._seen) > self._max:
                self._seen.popitem(last=False)

    def _forget_expired(self, now_ms: int) -> None:
        expired = [k for k, until in self._seen.items() if until < now_ms]
        for k in expired[:1000]:  # bounded work per call; the rest goes on later calls
            del self._seen[k]
