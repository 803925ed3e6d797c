"""Scheduled runs taken once: every bot's scheduler fires the same cron tick, the first to insert
(job, tick) runs it, the others skip. Rows older than ``KEEP`` are purged as new ones come in."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete

from alerts.tickets.dialect import insert
from alerts.tickets.schema import job_ticks

KEEP = dt.timedelta(days=7)


def claim(conn: Connection, job_id: str, tick: str, owner: str, now: dt.datetime) -> bool:
    """Whether ``owner`` is the one to run ``job_id`` at ``tick`` (False: another bot took it)."""
    got = conn.execute(
        insert(conn, job_ticks)
        .values(job_id=job_id, tick=tick, owner=owner, claimed_at=now)
        .on_conflict_do_nothing(index_elements=["job_id", "tick"])
        .returning(job_ticks.c.tick)  # rowcount is not reliable for ON CONFLICT DO NOTHING on psycopg
    ).first()
    conn.execute(delete(job_ticks).where(job_ticks.c.claimed_at < now - KEEP))
    return got is not None
