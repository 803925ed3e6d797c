"""A metric result as the JSON object every opsbot interface returns."""

from __future__ import annotations

from typing import Any

from metrics.present import json_rows
from metrics.service import MetricResult


def result_json(res: MetricResult) -> dict[str, Any]:
    c = res.compiled
    out: dict[str, Any] = {
        "columns": [col.name for col in c.columns],
        "rows": json_rows(c, res.result.rows),
        "sql": c.sql(inline_params=True, pretty=False),
        "rollups": list(c.rollups),  # the rollups it read; empty: the raw tables
        "metrics": [m.id for m in c.metrics],
        "dimensions": list(c.dimensions),
        "time_range": {"start": c.query.time_range.start.isoformat(), "end": c.query.time_range.end.isoformat()},
        "truncated": res.result.truncated,
    }
    if c.compare_range is not None:
        out["compare_range"] = {"start": c.compare_range.start.isoformat(), "end": c.compare_range.end.isoformat()}
    return out
