"""Fast ack, slow work: a webhook hands the verified event to the inbox writer, which commits it to the inbox
table (many at once under load), and answers as soon as it is kept; a dispatcher thread hands kept events
to worker threads, as many at a time as there are workers.

Nothing is lost: an event is in the state database before the platform hears 200, and one that was not
finished when the process stopped (a restart, a crash) is handled by the next one (``bot.delivery.inbox_store``).
A platform's retry of an event already kept (same platform and event id) is dropped, across restarts too.
Stopping waits only for the events being handled, not for the backlog, which stays queued.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from adapters.base import InboundEvent
from bot.delivery.inbox_store import Claimed, InboxStore

log = logging.getLogger("opsbot.inbox")
POLL_S = 1.0  # also look for events kept by another process (or left by a dead one) this often
PURGE_EVERY_S = 600.0
WRITE_BATCH = 500
SLOW_WRITE_S = 0.05
CHECKPOINT_EVERY_S = 2.0
SUBMIT_TIMEOUT_S = 10.0  # a webhook answers 500 rather than hang when the state database is away


class Inbox:
    def __init__(
        self,
        store: InboxStore,
        handle: Callable[[InboundEvent], None],
        *,
        workers: int = 4,
        poll_s: float = POLL_S,
    ) -> None:
        self.store = store
        self._handle = handle
        self._workers = workers
        self._poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[int, Future[None]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._writes: queue.SimpleQueue[tuple[InboundEvent, Future[bool]] | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write_loop, name="opsbot-inbox-writer", daemon=True)
        self._writer.start()

    def keep(self, event: InboundEvent) -> Future[bool]:
        """Hand ``event`` to the inbox writer; the future says whether it was new (False: a repeat, dropped)
        once it is committed, or raises when the state database cannot take it."""
        future: Future[bool] = Future()
        self._writes.put((event, future))
        return future

    def submit(self, event: InboundEvent, timeout: float = SUBMIT_TIMEOUT_S) -> bool:
        """Keep ``event``, waiting until it is committed; False (and nothing kept) when it was kept before.
        Raises when the state database cannot take it — the platform then gets an error and redelivers."""
        return self.keep(event).result(timeout)

    async def submit_async(self, event: InboundEvent) -> bool:
        """``submit`` for an event loop: the loop goes on serving while the writer commits."""
        return await asyncio.wait_for(asyncio.wrap_future(self.keep(event)), SUBMIT_TIMEOUT_S)

    def _write_loop(self) -> None:
        """One thread writes every kept event, as many as are waiting in one transaction (a group commit):
        webhook threads never contend for the database lock, and a burst costs a few commits, not one each."""
        while True:
            first = self._writes.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < WRITE_BATCH:
                try:
                    more = self._writes.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._writes.put(None)  # stop after this batch
                    break
                batch.append(more)
            started = time.monotonic()
            try:
                kept = self.store.add_many([e for e, _ in batch])
            except Exception as e:
                log.exception("could not keep %d inbound events", len(batch))
                for _, future in batch:
                    future.set_exception(e)
                continue
            for (event, future), new in zip(batch, kept, strict=True):
                if not new:
                    log.info("dropped a repeat of %s event %s", event.platform, event.event_id)
                future.set_result(new)
            took = time.monotonic() - started
            if took > SLOW_WRITE_S:
                log.warning(
                    "keeping %d inbound events took %.0f ms (the state database is slow)", len(batch), took * 1e3
                )
            self._wake.set()

    # --- the dispatcher ---

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="opsbot-inbox")
        self._thread = threading.Thread(target=self._loop, name="opsbot-inbox-dispatch", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        dead = self.store.dead_owners()
        if dead:
            log.warning("taking over the unfinished events of stopped processes %s", ", ".join(sorted(dead)))
        purged_at = checkpointed_at = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() - purged_at > PURGE_EVERY_S:
                    self.store.purge()
                    purged_at = time.monotonic()
                if time.monotonic() - checkpointed_at > CHECKPOINT_EVERY_S:
                    self.store.checkpoint()  # here, not in the writer: webhooks never wait for it
                    checkpointed_at = time.monotonic()
                while self._dispatch(dead):
                    pass
                dead = frozenset()
            except Exception:  # the database was away: keep trying, nothing is lost
                log.exception("the inbox could not read its table; trying again")
            self._wake.wait(self._poll_s)
            self._wake.clear()

    def _dispatch(self, dead: frozenset[str]) -> bool:
        """Claim as many events as there are free workers and start them; True when all slots were filled."""
        with self._lock:
            free = self._workers - len(self._running)
        if free <= 0 or self._stop.is_set():
            return False
        claimed = self.store.claim(free, dead=dead)
        for c in claimed:
            self._start(c)
        return len(claimed) == free and bool(claimed)

    def _start(self, c: Claimed) -> None:
        assert self._pool is not None
        with self._lock:
            future = self._pool.submit(self._run, c)
            self._running[c.id] = future

    def _run(self, c: Claimed) -> None:
        ok = True
        try:
            self._handle(c.event)
        except Exception:  # the core answers its own errors; this is the last line
            ok = False
            log.exception("event %s from %s failed", c.event.event_id, c.event.platform)
        finally:
            try:
                self.store.finish(c.id, ok=ok)
            except Exception:
                log.exception("could not mark event %s handled; it may be handled again", c.event.event_id)
            with self._lock:
                self._running.pop(c.id, None)
            self._wake.set()

    # --- waiting and stopping ---

    def busy(self) -> int:
        with self._lock:
            return len(self._running)

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until every kept event is handled (tests); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.busy() == 0 and self.store.waiting() == 0:
                return True
            self._wake.set()
            time.sleep(0.01)
        return False

    def close(self, timeout: float = 10.0) -> None:
        """Stop taking events; wait up to ``timeout`` for the ones being handled. The backlog stays queued
        (claims not started yet are given back), and a claim still running is taken again by the next
        process (its owner is gone by then)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._lock:
            unstarted = [row for row, future in self._running.items() if future.cancel()]
            for row in unstarted:
                del self._running[row]
        self.store.release(unstarted)
        deadline = time.monotonic() + timeout
        while self.busy() and time.monotonic() < deadline:
            time.sleep(0.02)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self.busy():
            log.warning("%d events were still being handled at shutdown; the next start handles them", self.busy())
        self._writes.put(None)  # events handed over before this are still written
        self._writer.join(timeout)
