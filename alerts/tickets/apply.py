"""Apply one evaluation of a rule to its tickets — one transaction, at most once per (rule, tick)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, func, select

from alerts.findings import Evaluation
from alerts.rules.model import Rule
from alerts.tickets import rows
from alerts.tickets.dialect import insert
from alerts.tickets.errors import conflicts
from alerts.tickets.model import ApplyReport, Ticket
from alerts.tickets.plan import plan
from alerts.tickets.schema import rule_ticks, tickets
from alerts.tickets.states import ACTIVE
from alerts.tickets.steps import Step
from alerts.tickets.store import Store
from alerts.tickets.write import write


def apply(store: Store, rule: Rule, evaluation: Evaluation, tick: str, now: dt.datetime) -> ApplyReport:
    if evaluation.rule_id != rule.id:
        raise ValueError(f"evaluation of {evaluation.rule_id!r} applied to rule {rule.id!r}")
    with conflicts(f"applying rule {rule.id} for {tick}", f"应用规则 {rule.id}（{tick}）"), store.write() as conn:
        if not _claim(conn, rule, evaluation, tick, now):
            return ApplyReport(rule.id, tick, applied=False)
        active = active_tickets(conn, rule.id)
        may_open = {f.key for f in evaluation.findings} - set(active)  # a storm ticket opens only then, too
        episodes = _episodes(conn, rule.id) if may_open else {}
        steps = write(conn, plan(rule, evaluation, active, episodes, now), now)
        return _report(rule.id, tick, steps)


def _claim(conn: Connection, rule: Rule, evaluation: Evaluation, tick: str, now: dt.datetime) -> bool:
    """Record (rule, tick) first: a second applier of the tick waits for the first and then finds it done."""
    stmt = (
        insert(conn, rule_ticks)
        .values(
            rule_id=rule.id,
            tick=tick,
            evaluated_at=evaluation.evaluated_at,
            applied_at=now,
            findings=len(evaluation.findings),
        )
        .on_conflict_do_nothing(index_elements=["rule_id", "tick"])
        .returning(rule_ticks.c.tick)
    )
    return conn.execute(stmt).first() is not None


def active_tickets(conn: Connection, rule_id: str) -> dict[str, Ticket]:
    """The rule's active tickets by entity key, locked in id order (the one lock order every writer uses)."""
    stmt = (
        select(tickets)
        .where(tickets.c.rule_id == rule_id, tickets.c.status.in_(ACTIVE))
        .order_by(tickets.c.id)
        .with_for_update()
    )
    return {t.entity_key: t for t in map(rows.ticket, conn.execute(stmt))}


def _episodes(conn: Connection, rule_id: str) -> dict[str, int]:
    stmt = (
        select(tickets.c.entity_key, func.max(tickets.c.episode))
        .where(tickets.c.rule_id == rule_id)
        .group_by(tickets.c.entity_key)
    )
    return {str(k): int(n) for k, n in conn.execute(stmt)}


def _report(rule_id: str, tick: str, steps: Sequence[Step]) -> ApplyReport:
    opened = tuple(s.after.ticket_no for s in steps if s.before is None)
    firing = tuple(s.after.ticket_no for s in steps if s.before is not None and s.after.ok_streak == 0)
    live = [s.after for s in steps if s.before is None or s.after.ok_streak == 0]
    storm = next((t.ticket_no for t in live if t.is_storm), None)
    return ApplyReport(
        rule_id,
        tick,
        applied=True,
        opened=opened,
        firing=firing,
        changed=tuple(s.after.ticket_no for s in steps if s.action == "update"),
        resolved=tuple(s.after.ticket_no for s in steps if s.action == "resolve"),
        storm=storm,
        notifications=sum(len(s.after.channels) for s in steps if s.notify),
    )
