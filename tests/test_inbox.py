"""The inbox table (bot.delivery.inbox_store) on SQLite and PostgreSQL, and the Inbox dispatcher over it: events kept
exactly as received, repeats refused across restarts, claims of dead processes taken over, a poison event
parked, concurrent claimers never sharing an event, finished rows purged after the retry window."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.base import ButtonAction, InboundEvent, MessageRef
from alerts.tickets.store import Store, open_store
from bot.delivery.inbox import Inbox
from bot.delivery.inbox_store import KEEP_S, MAX_ATTEMPTS, InboxStore, bot_inbox

pytest_plugins = ("tickets_fixtures",)


def event(n: int, platform: str = "slack", thread: str | None = None) -> InboundEvent:
    return InboundEvent(
        platform=platform,  # type: ignore[arg-type]
        event_id=f"Ev{n:05d}",
        chat="C1",
        user="U1",
        text=f"上周GMV是多少？#{n}",
        thread=thread or f"{1_700_000_000 + n}.000100",  # each its own thread unless told
        mentions=("U2",),
        action=ButtonAction("ack", "T-20261120-0001", MessageRef("slack", "C1", "17.1", extra={"k": "v"}), "tok"),
        reply_url="https://hooks.example/x",
        raw={"event": {"type": "app_mention", "n": n}, "list": [1, 2]},
    )


def dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


@pytest.fixture()
def engine_store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def test_an_event_is_kept_as_received_and_a_repeat_is_refused_after_a_restart(store_url: str) -> None:
    first = open_store(store_url)
    try:
        inbox = InboxStore(first.engine)
        assert inbox.add(event(1)) is True
        assert inbox.add(event(1)) is False  # the platform's retry
        assert inbox.add(event(1, platform="wecom")) is True  # same id on another platform is another event
    finally:
        first.close()
    again = open_store(store_url)  # the process restarted
    try:
        inbox = InboxStore(again.engine)
        assert inbox.add(event(1)) is False
        taken = inbox.claim(10)
        assert [c.event for c in taken] == [event(1), event(1, platform="wecom")]
        assert [c.attempt for c in taken] == [1, 1]
    finally:
        again.close()


def test_claims_of_a_dead_process_are_taken_over_and_a_live_ones_are_not(engine_store: Store) -> None:
    host = socket.gethostname()
    dead = InboxStore(engine_store.engine, owner=f"{host}:{dead_pid()}")
    alive = InboxStore(engine_store.engine, owner=f"{host}:{os.getppid()}")
    for n in range(4):
        dead.add(event(n))
    assert [c.event.event_id for c in dead.claim(2)] == ["Ev00000", "Ev00001"]
    assert [c.event.event_id for c in alive.claim(1)] == ["Ev00002"]
    me = InboxStore(engine_store.engine)
    assert me.dead_owners() == {dead.owner}
    taken = me.claim(10, dead=me.dead_owners())
    assert [(c.event.event_id, c.attempt) for c in taken] == [("Ev00000", 2), ("Ev00001", 2), ("Ev00003", 1)]
    assert me.claim(10, dead=me.dead_owners()) == []  # the live process keeps Ev00002
    assert me.states() == {"running": 4}


def test_an_event_that_keeps_killing_its_worker_is_parked(engine_store: Store) -> None:
    store = InboxStore(engine_store.engine)
    store.add(event(7))
    host = socket.gethostname()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        taker = InboxStore(engine_store.engine, owner=f"{host}:{dead_pid()}")
        assert [c.attempt for c in taker.claim(1, dead=frozenset(store.dead_owners()))] == [attempt]
    assert store.claim(1, dead=store.dead_owners()) == []
    assert store.states() == {"failed": 1}


def test_concurrent_claimers_never_share_an_event(engine_store: Store) -> None:
    stores = [InboxStore(engine_store.engine, owner=f"other-host:{i}") for i in range(3)]
    for n in range(150):
        stores[0].add(event(n))
    got: list[list[str]] = [[] for _ in stores]

    def drain(i: int) -> None:
        while batch := stores[i].claim(7):
            got[i].extend(c.event.event_id for c in batch)

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    everything = [e for g in got for e in g]
    assert sorted(everything) == [f"Ev{n:05d}" for n in range(150)]  # each exactly once


def test_finished_events_are_forgotten_after_the_retry_window(engine_store: Store) -> None:
    now = [dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)]
    store = InboxStore(engine_store.engine, clock=lambda: now[0])
    for n in range(3):
        store.add(event(n))
    done, failed = store.claim(2)
    store.finish(done.id)
    store.finish(failed.id, ok=False)
    now[0] += dt.timedelta(seconds=KEEP_S - 60)
    assert store.purge() == 0
    now[0] += dt.timedelta(seconds=120)
    assert store.purge() == 2
    assert store.states() == {"queued": 1}
    assert store.add(event(0)) is True  # long after its retries, the same id is a new event


def test_the_dispatcher_handles_each_event_once_and_stops_without_the_backlog(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    seen: list[str] = []
    gate = threading.Event()

    def handle(e: InboundEvent) -> None:
        gate.wait(10)
        seen.append(e.event_id)

    inbox = Inbox(InboxStore(store.engine), handle, workers=2, poll_s=0.05)
    inbox.start()
    for n in range(10):
        assert inbox.submit(event(n))
    assert not inbox.submit(event(3))
    gate.set()
    assert inbox.idle(20)
    assert sorted(seen) == [f"Ev{n:05d}" for n in range(10)]
    gate.clear()
    for n in range(10, 20):
        inbox.submit(event(n))
    threading.Timer(0.3, gate.set).start()
    inbox.close(timeout=5)  # two being handled finish; the other eight stay queued
    kept = InboxStore(store.engine)
    assert kept.states() == {"done": 12, "queued": 8}
    later: list[str] = []
    again = Inbox(kept, lambda e: later.append(e.event_id), workers=2, poll_s=0.05)
    again.start()
    assert again.idle(20)
    again.close()
    assert len(seen) == 12 and sorted(seen + later) == [f"Ev{n:05d}" for n in range(20)]
    with store.engine.connect() as conn:
        assert set(conn.execute(select(bot_inbox.c.state)).scalars()) == {"done"}
    store.close()


def test_many_webhooks_at_once_are_kept_once_each_by_the_group_commit(tmp_path: Path) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    store = open_store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    inbox = Inbox(InboxStore(store.engine), lambda e: None, workers=1)  # not started: nothing is handled
    with ThreadPoolExecutor(16) as threads:  # every event sent 3 times (a platform's retries) from 16 threads
        results = list(threads.map(inbox.submit, [event(n % 60) for n in range(180)]))
    assert sum(results) == 60

    async def from_the_loop() -> list[bool]:
        return await asyncio.gather(*(inbox.submit_async(event(n)) for n in range(55, 80)))

    assert sum(asyncio.run(from_the_loop())) == 20  # 60…79 are new
    assert InboxStore(store.engine).states() == {"queued": 80}
    inbox.close()
    store.close()


def test_a_conversation_is_handled_in_order_one_event_at_a_time(engine_store: Store) -> None:
    a = InboxStore(engine_store.engine, owner="host-a:1")
    b = InboxStore(engine_store.engine, owner="host-b:2")  # another server on the same database
    for n in range(6):
        a.add(event(n, thread="T-shared" if n % 2 == 0 else None))  # 0, 2, 4 in one thread
    first = [c.event.event_id for c in a.claim(10)]
    assert first == ["Ev00000", "Ev00001", "Ev00003", "Ev00005"]  # one of the shared thread: the oldest
    assert b.claim(10) == []  # Ev00002 waits for Ev00000, wherever it runs
    with engine_store.engine.connect() as conn:
        ids = dict(conn.execute(select(bot_inbox.c.event_id, bot_inbox.c.id)).all())
    a.finish(ids["Ev00000"])
    assert [c.event.event_id for c in b.claim(10)] == ["Ev00002"]
    b.finish(ids["Ev00002"])
    assert [c.event.event_id for c in a.claim(10)] == ["Ev00004"]


def test_commits_never_checkpoint_sqlite_the_dispatcher_does(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    inbox = InboxStore(store.engine)
    for n in range(0, 5000, 100):
        inbox.add_many([event(i) for i in range(n, n + 100)])
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    wal = tmp_path / "state.sqlite-wal"
    pages = wal.stat().st_size // 4096
    assert pages > 1500, pages  # SQLite would have checkpointed inside a commit at 1000 pages
    inbox.checkpoint()
    with store.engine.connect() as conn:
        busy, log, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    assert busy == 0 and log == done  # everything in the WAL is in the database now
    store.close()


def test_servers_sharing_a_database_keep_each_conversation_in_order(engine_store: Store) -> None:
    stores = [InboxStore(engine_store.engine, owner=f"server-{i}:1") for i in range(3)]
    for n in range(120):
        stores[0].add(event(n, thread=f"T{n % 4}"))  # four conversations of 30 events each
    clock = itertools.count()
    spans: list[tuple[str, int, int, int]] = []  # conversation, event number, claimed at, finished at
    lock = threading.Lock()

    def work(store: InboxStore) -> None:
        while batch := store.claim(2):
            for c in batch:
                start = next(clock)
                time.sleep(0.001)
                end = next(clock)
                store.finish(c.id)
                with lock:
                    spans.append((str(c.event.thread), int(c.event.event_id[2:]), start, end))

    threads = [threading.Thread(target=work, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(spans) == 120
    for conv in {s[0] for s in spans}:
        mine = sorted((s for s in spans if s[0] == conv), key=lambda s: s[2])
        assert [s[1] for s in mine] == sorted(s[1] for s in mine)  # taken in the order they came
        assert all(a[3] < b[2] for a, b in itertools.pairwise(mine))  # one at a time
