"""What applying one evaluation changes, decided from the rule's active tickets (pure: no I/O).

Per finding: its entity's active ticket fires again (refresh), or a new ticket opens (next
episode). More than ``rule.storm_threshold`` new ones — or any while the rule's storm ticket is
active — go to the storm ticket instead. Active tickets that did not fire count one more OK
evaluation and resolve at ``rule.ok_evaluations`` (unless the evaluation had no data at all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from alerts.findings import Evaluation, Finding
from alerts.rules.model import SEVERITIES, Rule
from alerts.tickets.model import STORM_KEY, Ticket
from alerts.tickets.quiet import notify_at
from alerts.tickets.steps import Step, change, opening
from alerts.tickets.storm import storm_finding, storm_owner


def plan(
    rule: Rule, evaluation: Evaluation, active: Mapping[str, Ticket], episodes: Mapping[str, int], now: dt.datetime
) -> list[Step]:
    findings = dedupe(evaluation.findings)
    seen = evaluation.evaluated_at
    firing = [(active[f.key], f) for f in findings if f.key in active]
    loose = [f for f in findings if f.key not in active]
    new: list[tuple[str, Finding]] = [(f.key, f) for f in loose]
    if loose and (STORM_KEY in active or len(loose) > rule.storm_threshold):
        grouped = storm_finding(rule, loose)
        new = [] if STORM_KEY in active else [(STORM_KEY, grouped)]
        firing += [(active[STORM_KEY], grouped)] if STORM_KEY in active else []
    steps = [refresh(rule, t, f, seen, now) for t, f in firing]
    steps += [open_ticket(rule, key, f, episodes.get(key, 0) + 1, seen, now) for key, f in new]
    if not evaluation.no_data:
        fired = {t.id for t, _ in firing}
        steps += [count_ok(rule, t, now) for t in active.values() if t.id not in fired]
    return steps


def dedupe(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per entity (the worst, then the first), in their order."""
    by_key: dict[str, Finding] = {}
    for f in findings:
        kept = by_key.get(f.key)
        if kept is None or SEVERITIES.index(f.severity) > SEVERITIES.index(kept.severity):
            by_key[f.key] = f
    return list(by_key.values())


def refresh(rule: Rule, t: Ticket, f: Finding, seen: dt.datetime, now: dt.datetime) -> Step:
    values: dict[str, Any] = {
        "last_seen": seen,
        "value": f.value,
        "evidence": f.evidence,
        "label": f.label,
        "threshold": f.threshold,
        "severity": f.severity,
        "ok_streak": 0,
    }
    if f.severity == t.severity:
        return change(t, None, now, **values)
    data = {"severity": {"from": t.severity, "to": f.severity}, "value": f.value}
    at = notify_at(rule, f.severity, now)
    return change(t, "update", now, data=data, notify="ticket_updated", not_before=at, **values)


def open_ticket(rule: Rule, key: str, f: Finding, episode: int, seen: dt.datetime, now: dt.datetime) -> Step:
    at = notify_at(rule, f.severity, now)
    owner = storm_owner(rule, f) if key == STORM_KEY else rule.routing.owner_for(f.entity)
    ticket = Ticket(
        id=0,
        ticket_no="",
        rule_id=rule.id,
        entity_key=key,
        episode=episode,
        entity=f.entity,
        label=f.label,
        severity=f.severity,
        status="open",
        owner=owner,
        escalation_level=0,
        escalate_from=at,  # nobody can acknowledge a card before it is sent
        first_seen=seen,
        last_seen=seen,
        ok_streak=0,
        snoozed_until=None,
        value=f.value,
        threshold=f.threshold,
        evidence=f.evidence,
        channels=rule.channels,
        metric=rule.metric,
        rule_names={"zh": rule.names.zh, "en": rule.names.en},
        created_at=now,
        updated_at=now,
    )
    return opening(ticket, data={"value": f.value, "deferred": at > now}, not_before=at)


def count_ok(rule: Rule, t: Ticket, now: dt.datetime) -> Step:
    streak = t.ok_streak + 1
    if rule.ok_evaluations <= 0 or streak < rule.ok_evaluations:
        return change(t, None, now, ok_streak=streak)
    at = notify_at(rule, t.severity, now)
    data = {"ok_evaluations": streak}
    return change(
        t, "resolve", now, data=data, notify="ticket_updated", not_before=at, ok_streak=streak, snoozed_until=None
    )
