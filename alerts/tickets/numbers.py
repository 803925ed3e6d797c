"""Ticket numbers: T-<Asia/Shanghai day>-<NNNN>, from a per-day counter bumped inside the opening transaction.

The counter row is written with INSERT … ON CONFLICT DO UPDATE … RETURNING, so concurrent openers
queue on that row (PostgreSQL) or on the database lock (SQLite) and a rolled-back transaction
gives its numbers back.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from alerts.rules.model import TIMEZONE
from alerts.tickets.dialect import insert
from alerts.tickets.schema import ticket_counters

_TZ = ZoneInfo(TIMEZONE)


def reserve(conn: Connection, at: dt.datetime, count: int) -> list[str]:
    """``count`` fresh ticket numbers for the local day of ``at``."""
    if count <= 0:
        return []
    day = at.astimezone(_TZ).strftime("%Y%m%d")
    stmt = (
        insert(conn, ticket_counters)
        .values(day=day, last=count)
        .on_conflict_do_update(index_elements=["day"], set_={"last": ticket_counters.c["last"] + count})
        .returning(ticket_counters.c["last"])
    )
    last = int(conn.execute(stmt).scalar_one())
    return [f"T-{day}-{n:04d}" for n in range(last - count + 1, last + 1)]
