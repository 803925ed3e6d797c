"""The answer object every interface renders: JSON for machines, short text for people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from metrics.query import TimeRange


@dataclass(frozen=True)
class Answer:
    question: str
    status: str  # answered | clarify | refused | error
    message: str
    lang: str
    columns: tuple[str, ...] = ()
    rows: list[list[Any]] = field(default_factory=list)
    sql: str | None = None
    metrics: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    time_range: TimeRange | None = None
    options: tuple[dict[str, str], ...] = ()
    definitions: tuple[str, ...] = ()
    truncated: bool = False
    understood: str = ""  # how the question was read, one line ("理解为：上周 · 成交金额 · 按省份 · 最高2个")
    partial: tuple[str, ...] = ()  # buckets of a trend that are not whole (the current week so far)
    counted: str = ""  # one short line of what was counted, shown instead of the full definitions when set
    rollups: tuple[str, ...] = ()  # the rollups the numbers were read from (none: the raw tables)

    def definitions_line(self, full: bool = False) -> str | None:
        """口径：… — the short line when there is one (unless the full definitions are asked for)."""
        if self.counted and not full:
            return ("口径：" if self.lang == "zh" else "Definitions: ") + self.counted
        if not self.definitions:
            return None
        if self.lang == "zh":
            return "口径：" + "；".join(d.rstrip("。") for d in self.definitions)
        return "Definitions: " + "; ".join(self.definitions)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "status": self.status,
            "message": self.message,
            "columns": list(self.columns),
            "rows": self.rows,
            "sql": self.sql,
            "rollups": list(self.rollups),
            "metrics": list(self.metrics),
            "dimensions": list(self.dimensions),
            "time_range": {"start": self.time_range.start.isoformat(), "end": self.time_range.end.isoformat()}
            if self.time_range
            else None,
            "options": list(self.options),
            "truncated": self.truncated,
            "understood": self.understood or None,
            "partial_buckets": list(self.partial),
            "counted": self.counted or None,
            "definitions": list(self.definitions),
        }

    def text(self, show_sql: bool = False, show_definitions: bool = False) -> str:
        parts = [self.message]
        if self.options:
            parts.append("\n".join(f"  {i}. {o['label']}" for i, o in enumerate(self.options, 1)))
        line = self.definitions_line(show_definitions)
        if line:
            parts.append(line)
        if show_sql and self.sql:
            parts.append(self.sql)
        return "\n".join(parts)
