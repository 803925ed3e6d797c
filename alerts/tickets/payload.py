"""The outbox payload: everything a chat card needs, as plain JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alerts.tickets.model import OutboxKind, Ticket
from alerts.tickets.steps import Step


def _iso(at: dt.datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def ticket_card(t: Ticket) -> dict[str, Any]:
    return {
        "ticket_no": t.ticket_no,
        "rule_id": t.rule_id,
        "rule_names": t.rule_names,
        "metric": t.metric,
        "entity": t.entity,
        "entity_key": t.entity_key,
        "episode": t.episode,
        "storm": t.is_storm,
        "label": t.label,
        "severity": t.severity,
        "status": t.status,
        "owner": t.owner,
        "acked_by": t.acked_by,
        "escalation_level": t.escalation_level,
        "value": t.value,
        "threshold": t.threshold,
        "evidence": t.evidence,
        "first_seen": _iso(t.first_seen),
        "last_seen": _iso(t.last_seen),
        "snoozed_until": _iso(t.snoozed_until),
        "created_at": _iso(t.created_at),
        "updated_at": _iso(t.updated_at),
    }


def card(step: Step, kind: OutboxKind, channel: str, at: dt.datetime) -> dict[str, Any]:
    before = step.before.status if step.before is not None else None
    return {
        "kind": kind,
        "channel": channel,
        "ticket": ticket_card(step.after),
        "event": {
            "seq": step.after.event_seq,
            "action": step.action,
            "actor": step.actor,
            "platform": step.platform,
            "from_status": before,
            "to_status": step.after.status,
            "note": step.note,
            "data": step.data,
            "at": _iso(at),
        },
    }
