"""Time-driven changes: unacknowledged open tickets escalate step by step; snoozed tickets wake when due.

Idempotent: the reached level and the wake are stored, so running it again at the same time changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Connection, and_, or_, select

from alerts.rules.model import Rule
from alerts.tickets import rows
from alerts.tickets.errors import conflicts
from alerts.tickets.model import EscalationReport, Ticket
from alerts.tickets.quiet import notify_at
from alerts.tickets.schema import tickets
from alerts.tickets.steps import Step, change
from alerts.tickets.store import Store
from alerts.tickets.write import write


def tick_escalations(store: Store, rules: Mapping[str, Rule], now: dt.datetime) -> EscalationReport:
    with conflicts("escalating tickets", "升级工单"), store.write() as conn:
        steps: list[Step] = []
        for t in _due(conn, rules, now):
            woken = [wake(t, now)] if t.status == "snoozed" else []
            rule = rules.get(t.rule_id)
            later = escalations(rule, woken[-1].after if woken else t, now) if rule is not None else []
            steps += woken + later
        write(conn, steps, now)
    return EscalationReport(
        escalated=tuple(
            (s.after.ticket_no, s.after.escalation_level, str(s.data["to"])) for s in steps if s.action == "escalate"
        ),
        woken=tuple(s.after.ticket_no for s in steps if s.action == "wake"),
    )


def _due(conn: Connection, rules: Mapping[str, Rule], now: dt.datetime) -> list[Ticket]:
    """Snoozed tickets due to wake and open tickets whose next escalation step is due — only those are
    locked (in id order), so the every-minute tick leaves every other ticket alone."""
    due = [and_(tickets.c.status == "snoozed", tickets.c.snoozed_until <= now)]
    for rule in rules.values():
        for level, step in enumerate(rule.escalation):
            due.append(
                and_(
                    tickets.c.status == "open",
                    tickets.c.rule_id == rule.id,
                    tickets.c.escalation_level == level,
                    tickets.c.escalate_from <= now - dt.timedelta(minutes=step.after_minutes),
                )
            )
    stmt = select(tickets).where(or_(*due)).order_by(tickets.c.id).with_for_update()
    return [rows.ticket(r) for r in conn.execute(stmt)]


def wake(t: Ticket, now: dt.datetime) -> Step:
    data = {"snoozed_until": t.snoozed_until.isoformat() if t.snoozed_until else None}
    return change(
        t, "wake", now, data=data, notify="ticket_updated", snoozed_until=None, acked_by=None, escalate_from=now
    )


def escalations(rule: Rule, t: Ticket, now: dt.datetime) -> list[Step]:
    """One step per escalation level that is due (several when the tick ran late), in order."""
    out: list[Step] = []
    current = t
    while current.status == "open" and current.escalation_level < len(rule.escalation):
        due = rule.escalation[current.escalation_level]
        if now < current.escalate_from + dt.timedelta(minutes=due.after_minutes):
            break
        level = current.escalation_level + 1
        data = {"level": level, "to": due.to, "after_minutes": due.after_minutes, "owner": current.owner}
        at = notify_at(rule, current.severity, now)
        step = change(current, "escalate", now, data=data, notify="escalated", not_before=at, escalation_level=level)
        out.append(step)
        current = step.after
    return out
