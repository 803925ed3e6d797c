"""Anomaly: the as-of day against the same weekday of the trailing weeks, by a robust z-score.

One query returns every entity's value on the as-of day and on the same weekday of each of the
``weeks`` weeks before it (a by-date query over the whole span, keeping only those days). Then

    z = (value − median) / (1.4826 · MAD)        MAD = median(|x − median|) over the history

1.4826 · MAD estimates the standard deviation of normal data without being dragged by outliers
(earlier spikes in the history). When more than half of the history is the same value MAD is 0; the
scale then falls back to 1.2533 · the mean absolute deviation from the median (the same estimate
for normal data), and when that is 0 too (a flat history) the day cannot be scored.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from alerts.evaluate.hits import Hit, base_evidence, number
from alerts.evaluate.limits import TESTS
from alerts.evaluate.queries import Plan
from alerts.evaluate.source import Row, Source, SourceFailed
from alerts.evaluate.text import anomaly_text, value_text
from alerts.findings import entity_key
from alerts.rules.model import Anomaly
from metrics.query import MetricQuery, TimeRange

MAD_SCALE = 1.4826
MEAN_AD_SCALE = 1.2533
MIN_HISTORY = 3


@dataclass(frozen=True)
class Score:
    value: float
    median: float
    mad: float
    scale: float
    z: float


def robust_z(value: float, history: list[float]) -> Score | None:
    """The robust z-score of ``value`` against ``history``; None when it cannot be scored."""
    if len(history) < MIN_HISTORY:
        return None
    median = statistics.median(history)
    deviations = [abs(x - median) for x in history]
    mad = statistics.median(deviations)
    scale = MAD_SCALE * mad
    if scale == 0:
        scale = MEAN_AD_SCALE * statistics.fmean(deviations)
    if scale == 0:
        return None
    return Score(value, median, mad, scale, (value - median) / scale)


def history_days(as_of: dt.date, weeks: int) -> list[dt.date]:
    """The same weekday in each of the ``weeks`` weeks before ``as_of``, oldest first."""
    return [as_of - dt.timedelta(days=7 * k) for k in range(weeks, 0, -1)]


def fires(c: Anomaly, s: Score) -> bool:
    if max(s.value, s.median) < c.min_value:  # too small to matter either way
        return False
    if c.direction == "rise":
        return s.z >= c.z
    if c.direction == "drop":
        return s.z <= -c.z
    return abs(s.z) >= c.z


def anomaly(plan: Plan, src: Source, c: Anomaly) -> list[Hit]:
    days = history_days(plan.as_of, c.weeks)
    query = MetricQuery(
        metrics=plan.metrics,
        time_range=TimeRange(days[0], plan.as_of),
        dimensions=(*plan.rule.scope.dimensions, "date"),
        filters=plan.filters,
    )
    rows = src.rows_on_days(query, [*days, plan.as_of])
    today = {entity_key(r.entity): r for r in rows if r.day == plan.as_of}
    if not today:
        raise SourceFailed(f"no rows for {plan.rule.metric} on {plan.as_of} in the rule's scope")
    series: dict[str, dict[dt.date, float | None]] = {}
    sample: dict[str, Row] = {}
    for r in rows:
        key = entity_key(r.entity)
        series.setdefault(key, {})[r.day or plan.as_of] = number(r.values.get(plan.rule.metric))
        sample.setdefault(key, r)
    hits = []
    for key, by_day in series.items():
        row = today.get(key) or Row(sample[key].entity, sample[key].names, plan.as_of, {})
        hit = _score(plan, c, row, by_day, days)
        if hit is not None:
            hits.append(hit)
    return hits


def _score(plan: Plan, c: Anomaly, row: Row, by_day: dict[dt.date, float | None], days: list[dt.date]) -> Hit | None:
    fill = 0.0 if plan.additive else None  # a day without rows sold, refunded, complained … nothing
    value = by_day.get(plan.as_of, fill)
    history = [v for d in days if (v := by_day.get(d, fill)) is not None]
    if value is None or not _passes_having(plan, row):
        return None
    score = robust_z(value, history)
    if score is None or not fires(c, score):
        return None
    evidence = base_evidence(plan, row) | {
        "value": value,
        "value_text": value_text(value, plan.metric),
        "median": score.median,
        "median_text": value_text(score.median, plan.metric),
        "mad": score.mad,
        "scale": score.scale,
        "z": round(score.z, 3),
        "history": [{"date": d.isoformat(), "value": by_day.get(d, fill)} for d in days],
    }
    return Hit(row, c.severity, anomaly_text(c), evidence, abs(score.z))


def _passes_having(plan: Plan, row: Row) -> bool:
    """The scope's `having` on the as-of day (it cannot filter the by-date rows in SQL: history days would go)."""
    for metric, op, limit in plan.rule.scope.having:
        value = number(row.values.get(metric))
        if value is None or not TESTS[op](value, limit):
            return False
    return True
