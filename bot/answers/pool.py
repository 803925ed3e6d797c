"""Answers computed in worker processes, so the server process only acks webhooks and moves messages.

Parsing, SQL validation and charts are pure Python and hold the GIL; in the server process they would stall
the event loop that acknowledges webhooks. Each worker process opens the warehouse itself (read-only, like
the server) with the same catalog and NLQ settings, lowers its own CPU priority so acks win on a busy
machine, and is started with the bot (``spawn``: nothing of the server's threads is inherited).
A worker that dies (killed, out of memory) fails the question it held; the pool is made again for the next.
Workers end with the server, however it ends (a kill included).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from bot.answers.answer import Answered, answer, make_asker
from bot.config.llm import NO_MODEL, LlmSettings
from metrics.catalog.load import load_catalog
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse
from nlq.ask import Asker
from nlq.understand import Context

log = logging.getLogger("opsbot.answers")
TIMEOUT_S = 120.0
NICE = 10
WATCH_S = 0.5
_worker: tuple[SemanticLayer, Asker] | None = None  # per worker process


def _orphaned(parent: int) -> None:
    """End this worker once the server is gone: a killed server cannot tell its workers to stop, and the
    pool's queue never reports the loss (each worker holds both ends of its pipe)."""
    while os.getppid() == parent:
        time.sleep(WATCH_S)
    os._exit(0)


def _init(warehouse: str, parent: int, llm: LlmSettings) -> None:
    global _worker
    threading.Thread(target=_orphaned, args=(parent,), name="opsbot-orphan-watch", daemon=True).start()
    with contextlib.suppress(OSError):  # not allowed: run at the same priority
        os.nice(NICE)
    layer = SemanticLayer(load_catalog(), Warehouse(warehouse))
    asker = make_asker(layer, llm)
    asker.lexicon  # noqa: B018 — built once here, not on the first question
    _worker = (layer, asker)


def _ready() -> None:
    return None


def _work(text: str, role: str | None, context: Context | None, lang: str) -> Answered:
    assert _worker is not None, "the answer worker was not initialised"
    layer, asker = _worker
    return answer(layer, asker, text, role=role, context=context, lang=lang)


class AnswerPool:
    def __init__(
        self,
        warehouse: str | Path,
        processes: int,
        *,
        llm: LlmSettings = NO_MODEL,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self._warehouse = str(warehouse)
        self._llm = llm
        self._processes = processes
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self._processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init,
                    initargs=(self._warehouse, os.getpid(), self._llm),
                )
            return self._pool

    def start(self) -> None:
        """Start every worker now (in the background), not on the first question: the first answer does not
        wait for a worker to load, and starting a process (a fork of this one) does not pause the webhooks
        under load."""
        pool = self._executor()
        for _ in range(self._processes):
            pool.submit(_ready)

    def __call__(self, text: str, *, role: str | None, context: Context | None, lang: str) -> Answered:
        pool = self._executor()
        try:
            return pool.submit(_work, text, role, context, lang).result(timeout=self._timeout_s)
        except BrokenProcessPool:
            log.error("an answer worker process died; starting new ones")
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
