"""Evaluate one rule as of a day: a constant number of set-based statements, whatever the number of entities.

1. the condition: one query over every entity of the scope (the breach test in its filters where the
   condition allows: threshold, graded, forecast, change), or one query with the history (anomaly),
   or one query of the entities that have data (no_data);
2. only when that found nothing: one row count of the scope, so that a source without rows reads as
   "no data" rather than "all OK";
3. only when something fired: one query of the recent daily trend, filtered to the firing entities.
"""

from __future__ import annotations

import datetime as dt
import time

from alerts.evaluate.anomaly import anomaly
from alerts.evaluate.hits import Hit
from alerts.evaluate.limits import change, graded, threshold
from alerts.evaluate.nodata import no_data
from alerts.evaluate.queries import Plan, plan_for
from alerts.evaluate.source import Source, SourceFailed
from alerts.evaluate.text import entity_label
from alerts.evaluate.trend import Trend, trends
from alerts.findings import Evaluation, Finding, entity_key
from alerts.rules.model import SEVERITIES, Anomaly, Change, Forecast, Graded, NoData, Rule, Threshold
from metrics.service import SemanticLayer


def evaluate(rule: Rule, layer: SemanticLayer, as_of: dt.date, now: dt.datetime) -> Evaluation:
    """Every entity of ``rule``'s scope that breaches it as of ``as_of``. A source that fails or has
    no rows gives ``no_data=True`` (with ``problem``); a rule the catalog cannot compile raises UserError."""
    started = time.perf_counter()
    plan = plan_for(rule, layer.catalog, as_of)
    src = Source(layer, as_of)
    findings: tuple[Finding, ...] = ()
    problem = ""
    try:
        hits = sorted(check(plan, src), key=lambda h: (-SEVERITIES.index(h.severity), -h.rank))
        recent = trends(plan, src, hits)
        findings = tuple(finding(plan, h, recent.get(entity_key(h.row.entity))) for h in hits)
    except SourceFailed as e:
        problem = str(e)
    return Evaluation(
        rule_id=rule.id,
        as_of=as_of,
        findings=findings,
        evaluated_at=now,
        sql=tuple(src.statements),
        elapsed_ms=(time.perf_counter() - started) * 1000,
        no_data=bool(problem),
        problem=problem,
    )


def check(plan: Plan, src: Source) -> list[Hit]:
    c = plan.rule.condition
    if isinstance(c, Threshold | Forecast):
        return threshold(plan, src, c)
    if isinstance(c, Graded):
        return graded(plan, src, c)
    if isinstance(c, Change):
        return change(plan, src, c)
    if isinstance(c, Anomaly):
        return anomaly(plan, src, c)
    if isinstance(c, NoData):
        return no_data(plan, src, c)
    raise TypeError(f"unknown condition {c!r}")


def finding(plan: Plan, hit: Hit, trend: Trend | None) -> Finding:
    evidence = dict(hit.evidence)
    if trend is not None:
        evidence["trend"] = trend
    entity = hit.row.entity
    return Finding(
        entity=entity,
        label=entity_label(plan.catalog, plan.rule, entity, hit.row.names),
        severity=hit.severity,
        value=evidence.get("value"),
        threshold=hit.threshold,
        evidence=evidence,
    )
