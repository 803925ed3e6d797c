"""The delivery side of the outbox: due rows in order, delivered / failed marks, where cards were posted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, exists, select, update

from alerts.tickets import rows
from alerts.tickets.dialect import insert
from alerts.tickets.errors import bad_request
from alerts.tickets.model import OutboxItem, TicketMessage
from alerts.tickets.schema import outbox, outbox_leases, ticket_messages, tickets


def pending(conn: Connection, now: dt.datetime, limit: int) -> list[OutboxItem]:
    """Undelivered rows that are due, oldest first — at most the first undelivered one per (ticket, channel),
    so a card is always posted before its updates and updates arrive in order."""
    earlier = outbox.alias("earlier")
    blocked = exists().where(
        earlier.c.ticket_id == outbox.c.ticket_id,
        earlier.c.channel == outbox.c.channel,
        earlier.c.delivered_at.is_(None),
        earlier.c.id < outbox.c.id,
    )
    stmt = (
        select(outbox)
        .where(outbox.c.delivered_at.is_(None), outbox.c.not_before <= now, ~blocked)
        .order_by(outbox.c.not_before, outbox.c.id)
        .limit(limit)
    )
    return [rows.outbox_item(r) for r in conn.execute(stmt)]


def claim(conn: Connection, now: dt.datetime, limit: int, owner: str, lease: dt.timedelta) -> list[OutboxItem]:
    """The due rows (as `pending`) that ``owner`` may deliver now: each gets a lease until ``now + lease``
    unless another owner's lease on it is still running. Two bots on one store never hold the same row;
    a bot that dies mid-delivery loses its rows when the lease runs out (then another bot sends them)."""
    held: list[OutboxItem] = []
    until = now + lease
    for got in pending(conn, now, limit):
        taken = conn.execute(
            insert(conn, outbox_leases)
            .values(outbox_id=got.id, owner=owner, until=until)
            .on_conflict_do_nothing(index_elements=["outbox_id"])
            .returning(outbox_leases.c.outbox_id)  # rowcount is not reliable here (-1 on psycopg)
        ).first()
        if not taken:  # a lease exists: take it over only when it has run out (or is our own)
            stale = (outbox_leases.c.until < now) | (outbox_leases.c.owner == owner)
            taken = conn.execute(
                update(outbox_leases)
                .where(outbox_leases.c.outbox_id == got.id, stale)
                .values(owner=owner, until=until)
                .returning(outbox_leases.c.outbox_id)
            ).first()
        if not taken:
            continue
        # the list above may predate another bot's "delivered" (or "retry later"): read the row again now
        fresh = item(conn, got.id)
        if fresh.delivered_at is None and fresh.not_before <= now:
            held.append(fresh)
        else:
            release(conn, got.id)
    return held


def release(conn: Connection, outbox_id: int) -> None:
    conn.execute(delete(outbox_leases).where(outbox_leases.c.outbox_id == outbox_id))


def undelivered(conn: Connection, ticket_id: int) -> list[OutboxItem]:
    """The ticket's rows not delivered yet (waiting, retrying or parked), oldest first."""
    stmt = select(outbox).where(outbox.c.ticket_id == ticket_id, outbox.c.delivered_at.is_(None)).order_by(outbox.c.id)
    return [rows.outbox_item(r) for r in conn.execute(stmt)]


def item(conn: Connection, outbox_id: int) -> OutboxItem:
    row = conn.execute(select(outbox).where(outbox.c.id == outbox_id).with_for_update()).first()
    if row is None:
        raise bad_request("unknown_outbox", f"There is no outbox row {outbox_id}.", f"没有待发消息 {outbox_id}。")
    return rows.outbox_item(row)


def delivered(conn: Connection, outbox_id: int, now: dt.datetime) -> OutboxItem:
    """Mark delivered (once: a second mark keeps the first time)."""
    got = item(conn, outbox_id)
    release(conn, outbox_id)
    if got.delivered_at is None:
        conn.execute(
            update(outbox).where(outbox.c.id == outbox_id).values(delivered_at=now, attempts=outbox.c.attempts + 1)
        )
    return got


def failed(conn: Connection, outbox_id: int, error: str, retry_at: dt.datetime) -> None:
    got = item(conn, outbox_id)
    release(conn, outbox_id)
    if got.delivered_at is not None:
        return
    values = {"attempts": outbox.c.attempts + 1, "last_error": error[:2000], "not_before": retry_at}
    conn.execute(update(outbox).where(outbox.c.id == outbox_id).values(**values))


def remember(conn: Connection, ticket_id: int, platform: str, channel: str, ref: str, now: dt.datetime) -> None:
    """Where the ticket's card is in (platform, channel): the newest reference wins."""
    values = {"ticket_id": ticket_id, "platform": platform, "channel": channel, "message_ref": ref}
    stmt = (
        insert(conn, ticket_messages)
        .values(**values, created_at=now, updated_at=now)
        .on_conflict_do_update(
            index_elements=["ticket_id", "platform", "channel"], set_={"message_ref": ref, "updated_at": now}
        )
    )
    conn.execute(stmt)


def messages(conn: Connection, ticket_id: int) -> list[TicketMessage]:
    stmt = select(ticket_messages).where(ticket_messages.c.ticket_id == ticket_id).order_by(ticket_messages.c.id)
    return [rows.message(r) for r in conn.execute(stmt)]


CARDS_LOOKED_UP = 5_000  # the newest cards: a thread of an older card is not matched to its ticket


def cards_on(conn: Connection, platform: str) -> list[tuple[str, TicketMessage]]:
    stmt = (
        select(tickets.c.ticket_no, ticket_messages)
        .join(tickets, tickets.c.id == ticket_messages.c.ticket_id)
        .where(ticket_messages.c.platform == platform)
        .order_by(ticket_messages.c.updated_at.desc(), ticket_messages.c.id.desc())
        .limit(CARDS_LOOKED_UP)
    )
    found = []
    for r in conn.execute(stmt):
        m = dict(r._mapping)
        number = str(m.pop("ticket_no"))
        del m["id"]
        found.append((number, TicketMessage(**m)))
    return found
