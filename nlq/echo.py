"""How a question was read, in one short line: period · metrics · slice · filters · ranking ·
comparison ("理解为：上周 · 成交金额 · 按省份 · 最高2个" / "Read as: last week · GMV · by province ·
top 2"), so a misreading is visible at a glance."""

from __future__ import annotations

from collections.abc import Callable

from metrics.catalog.types import TIME_DIMENSION, Catalog
from metrics.query import MetricQuery
from nlq.understood import Understood

ValueName = Callable[[str, str, str], str]  # (dimension, value id, lang) → the value's name

_GRAIN = {"day": ("按天", "by day"), "week": ("按周", "by week"), "month": ("按月", "by month")}
_OPS = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "=": "=", "!=": "≠"}


def period_text(u: Understood, query: MetricQuery, lang: str) -> str:
    r = query.time_range
    name = u.time.name if u.time is not None and u.time.explicit else ""
    text = name or (str(r.start) if r.start == r.end else f"{r.start}~{r.end}")  # the heading gives the dates
    if query.compare_range is not None:
        o = query.compare_range
        other = str(o.start) if o.start == o.end else f"{o.start}~{o.end}"
        return f"{text} 对比 {other}" if lang == "zh" else f"{text} vs {other}"
    if query.compare is not None:
        zh = {"previous": "环比上期", "yoy": "同比去年", "week_ago": "对比上周同期"}[query.compare]
        en = {"previous": "vs previous period", "yoy": "vs last year", "week_ago": "vs a week earlier"}[query.compare]
        return f"{text} · {zh}" if lang == "zh" else f"{text} · {en}"
    return text


def reading_line(u: Understood, catalog: Catalog, value_name: ValueName, lang: str) -> str:
    """The one-line reading of an understood question ("" when there is no query)."""
    q = u.query
    if q is None:
        return ""
    zh = lang == "zh"
    parts = [period_text(u, q, lang)]
    parts.append(("、" if zh else ", ").join(catalog.metrics[m].names.name(lang) for m in q.metrics))
    for d in q.dimensions:
        if d == TIME_DIMENSION:
            parts.append(_GRAIN[q.grain][0 if zh else 1])
        else:
            name = catalog.dimensions[d].names.name(lang)
            parts.append(f"按{name}" if zh else f"by {name}")
    for f in q.filters:
        names = ("、" if zh else ", ").join(value_name(f.dimension, v, lang) for v in f.values)
        parts.append((f"不含 {names}" if zh else f"excluding {names}") if f.negate else names)
    for mf in q.metric_filters:
        metric = mf.metric if mf.metric not in catalog.metrics else catalog.metrics[mf.metric].names.name(lang)
        parts.append(f"{metric} {_OPS[mf.op]} {mf.value:g}")
    if q.limit is not None or q.order_by:
        desc = q.order_by[0].descending if q.order_by else True
        n = q.limit
        if zh:
            parts.append(("最高" if desc else "最低") + (f"{n}个" if n else "在前"))
        else:
            parts.append(("top" if desc else "bottom") + (f" {n}" if n else " first"))
    if u.share:
        parts.append("占比" if zh else "share of total")
    if u.count is not None:
        parts.append("计数" if zh else "count")
    body = " · ".join(p for p in parts if p)
    return f"理解为：{body}" if zh else f"Read as: {body}"
