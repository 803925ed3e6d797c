"""What one evaluation of a rule found, per entity: the contract between evaluation and tickets."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from alerts.rules.model import Severity


def entity_key(entity: dict[str, str]) -> str:
    """A stable key for an entity: its dimension values as compact sorted JSON ('{}' = the whole scope)."""
    return json.dumps(entity, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Finding:
    """One entity that breaches the rule now."""

    entity: dict[str, str]  # dimension → value id, e.g. {"sku": "SKU-00012", "warehouse": "WH-SH"}
    label: str  # human label, e.g. "玻尿酸补水面膜 10片装（SKU-00012）· 上海仓"
    severity: Severity
    value: float | str | None  # the metric's value (a date metric gives an ISO string)
    threshold: str  # what it was compared with, human-readable: "< 3", "≥ 8%（红）", "−30% vs 前一天"
    evidence: dict[str, Any] = field(default_factory=dict)  # JSON-able: trend, baseline, extra metrics …

    @property
    def key(self) -> str:
        return entity_key(self.entity)


@dataclass(frozen=True)
class Evaluation:
    """All entities that breach a rule as of a day; every other entity of the scope is OK."""

    rule_id: str
    as_of: dt.date
    findings: tuple[Finding, ...]
    evaluated_at: dt.datetime  # when the evaluation ran (the injected clock)
    sql: tuple[str, ...] = ()  # the set-based statements that produced it
    elapsed_ms: float = 0.0
    no_data: bool = False  # the metric returned nothing at all (a broken source, not "all OK")
    problem: str = ""  # with no_data: why (the source's error, or "no rows for …"), for people
