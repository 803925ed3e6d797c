"""Storms: more than ``rule.storm_threshold`` new entities at once become one grouped ticket."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alerts.findings import Finding
from alerts.rules.model import SEVERITIES, Rule, Severity

MEMBERS_SHOWN = 200  # members listed in the evidence (critical first); the count is always exact


def worst(severities: Sequence[Severity]) -> Severity:
    return max(severities, key=SEVERITIES.index)


def storm_finding(rule: Rule, members: Sequence[Finding]) -> Finding:
    """The grouped ticket's finding: how many entities fire, the worst severity, the members as evidence."""
    n = len(members)
    ranked = sorted(members, key=lambda f: (-SEVERITIES.index(f.severity), _badness(rule, f), f.label, f.key))
    owners = {rule.routing.owner_for(f.entity) for f in members}
    evidence: dict[str, Any] = {
        "storm": True,
        "count": n,
        "owners": sorted(owners),
        "members": [_member(f) for f in ranked[:MEMBERS_SHOWN]],
        "more": max(0, n - MEMBERS_SHOWN),
        "scope": rule.scope.to_json(),
    }
    period = next((f.evidence["period"] for f in ranked if "period" in f.evidence), None)
    if period is not None:
        evidence["period"] = period
    return Finding(
        entity={},
        label=f"{n} 个对象同时触发 / {n} entities firing",
        severity=worst([f.severity for f in members]),
        value=float(n),
        threshold=ranked[0].threshold if ranked else "",
        evidence=evidence,
    )


def storm_owner(rule: Rule, finding: Finding) -> str:
    """The members' owner when they share one, else the rule's fallback."""
    owners = finding.evidence.get("owners", [])
    return str(owners[0]) if len(owners) == 1 else rule.routing.fallback


def _badness(rule: Rule, f: Finding) -> tuple[int, float]:
    """Worst first within a severity: furthest past the limit (the smallest value for ≤ / <, else the
    largest); members without a number last."""
    if not isinstance(f.value, int | float):
        return (1, 0.0)
    op = getattr(rule.condition, "op", ">")
    return (0, float(f.value) if op in ("<", "<=") else -float(f.value))


def _member(f: Finding) -> dict[str, Any]:
    return {"entity": f.entity, "label": f.label, "severity": f.severity, "value": f.value, "threshold": f.threshold}
