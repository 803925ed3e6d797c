"""The second list of a stockout answer, named apart: series the point projection does not see run out by
the period's end but whose stockout probability is at least the catalog's `at_risk` (slow sellers with a
few units left may sell out by chance). Shown with the probability, never called certain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from metrics.catalog.types import Role
from metrics.query import MetricFilter, MetricQuery, OrderBy, TimeRange
from metrics.service import MetricResult, SemanticLayer
from nlq import forecast_query as F
from nlq.numbers import human
from nlq.understood import Understood

PROBABILITY = "stockout_probability"
NAMED = 5  # the most likely ones named in the note; all of them in the count


def at_risk(
    layer: SemanticLayer, lang: str, u: Understood, res: MetricResult, role: Role | None, today: dt.date
) -> tuple[str, ...]:
    q = res.compiled.query
    metric = layer.catalog.metrics.get(PROBABILITY)
    if u.forecast != "stockouts" or F.STOCKOUT_DATE not in q.metrics or metric is None or metric.at_risk is None:
        return ()
    if u.top is not None or "sku" not in q.dimensions:
        return ()  # a bestseller list's SKUs come from a ranking this note does not repeat
    limit = metric.at_risk
    others = tuple(f for f in q.metric_filters if f.metric not in (F.SELECTOR, PROBABILITY))
    risky = MetricQuery(
        (PROBABILITY, F.SELECTOR, *dict.fromkeys(f.metric for f in others)),
        TimeRange(today + dt.timedelta(days=1), q.time_range.end),  # not run out by the period's end at all
        q.dimensions,
        filters=q.filters,
        metric_filters=(MetricFilter(F.SELECTOR, "=", 0), MetricFilter(PROBABILITY, ">=", limit), *others),
        order_by=(OrderBy(PROBABILITY, True),),
    )
    found = layer.run(risky, role, as_of=today)
    rows = found.result.rows
    if not rows:
        return ()
    at = {c.name: i for i, c in enumerate(found.compiled.columns)}
    named = (
        "、".join(_who(r, at, lang) for r in rows[:NAMED])
        if lang == "zh"
        else "; ".join(_who(r, at, lang) for r in rows[:NAMED])
    )
    pct = human(limit, "percent", lang)
    if lang == "zh":
        more = "等" if len(rows) > NAMED else ""
        return (f"有断货风险（断货概率 ≥ {pct}，按预测不会断货）{len(rows)} 个：{named}{more}。",)
    more = f" and {len(rows) - NAMED} more" if len(rows) > NAMED else ""
    return (f"At risk (stockout probability ≥ {pct}, not projected to run out): {len(rows)}: {named}{more}.",)


def _who(row: Any, at: dict[str, int], lang: str) -> str:
    parts = [str(row[at[f"{d}_name_{lang}"]] or row[at[f"{d}_id"]]) for d in ("sku", "warehouse") if f"{d}_id" in at]
    prob = human(row[at[PROBABILITY]], "percent", lang)
    return f"{' / '.join(parts)} {prob}"
