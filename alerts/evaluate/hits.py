"""An entity that breaches a rule, before its evidence is complete, and the evidence every finding has."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alerts.evaluate.queries import Plan
from alerts.evaluate.source import Row, Source, SourceFailed
from alerts.evaluate.text import json_value, value_text
from alerts.rules.model import Severity
from metrics.query import MetricQuery


@dataclass(frozen=True)
class Hit:
    row: Row  # the entity's row of the condition query (its values include the evidence metrics)
    severity: Severity
    threshold: str
    evidence: dict[str, Any] = field(default_factory=dict)
    rank: float = 0.0  # how far past the threshold (larger = worse), to list the worst first


def base_evidence(plan: Plan, row: Row) -> dict[str, Any]:
    """The value with its period, and the values of the rule's other metrics for the same entity."""
    metric = plan.metric
    value = row.values.get(metric.id)
    extra = []
    for mid in plan.metrics[1:]:
        m = plan.catalog.metrics[mid]
        v = row.values.get(mid)
        extra.append({"metric": mid, "name": m.names.zh, "value": json_value(v), "text": value_text(v, m)})
    return {
        "metric": metric.id,
        "metric_name": {"zh": metric.names.zh, "en": metric.names.en},
        "format": metric.format,
        "period": {"start": plan.period.start.isoformat(), "end": plan.period.end.isoformat()},
        "scope": plan.rule.scope.to_json(),
        "value": json_value(value),
        "value_text": value_text(value, metric),
        "extra": extra,
    }


def require_rows(plan: Plan, src: Source, unfiltered: MetricQuery) -> None:
    """The condition query found no breach: make sure the scope has data in the period at all,
    i.e. some entity has a value other than empty or 0 in one of the rule's metrics (a source
    without rows gives no entities, or, for a scope without dimensions, only zeros and empties)."""
    numeric = tuple(m for m in plan.metrics if plan.catalog.metrics[m].unit != "date")
    if src.count_with_data(unfiltered, numeric) == 0:
        p = plan.period
        days = f"{p.start}" if p.start == p.end else f"{p.start} … {p.end}"
        raise SourceFailed(f"no rows for {plan.rule.metric} on {days} in the rule's scope")


def number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
