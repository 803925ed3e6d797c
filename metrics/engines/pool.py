"""A small connection pool: at most ``size`` connections, opened when first needed, reused after a
query, dropped after an error (the next query opens a fresh one)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

C = TypeVar("C")
DEFAULT_SIZE = 4


class Pool(Generic[C]):
    def __init__(self, connect: Callable[[], C], close: Callable[[C], None], size: int = DEFAULT_SIZE) -> None:
        self._connect = connect
        self._close = close
        self._idle: list[C] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(size)
        self._closed = False

    @contextlib.contextmanager
    def connection(self) -> Iterator[C]:
        with self._slots:
            with self._lock:
                con = self._idle.pop() if self._idle else None
            if con is None:
                con = self._connect()
            try:
                yield con
            except BaseException:
                self._discard(con)
                raise
            with self._lock:
                if not self._closed:
                    self._idle.append(con)
                    return
            self._discard(con)

    def _discard(self, con: C) -> None:
        with contextlib.suppress(Exception):
            self._close(con)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for con in idle:
            self._discard(con)
