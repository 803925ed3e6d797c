"""Reading tickets: lists with filters, one ticket with its audit trail."""

from __future__ import annotations

from sqlalchemy import Connection, select

from alerts.tickets import rows
from alerts.tickets.errors import unknown_ticket
from alerts.tickets.model import Ticket, TicketHistory
from alerts.tickets.schema import ticket_events, tickets
from alerts.tickets.states import ACTIVE, STATUSES
from metrics.problems import nearest, user_error


def list_tickets(
    conn: Connection, status: str | None = None, owner: str | None = None, rule_id: str | None = None
) -> list[Ticket]:
    """Newest first; ``status`` is one status or "active" (open, acknowledged, snoozed)."""
    stmt = select(tickets).order_by(tickets.c.id.desc())
    if status is not None:
        stmt = stmt.where(tickets.c.status.in_(_statuses(status)))
    if owner is not None:
        stmt = stmt.where(tickets.c.owner == owner)
    if rule_id is not None:
        stmt = stmt.where(tickets.c.rule_id == rule_id)
    return [rows.ticket(r) for r in conn.execute(stmt)]


def _statuses(status: str) -> tuple[str, ...]:
    if status == "active":
        return ACTIVE
    if status in STATUSES:
        return (status,)
    known = (*STATUSES, "active")
    raise user_error(
        "tickets.unknown_status",
        f"Unknown ticket status {status!r}; the statuses are {', '.join(known)}.",
        f"没有工单状态 {status!r}；可选：{'、'.join(known)}。",
        nearest(status, known),
    )


def find(conn: Connection, no: str) -> Ticket:
    row = conn.execute(select(tickets).where(tickets.c.ticket_no == no)).first()
    if row is None:
        raise unknown_ticket(no)
    return rows.ticket(row)


def history(conn: Connection, no: str) -> TicketHistory:
    ticket = find(conn, no)
    stmt = select(ticket_events).where(ticket_events.c.ticket_id == ticket.id).order_by(ticket_events.c.seq)
    return TicketHistory(ticket, tuple(rows.event(r) for r in conn.execute(stmt)))
