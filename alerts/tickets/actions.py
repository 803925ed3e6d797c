"""What people do to a ticket — ack, assign, snooze, close, reopen — each one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from alerts.tickets import rows
from alerts.tickets.errors import bad_request, conflicts, unknown_ticket
from alerts.tickets.model import Ticket
from alerts.tickets.schema import tickets
from alerts.tickets.states import ACTIVE, Action
from alerts.tickets.steps import Step, change
from alerts.tickets.store import Store
from alerts.tickets.write import write

Build = Callable[[Connection, Ticket], Step]


@dataclass(frozen=True)
class Who:
    """Who acts, from where, with what note (recorded in the audit event)."""

    by: str
    platform: str = "cli"
    note: str | None = None


def act(store: Store, ticket_no: str, now: dt.datetime, build: Build) -> Ticket:
    """Lock the ticket, build its step (the state machine may refuse), write it; the updated ticket."""
    no = normal_no(ticket_no)
    with conflicts(f"changing {no}", f"修改工单 {no}"), store.write() as conn:
        ticket = locked(conn, no)
        [done] = write(conn, [build(conn, ticket)], now)
        return done.after


def normal_no(ticket_no: str) -> str:
    return ticket_no.strip().upper()


def locked(conn: Connection, no: str) -> Ticket:
    row = conn.execute(select(tickets).where(tickets.c.ticket_no == no).with_for_update()).first()
    if row is None:
        raise unknown_ticket(no)
    return rows.ticket(row)


def person(name: str, role_en: str = "who acts", role_zh: str = "操作人") -> str:
    if not name.strip():
        raise bad_request("no_person", f"Say {role_en}.", f"请指明{role_zh}。")
    return name.strip()


def _human(t: Ticket, action: Action, who: Who, now: dt.datetime, data: dict[str, Any] | None, **changes: Any) -> Step:
    actor = person(who.by)
    return change(
        t, action, now, actor=actor, platform=who.platform, note=who.note, data=data, notify="ticket_updated", **changes
    )


def members(t: Ticket) -> dict[str, Any] | None:
    """A storm ticket's members, recorded with its ack and close so each member's history shows the step."""
    if not t.is_storm:
        return None
    listed = t.evidence.get("members") or []
    return {"members": [m.get("entity", {}) for m in listed], "count": t.evidence.get("count", len(listed))}


def ack(who: Who, now: dt.datetime) -> Build:
    return lambda _conn, t: _human(t, "ack", who, now, members(t), acked_by=person(who.by), snoozed_until=None)


def assign(to: str, who: Who, now: dt.datetime) -> Build:
    def build(_conn: Connection, t: Ticket) -> Step:
        owner = person(to, "who the new owner is", "新负责人")
        return _human(t, "assign", who, now, {"from": t.owner, "to": owner}, owner=owner)

    return build


def snooze(until: dt.datetime, who: Who, now: dt.datetime) -> Build:
    def build(_conn: Connection, t: Ticket) -> Step:
        if until.tzinfo is None or until <= now:
            raise bad_request("snooze_past", "Snooze until a time in the future.", "暂缓的截止时间必须晚于现在。")
        data = {"until": until.astimezone(dt.UTC).isoformat()}
        return _human(t, "snooze", who, now, data, snoozed_until=until)

    return build


def close(who: Who, now: dt.datetime) -> Build:
    return lambda _conn, t: _human(t, "close", who, now, members(t), snoozed_until=None)


def reopen(who: Who, now: dt.datetime) -> Build:
    def build(conn: Connection, t: Ticket) -> Step:
        reset = {"ok_streak": 0, "escalation_level": 0, "escalate_from": now, "snoozed_until": None, "acked_by": None}
        step = _human(t, "reopen", who, now, None, **reset)  # refuses first when it is not resolved/closed
        newer = _active_sibling(conn, t)
        if newer is not None:
            raise bad_request(
                "newer_active",
                f"{t.ticket_no} has a newer active ticket {newer} for the same entity; work on that one.",
                f"工单 {t.ticket_no} 的同一对象已有更新的处理中工单 {newer}，请处理该工单。",
            )
        return step

    return build


def _active_sibling(conn: Connection, t: Ticket) -> str | None:
    stmt = select(tickets.c.ticket_no).where(
        tickets.c.rule_id == t.rule_id, tickets.c.entity_key == t.entity_key, tickets.c.status.in_(ACTIVE)
    )
    return conn.execute(stmt).scalar_one_or_none()
