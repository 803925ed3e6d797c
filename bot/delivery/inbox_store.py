"""The inbox's table: every verified inbound event, written before the webhook answers 200.

Table ``bot_inbox`` in the state database (SQLite or PostgreSQL, created if missing). The unique
(platform, event id) key is the de-duplication of platform retries, and it survives restarts. An event is
``queued`` until a worker claims it (``running``, with the claiming process as ``owner``), then ``done``
or ``failed``. A claim whose owner died — a process of this host that is gone, or any claim older than the
lease — is taken again, so an event queued or half-handled when the bot stopped is handled after a restart;
an event that was taken ``MAX_ATTEMPTS`` times without finishing is parked as ``failed`` (it keeps killing
its worker). Finished rows are kept for ``KEEP_S`` (longer than any platform's retry schedule), then purged.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    delete,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RootTransaction
from sqlalchemy.exc import OperationalError

from adapters.base import InboundEvent
from alerts.tickets.columns import UtcDateTime
from bot.delivery.inbox_codec import event_from_json, event_json

KEEP_S = 6 * 3600  # Slack retries for ~1 h, WeCom 3 times in 15 s, DingTalk a few times
LEASE_S = 600.0  # a claim older than this is taken again (its owner is on another host and presumed dead)
MAX_ATTEMPTS = 3
BUSY_S = 30.0  # how long a write waits for another connection's to finish
CLAIM_LOCK = 0x6F707369  # pg_advisory_xact_lock key of inbox claims ("opsi")
metadata = MetaData()
bot_inbox = Table(
    "bot_inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(20), nullable=False),
    Column("event_id", String(300), nullable=False),
    Column("event", Text, nullable=False),  # JSON of the InboundEvent
    Column("conversation", String(600), nullable=False),  # platform|chat|thread: its events run one at a time
    Column("state", String(10), nullable=False),  # queued | running | done | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("owner", String(200), nullable=True),  # host:pid of the claiming process
    Column("received_at", UtcDateTime, nullable=False),
    Column("claimed_at", UtcDateTime, nullable=True),
    Column("finished_at", UtcDateTime, nullable=True),
    UniqueConstraint("platform", "event_id", name="bot_inbox_event"),
    Index("bot_inbox_state", "state", "id"),
    Index("bot_inbox_conversation", "conversation", "state"),
)


def conversation(event: InboundEvent) -> str:
    """The thread an event belongs to (a whole chat where the platform has no threads)."""
    return "|".join((event.platform, event.chat, event.thread or ""))[:600]


def _sqlite_settings(dbapi_conn: Any, _record: Any) -> None:
    """The inbox's own connections: SQLite checkpoints the WAL into the database inside whichever commit
    crosses 1000 pages, and that commit then waits for an fsync (~200 ms here); ours leave it to
    ``checkpoint()``. A busy database is waited for by ``_begin``, not by SQLite's sleeping handler."""
    dbapi_conn.execute("PRAGMA wal_autocheckpoint = 0")
    dbapi_conn.execute("PRAGMA busy_timeout = 0")


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(owner: str) -> bool:
    """Whether the process ``owner`` names still runs; unknown (another host) counts as alive."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Claimed:
    id: int
    event: InboundEvent
    attempt: int


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class InboxStore:
    """``engine`` must be the inbox's own: on SQLite its connections are set up for the inbox (no automatic
    checkpoints, no sleeping busy handler)."""

    def __init__(
        self, engine: Engine, *, clock: Callable[[], dt.datetime] = _utc_now, owner: str | None = None
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.owner = owner or this_process()
        self._lock = threading.Lock()
        self.sqlite = engine.dialect.name == "sqlite"
        if self.sqlite:
            sa_event.listen(engine, "connect", _sqlite_settings)
            engine.dispose()  # connections made before this one get the settings too
        with self._tx() as conn:
            metadata.create_all(conn, checkfirst=True)

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        """One write transaction at a time from this process: webhook threads queue on a lock (woken at once)."""
        with self._lock:
            conn, tx = self._begin()
            try:
                yield conn
                tx.commit()
            except BaseException:
                tx.rollback()
                raise
            finally:
                conn.close()

    def _begin(self) -> tuple[Connection, RootTransaction]:
        """BEGIN IMMEDIATE; on SQLite, while another connection writes, tried again every millisecond (SQLite's
        own busy handler sleeps 1, 2, 5 … 100 ms between tries: a 20 ms write elsewhere would cost us 33 ms)."""
        deadline = time.monotonic() + BUSY_S
        while True:
            conn = self.engine.connect().execution_options(opsbot_write=True)
            try:
                return conn, conn.begin()
            except OperationalError as e:
                conn.close()
                locked = self.sqlite and "locked" in str(e.orig)
                if not locked or time.monotonic() > deadline:
                    raise
            time.sleep(0.001)

    def checkpoint(self) -> None:
        """Copy the SQLite WAL into the database without blocking writers (a PASSIVE checkpoint)."""
        if self.sqlite:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def add(self, event: InboundEvent) -> bool:
        """Keep ``event`` for the workers; False when this (platform, event id) was kept before."""
        return self.add_many([event])[0]

    def add_many(self, events: list[InboundEvent]) -> list[bool]:
        """Keep the events with one statement (a group commit); for each, False when it was kept before."""
        if not events:
            return []
        now = self.clock()
        first: dict[tuple[str, str], int] = {}
        for i, e in enumerate(events):
            first.setdefault((e.platform, e.event_id), i)
        rows = [
            {
                "platform": events[i].platform,
                "event_id": events[i].event_id,
                "event": event_json(events[i]),
                "conversation": conversation(events[i]),
                "state": "queued",
                "attempts": 0,
                "received_at": now,
            }
            for i in first.values()
        ]
        build = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = (
            build(bot_inbox)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["platform", "event_id"])
            .returning(bot_inbox.c.platform, bot_inbox.c.event_id)
        )
        with self._tx() as conn:
            new = {(str(p), str(e)) for p, e in conn.execute(statement)}
        return [first[(e.platform, e.event_id)] == i and (e.platform, e.event_id) in new for i, e in enumerate(events)]

    def dead_owners(self) -> frozenset[str]:
        """Owners of running claims that are processes of this host no longer alive (a crash, a kill)."""
        with self.engine.connect() as conn:
            owners = conn.execute(select(bot_inbox.c.owner).where(bot_inbox.c.state == "running").distinct()).scalars()
            return frozenset(o for o in owners if o and o != self.owner and not _alive(o))

    def claim(self, limit: int, *, dead: frozenset[str] = frozenset()) -> list[Claimed]:
        """Take up to ``limit`` events, oldest first: queued ones, and running ones of dead or stale owners.

        One event per conversation at a time, in order: an event waits while an earlier one of its thread is
        running anywhere (so a follow-up reads the context its question left, and "ack" comes before "close")."""
        if limit <= 0:
            return []
        now = self.clock()
        stale = now - dt.timedelta(seconds=LEASE_S)
        c = bot_inbox.c
        gone = or_(c.claimed_at < stale, c.owner.in_(sorted(dead))) if dead else c.claimed_at < stale
        busy = select(c.conversation).where(c.state == "running", ~gone).scalar_subquery()
        takeable = and_(or_(c.state == "queued", and_(c.state == "running", gone)), c.conversation.not_in(busy))
        with self._tx() as conn:
            if not self.sqlite:  # claims of several servers one after another: none sees a stale "busy"
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CLAIM_LOCK})
            rows = conn.execute(
                select(c.id, c.event, c.attempts, c.conversation)
                .where(takeable)
                .order_by(c.id)
                .limit(limit * 4)
                .with_for_update(skip_locked=True)
            ).all()
            claimed: list[Claimed] = []
            taken: set[str] = set()
            for r in rows:
                if len(claimed) == limit:
                    break
                if r.conversation in taken:
                    continue
                taken.add(r.conversation)
                if r.attempts >= MAX_ATTEMPTS:
                    conn.execute(update(bot_inbox).where(c.id == r.id).values(state="failed", finished_at=now))
                    continue
                conn.execute(
                    update(bot_inbox)
                    .where(c.id == r.id)
                    .values(state="running", owner=self.owner, claimed_at=now, attempts=r.attempts + 1)
                )
                claimed.append(Claimed(r.id, event_from_json(r.event), r.attempts + 1))
            return claimed

    def finish(self, row_id: int, *, ok: bool = True) -> None:
        with self._tx() as conn:
            conn.execute(
                update(bot_inbox)
                .where(bot_inbox.c.id == row_id)
                .values(state="done" if ok else "failed", finished_at=self.clock())
            )

    def release(self, row_ids: list[int]) -> None:
        """Give claims back (not started when the process stops): queued again, the attempt not counted."""
        if not row_ids:
            return
        with self._tx() as conn:
            conn.execute(
                update(bot_inbox)
                .where(bot_inbox.c.id.in_(row_ids), bot_inbox.c.state == "running")
                .values(state="queued", owner=None, claimed_at=None, attempts=bot_inbox.c.attempts - 1)
            )

    def waiting(self) -> int:
        """Events not finished yet (queued or running, by any process)."""
        with self.engine.connect() as conn:
            n = conn.execute(
                select(func.count()).select_from(bot_inbox).where(bot_inbox.c.state.in_(("queued", "running")))
            ).scalar_one()
            return int(n)

    def states(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(bot_inbox.c.state, func.count()).group_by(bot_inbox.c.state)).all()
            return {str(s): int(n) for s, n in rows}

    def purge(self) -> int:
        """Forget finished events older than KEEP_S (their retries can no longer come)."""
        before = self.clock() - dt.timedelta(seconds=KEEP_S)
        with self._tx() as conn:
            gone = conn.execute(
                delete(bot_inbox).where(bot_inbox.c.state.in_(("done", "failed")), bot_inbox.c.received_at < before)
            )
            return int(gone.rowcount or 0)
