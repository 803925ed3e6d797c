"""What one warehouse client may use: how many queries run at once (the rest wait in a queue for at
most ``queue_s``), and, for the embedded DuckDB, how much memory and how many threads a connection
may take.

Set on the warehouse URL, e.g. ``duckdb:///data/shop.duckdb?memory_limit=2GB&threads=2&max_queries=4``
(``max_queries`` and ``queue_s`` on every engine). A query that waits too long is refused as
`warehouse_busy`; one that runs out of memory as `query_too_big`, both in the user's language."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from metrics.problems import UserError, user_error

DEFAULT_MAX_QUERIES = 4
DEFAULT_QUEUE_S = 10.0
DEFAULT_MEMORY_LIMIT = "1GB"
DEFAULT_THREADS = 2
OPTIONS = ("max_queries", "queue_s", "memory_limit", "threads")
_SIZE = re.compile(r"^\d+(\.\d+)?\s*(B|KB|KIB|MB|MIB|GB|GIB|TB|TIB)$", re.IGNORECASE)


@dataclass(frozen=True)
class QueryLimits:
    max_queries: int = DEFAULT_MAX_QUERIES
    queue_s: float = DEFAULT_QUEUE_S
    memory_limit: str = DEFAULT_MEMORY_LIMIT  # DuckDB only
    threads: int = DEFAULT_THREADS  # DuckDB only


def _bad(name: str, value: str, en: str, zh: str) -> UserError:
    return user_error(
        "bad_warehouse_url",
        f"Warehouse option {name}={value!r}: {en}",
        f"数据仓库参数 {name}={value!r}：{zh}",
    )


def _positive_int(name: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise _bad(name, value, "must be a whole number of at least 1.", "必须是不小于 1 的整数。")
    return int(value)


def _queue(value: str) -> float:
    try:
        queue = float(value)
    except ValueError:
        queue = -1.0
    if not queue >= 0:
        raise _bad("queue_s", value, "must be a number of seconds ≥ 0.", "必须是不小于 0 的秒数。")
    return queue


def _memory(value: str) -> str:
    size = value.strip()
    if not _SIZE.match(size):
        raise _bad("memory_limit", size, "must be a size such as 512MB or 2GB.", "必须是大小，例如 512MB 或 2GB。")
    return size


def limits_from(options: Mapping[str, str]) -> QueryLimits:
    """The limits a warehouse URL's options set; the defaults for those it leaves out."""
    out = QueryLimits()
    if "max_queries" in options:
        out = replace(out, max_queries=_positive_int("max_queries", options["max_queries"]))
    if "queue_s" in options:
        out = replace(out, queue_s=_queue(options["queue_s"]))
    if "memory_limit" in options:
        out = replace(out, memory_limit=_memory(options["memory_limit"]))
    if "threads" in options:
        out = replace(out, threads=_positive_int("threads", options["threads"]))
    return out


def busy(limits: QueryLimits) -> UserError:
    return user_error(
        "warehouse_busy",
        f"The warehouse is busy ({limits.max_queries} queries running, waited {limits.queue_s:g} s). "
        "Try again in a moment.",
        f"数据仓库正忙（{limits.max_queries} 个查询在运行，已等待 {limits.queue_s:g} 秒），请稍后再试。",
    )


def too_big() -> UserError:
    return user_error(
        "query_too_big",
        "This query needs more memory than the warehouse allows. Narrow it down: "
        "a shorter period, fewer dimensions, or a filter.",
        "这个查询需要的内存超出了数据仓库的上限。请缩小范围：缩短时间段、减少维度，或加上筛选条件。",
    )


class Gate:
    """At most ``max_queries`` at once; a query that cannot start within ``queue_s`` is refused."""

    def __init__(self, limits: QueryLimits) -> None:
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.max_queries)

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.limits.queue_s):
            raise busy(self.limits)
        try:
            yield
        finally:
            self._slots.release()
