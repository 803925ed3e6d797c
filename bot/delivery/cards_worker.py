"""The card delivery loop of `opsbot serve` (cards.py): every few seconds, and at once when poked."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.delivery.cards import Delivery

log = logging.getLogger("opsbot.delivery")
POLL_S = 2.0


def _nothing() -> None:
    return None


class DeliveryWorker:
    def __init__(self, delivery: Delivery, *, poll_s: float = POLL_S, on_posted: Callable[[], None] = _nothing) -> None:
        self.delivery = delivery
        self.on_posted = on_posted  # new cards were posted (the thread → ticket index must see them)
        self.poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one delivery pass at a time (the loop, or a caller's run_now)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="opsbot-delivery", daemon=True)
            self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def run_now(self) -> None:
        with self._lock:
            report = self.delivery.run_once()
        if report.sent or report.updated:
            self.on_posted()
        if report.sent or report.updated or report.failed or report.retrying:
            log.info(
                "outbox: %d posted, %d updated, %d retrying, %d failed",
                len(report.sent),
                len(report.updated),
                len(report.retrying),
                len(report.failed),
            )

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_s)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.run_now()
            except Exception:
                log.exception("outbox delivery pass failed; will try again")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
