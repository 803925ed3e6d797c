"""What an alert rule says, as frozen values (loaded from YAML by ``alerts.rules.load``).

A rule watches one catalog metric over a scope (the entity grain, e.g. sku × warehouse, plus
filters) with one condition, on a cron schedule in Asia/Shanghai; when it fires, a ticket per
entity goes to the routed owner in the rule's channels, escalates when nobody acknowledges it,
and resolves after ``recovery.ok_evaluations`` consecutive OK evaluations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("warning", "critical")  # ascending
Op = Literal["<", "<=", ">", ">="]
TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Names:
    zh: str
    en: str

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Scope:
    """The entity grain (catalog dimensions, may be empty = one entity) and the rows watched."""

    dimensions: tuple[str, ...] = ()
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (dimension, values) — values as the catalog knows them
    window_days: int = 1  # the period evaluated ends on the as-of day (flow metrics) …
    ahead_days: int = 0  # … or, for forecast metrics, the next N days after it (window_days then ignored)
    # only entities whose other metrics pass these (metric, op, value), e.g. forecast_daily_units >= 5
    having: tuple[tuple[str, Op, float], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The scope as evidence, so a ticket's thread can ask about the rule's own slice."""
        return {
            "dimensions": list(self.dimensions),
            "filters": {d: list(v) for d, v in self.filters},
            "window_days": self.window_days,
            "ahead_days": self.ahead_days,
            "having": [{"metric": m, "op": op, "value": v} for m, op, v in self.having],
        }


@dataclass(frozen=True)
class Threshold:
    """Fires when ``value op limit``."""

    op: Op
    limit: float
    severity: Severity = "warning"
    kind: Literal["threshold"] = "threshold"


@dataclass(frozen=True)
class Graded:
    """Severity by level: the highest level whose ``value op limit`` holds (黄 warning, 红 critical)."""

    op: Op
    levels: tuple[tuple[Severity, float], ...]  # e.g. (("warning", 0.05), ("critical", 0.08))
    kind: Literal["graded"] = "graded"


@dataclass(frozen=True)
class Change:
    """Fires when the value moved against a baseline: the previous period (day over day for a
    1-day window) or the same weekday a week earlier; by percent or absolute."""

    versus: Literal["previous", "week_ago"]
    direction: Literal["drop", "rise", "any"]
    percent: float | None = None  # e.g. 30 = a 30% move
    absolute: float | None = None
    severity: Severity = "warning"
    min_base: float = 0.0  # ignore entities whose baseline is below this (noise)
    kind: Literal["change"] = "change"


@dataclass(frozen=True)
class Anomaly:
    """Robust z-score of the as-of day against the same weekday over the trailing weeks:
    z = (value − median) / (1.4826 · MAD); fires when z ≥ ``z`` (or ≤ −z for drops)."""

    z: float = 3.5
    weeks: int = 8
    direction: Literal["rise", "drop", "any"] = "rise"
    severity: Severity = "warning"
    min_value: float = 0.0
    kind: Literal["anomaly"] = "anomaly"


@dataclass(frozen=True)
class Forecast:
    """A threshold on a forecast metric (e.g. days_to_stockout < 3) over the next ``scope.ahead_days``."""

    op: Op
    limit: float
    severity: Severity = "critical"
    kind: Literal["forecast"] = "forecast"


@dataclass(frozen=True)
class NoData:
    """Fires for each expected entity (every value of the scope's dimension, or the whole scope)
    with no rows, or a zero/NULL value, on the as-of day."""

    severity: Severity = "critical"
    kind: Literal["no_data"] = "no_data"


Condition = Threshold | Graded | Change | Anomaly | Forecast | NoData


@dataclass(frozen=True)
class Routing:
    """Who owns a ticket: the owner of the entity's value of ``by`` (e.g. category → owner), else ``fallback``."""

    fallback: str
    by: str | None = None  # a scope dimension
    owners: tuple[tuple[str, str], ...] = ()  # (dimension value id, owner)

    def owner_for(self, entity: dict[str, str]) -> str:
        if self.by is not None:
            value = entity.get(self.by)
            for key, owner in self.owners:
                if key == value:
                    return owner
        return self.fallback


@dataclass(frozen=True)
class EscalationStep:
    after_minutes: int  # since the ticket opened (or woke from snooze) without acknowledgement
    to: str  # the person who is added / notified


@dataclass(frozen=True)
class QuietHours:
    """Between start and end (local time, may cross midnight) only ``allow`` severities notify now;
    the others are queued until the end of the quiet hours."""

    start: dt.time
    end: dt.time
    allow: tuple[Severity, ...] = ("critical",)

    def is_quiet(self, at: dt.time) -> bool:
        if self.start <= self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end


@dataclass(frozen=True)
class Rule:
    id: str
    names: Names
    metric: str
    scope: Scope
    condition: Condition
    schedule: str  # 5-field cron, Asia/Shanghai
    routing: Routing
    channels: tuple[str, ...]  # chat channels (names from opsbot.yaml; "web:#ops" etc.)
    escalation: tuple[EscalationStep, ...] = ()
    quiet_hours: QuietHours | None = None
    storm_threshold: int = 20  # more than K entities firing in one evaluation → one grouped ticket
    ok_evaluations: int = 2  # consecutive OK evaluations that resolve a ticket (0 = never on its own)
    description: str = ""
    enabled: bool = True
    source: str = ""  # file:line of the rule, for messages
    extra_metrics: tuple[str, ...] = field(default=())  # shown as evidence beside the metric
