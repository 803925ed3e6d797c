"""Fast ack, slow work: webhooks hand verified events to the Inbox and answer at once; worker threads
do the work. A platform's retry of an event already taken (same platform and event id) is dropped."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from adapters.base import InboundEvent

log = logging.getLogger("opsbot.inbox")
SEEN_TTL_S = 6 * 3600  # longer than any platform's retry schedule (Slack: ~1 h, WeCom: 3 tries in 15 s)
SEEN_MAX = 100_000


class Inbox:
    def __init__(
        self,
        handle: Callable[[InboundEvent], None],
        *,
        workers: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._handle = handle
        self._clock = clock
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="opsbot-inbox")
        self._pending: set[Future[None]] = set()

    def first_time(self, platform: str, event_id: str) -> bool:
        """True once per (platform, event id) within the TTL; records it."""
        now = self._clock()
        key = (platform, event_id)
        with self._lock:
            while self._seen:
                oldest, at = next(iter(self._seen.items()))
                if now - at < SEEN_TTL_S and len(self._seen) < SEEN_MAX:
                    break
                del self._seen[oldest]
            if key in self._seen:
                return False
            self._seen[key] = now
            return True

    def submit(self, event: InboundEvent) -> bool:
        """Queue ``event`` for the workers; False (and nothing queued) when it was taken before."""
        if not self.first_time(event.platform, event.event_id):
            log.info("dropped a repeat of %s event %s", event.platform, event.event_id)
            return False
        future = self._pool.submit(self._run, event)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return True

    def _run(self, event: InboundEvent) -> None:
        try:
            self._handle(event)
        except Exception:  # the core answers its own errors; this is the last line
            log.exception("event %s from %s failed", event.event_id, event.platform)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until every queued event is handled (tests, shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
