"""One alerting pass: evaluate rules (set-based, through metrics) and apply them to the tickets.

Each rule is evaluated and applied on its own: one broken rule is reported and the others still
run. A pass is keyed by a *tick* (the data day for manual runs, the scheduled minute for the
scheduler); the ticket store records (rule, tick) in the same transaction as the ticket changes,
so re-running a tick changes nothing and two evaluators of the same tick apply it once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from alerts.evaluate import evaluate
from alerts.findings import Evaluation
from alerts.rules.model import Rule
from alerts.tickets.errors import TicketConflict
from alerts.tickets.service import ApplyReport, TicketService
from metrics.problems import UserError
from metrics.service import SemanticLayer

Progress = Callable[[str, float], None]
APPLY_ATTEMPTS = 3


@dataclass(frozen=True)
class RuleOutcome:
    rule: Rule
    evaluation: Evaluation | None
    report: ApplyReport | None
    seconds: float
    error: str | None = None


def run(
    rules: Sequence[Rule],
    layer: SemanticLayer,
    service: TicketService,
    *,
    as_of: dt.date,
    now: dt.datetime,
    tick: str | None = None,
    progress: Progress | None = None,
) -> list[RuleOutcome]:
    """Evaluate and apply every enabled rule for ``tick`` (default: the as-of date)."""
    key = tick or as_of.isoformat()
    active = [r for r in rules if r.enabled]
    outcomes = []
    for i, rule in enumerate(active):
        if progress is not None:
            progress(rule.id, i / max(len(active), 1))
        started = time.perf_counter()
        try:
            evaluation = evaluate(rule, layer, as_of, now)
            report = _apply(service, rule, evaluation, key)
        except UserError as e:
            outcomes.append(RuleOutcome(rule, None, None, time.perf_counter() - started, e.text("en")))
            continue
        outcomes.append(RuleOutcome(rule, evaluation, report, time.perf_counter() - started))
    if progress is not None:
        progress("done", 1.0)
    return outcomes


def _apply(service: TicketService, rule: Rule, evaluation: Evaluation, tick: str) -> ApplyReport:
    """Apply, retrying when a concurrent evaluator won a race on the same ticket (nothing was written)."""
    for attempt in range(APPLY_ATTEMPTS):
        try:
            return service.apply(rule, evaluation, tick)
        except TicketConflict:
            if attempt == APPLY_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
