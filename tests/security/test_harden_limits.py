"""The warehouse client's limits: a memory cap and thread cap per DuckDB connection (out of memory →
`query_too_big`), and at most ``max_queries`` queries at once (a long wait → `warehouse_busy`)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from metrics.engines.duckdb import DuckDBWarehouse
from metrics.engines.limits import QueryLimits, limits_from
from metrics.problems import UserError

# a cross join big enough to need far more than 20 MB when sorted
_HUGE = "SELECT string_agg(md5(i::VARCHAR), ',' ORDER BY md5(i::VARCHAR)) FROM range(3000000) t(i)"


def test_defaults_cap_memory_and_threads(small_db: Path) -> None:
    wh = DuckDBWarehouse(small_db)
    try:
        rows = wh.query("SELECT current_setting('memory_limit'), current_setting('threads')").rows
    finally:
        wh.close()
    memory, threads = rows[0]
    assert threads == 2
    assert memory.endswith(("MiB", "GiB")) and float(memory.split()[0]) <= 1024


def test_out_of_memory_is_a_clear_user_error(small_db: Path) -> None:
    wh = DuckDBWarehouse(f"duckdb://{small_db}?memory_limit=20MB&threads=1")
    try:
        with pytest.raises(UserError) as caught:
            wh.query(_HUGE, timeout_s=60)
        assert wh.query("SELECT 1").rows == [(1,)]  # the connection stays usable
    finally:
        wh.close()
    assert caught.value.problems[0].code == "query_too_big"
    assert "缩短时间段" in caught.value.text("zh") and "shorter period" in caught.value.text("en")


def test_the_limits_cannot_be_raised_from_sql(small_db: Path) -> None:
    wh = DuckDBWarehouse(f"duckdb://{small_db}?memory_limit=20MB")
    try:
        with pytest.raises(Exception, match=r"(?i)lock|configuration"):
            wh.query("SET memory_limit = '100GB'")
    finally:
        wh.close()


def test_a_full_warehouse_refuses_after_the_queue_wait(small_db: Path) -> None:
    wh = DuckDBWarehouse(f"duckdb://{small_db}?max_queries=1&queue_s=0.2")
    slow = "SELECT count(*) FROM range(400000000) a(i) WHERE md5(i::VARCHAR) = 'x'"
    started = threading.Event()
    outcome: list[object] = []

    def run() -> None:
        started.set()
        try:
            outcome.append(wh.query(slow, timeout_s=3))
        except UserError as e:
            outcome.append(e)

    worker = threading.Thread(target=run)
    worker.start()
    started.wait()
    try:
        with pytest.raises(UserError) as caught:
            deadline = time.monotonic() + 2.5  # the worker may not have taken the slot yet
            while time.monotonic() < deadline:
                wh.query("SELECT 1")
    finally:
        worker.join()
        wh.close()
    assert caught.value.problems[0].code == "warehouse_busy"
    assert "稍后再试" in caught.value.text("zh")


def test_limit_options_are_checked() -> None:
    assert limits_from({}) == QueryLimits()
    assert limits_from({"max_queries": "8", "memory_limit": "2GB", "threads": "4", "queue_s": "1.5"}) == QueryLimits(
        8, 1.5, "2GB", 4
    )
    for bad in ({"max_queries": "0"}, {"memory_limit": "lots"}, {"threads": "-1"}, {"queue_s": "soon"}):
        with pytest.raises(UserError) as caught:
            limits_from(bad)
        assert caught.value.problems[0].code == "bad_warehouse_url"


def test_a_server_engine_has_the_same_gate(postgres_url: str) -> None:
    from metrics.engines.postgres import PostgresWarehouse

    wh = PostgresWarehouse(f"{postgres_url}?max_queries=1&queue_s=0.2")
    started = threading.Event()

    def run() -> None:
        started.set()
        wh.query("SELECT pg_sleep(1.5)", timeout_s=5)

    worker = threading.Thread(target=run)
    worker.start()
    started.wait()
    try:
        with pytest.raises(UserError) as caught:
            deadline = time.monotonic() + 1.2
            while time.monotonic() < deadline:
                wh.query("SELECT 1")
    finally:
        worker.join()
        wh.close()
    assert caught.value.problems[0].code == "warehouse_busy"
