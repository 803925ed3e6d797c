"""What a stockout list leaves out, said beside it: an empty all-warehouse list still has SKU × warehouse
pairs that run dry (stock elsewhere covers them in the total), and a period that starts later than
tomorrow leaves out the SKUs whose first stockout comes before it. Both are counted with one more
MetricQuery each, never assumed."""

from __future__ import annotations

import datetime as dt

from metrics.catalog.types import Role
from metrics.query import MetricFilter, MetricQuery, OrderBy, TimeRange
from metrics.service import MetricResult, SemanticLayer
from metrics.values import normalise
from nlq import forecast_query as F
from nlq.at_risk import at_risk
from nlq.forecast_words import find_intent, pooled_spans
from nlq.time_calendar import format_dates
from nlq.understood import Understood, mask

LOCAL = ("warehouse", "region")


def local_role(role: Role | None) -> bool:
    """A role whose rows are limited to some warehouses (or regions): it never reads all-warehouse totals."""
    return role is not None and bool(set(LOCAL) & set(role.row_filters))


def stockout_notes(
    layer: SemanticLayer,
    question: str,
    lang: str,
    u: Understood,
    res: MetricResult,
    role: Role | None,
    today: dt.date,
) -> tuple[str, ...]:
    if u.forecast != "stockouts" and F.SELECTOR not in res.compiled.query.metrics:
        return ()
    return (
        *_earlier(layer, lang, u, res, role, today),
        *_everywhere(layer, lang, u, res, role, today),
        *at_risk(layer, lang, u, res, role, today),
        *_by_warehouse(layer, question, lang, u, res, role, today),
    )


def _everywhere(
    layer: SemanticLayer, lang: str, u: Understood, res: MetricResult, role: Role | None, today: dt.date
) -> tuple[str, ...]:
    """A SKU × warehouse list over every warehouse says how many SKUs run out everywhere (their total over
    all warehouses stocks out in the period too), and how to ask for that reading."""
    q = res.compiled.query
    if u.forecast != "stockouts" or "warehouse" not in q.dimensions or "sku" not in q.dimensions:
        return ()
    if {f.dimension for f in q.filters} & set(LOCAL) or local_role(role) or not res.result.rows:
        return ()
    at = {c.name: i for i, c in enumerate(res.compiled.columns)}
    skus = len({r[at["sku_id"]] for r in res.result.rows}) if "sku_id" in at else 0
    everywhere = sum(n for _, n in _counts(layer, q, q.time_range, (), role, today))
    if lang == "zh":
        return (
            f"按 SKU × 仓库 计（与断货预警一致）：{len(res.result.rows)} 个 SKU×仓库，涉及 {skus} 个SKU；"
            f"其中 {everywhere} 个SKU 全国合计也会断货（所有仓都卖完）。问“全国合计会断货的SKU”看各仓合计。",
        )
    return (
        f"Counted per SKU × warehouse (as the stockout alert counts): {len(res.result.rows)} pairs, {skus} SKUs; "
        f"{everywhere} of the SKUs run out everywhere (all warehouses combined). Ask “which SKUs will stock out "
        "across all warehouses combined” for that reading.",
    )


def _counts(
    layer: SemanticLayer,
    q: MetricQuery,
    rng: TimeRange,
    dims: tuple[str, ...],
    role: Role | None,
    today: dt.date,
    lang: str = "en",
) -> list[tuple[str, int]]:
    """How many series first stock out in `rng`, by `dims`, under the query's own filters and thresholds."""
    limits = tuple(dict.fromkeys(f.metric for f in q.metric_filters if f.metric != F.SELECTOR))
    count = MetricQuery(
        (F.SELECTOR, *limits),
        rng,
        dims,
        filters=q.filters,
        metric_filters=(MetricFilter(F.SELECTOR, ">", 0), *q.metric_filters),
        order_by=(OrderBy(F.SELECTOR, True),),
    )
    found = layer.run(count, role, as_of=today)
    at = {c.name: i for i, c in enumerate(found.compiled.columns)}
    name = at.get(f"warehouse_name_{lang}")
    return [(str(r[name] or r[0]) if name is not None else "", int(r[at[F.SELECTOR]])) for r in found.result.rows]


def _earlier(
    layer: SemanticLayer, lang: str, u: Understood, res: MetricResult, role: Role | None, today: dt.date
) -> tuple[str, ...]:
    """下周: SKUs that already stock out before Monday are not in the list (their first stockout is earlier)."""
    q = res.compiled.query
    first = today + dt.timedelta(days=1)
    if u.forecast != "stockouts" or F.STOCKOUT_DATE not in q.metrics or q.time_range.start <= first:
        return ()
    before = TimeRange(first, q.time_range.start - dt.timedelta(days=1))
    dims = ("warehouse",) if "warehouse" in q.dimensions else ()
    n = sum(c for _, c in _counts(layer, q, before, dims, role, today))
    if not n:
        return ()
    days = format_dates(before, lang == "zh")
    if lang == "zh":
        return (f"另有 {n} 个在此之前（{days}）就预计断货，不在上面的列表里。",)
    return (f"{n} more are projected to stock out before then ({days}); they are not listed.",)


def _by_warehouse(
    layer: SemanticLayer,
    question: str,
    lang: str,
    u: Understood,
    res: MetricResult,
    role: Role | None,
    today: dt.date,
) -> tuple[str, ...]:
    """An empty stockout list over all warehouses together (or a total of 0) says how many SKU × warehouse
    pairs do stock out, and how to ask for them."""
    q = res.compiled.query
    if set(LOCAL) & {*q.dimensions, *(f.dimension for f in q.filters)} or q.compare or local_role(role):
        return ()
    listed = u.forecast == "stockouts" and not res.result.rows
    sel = [i for i, c in enumerate(res.compiled.columns) if c.role == "metric" and c.ref == F.SELECTOR]
    zero = not q.dimensions and bool(sel) and all(not r[sel[0]] for r in res.result.rows)  # 下周的预计断货数: 0
    if not (listed or zero):
        return ()
    counts = _counts(layer, q, q.time_range, ("warehouse",), role, today, lang)
    total = sum(n for _, n in counts)
    if not total:
        return ("按仓库看也没有SKU会断货。" if lang == "zh" else "Warehouse by warehouse, none does either.",)
    # the question again by warehouse; a follow-up (只看爆款) is asked on as one: 按仓库看
    said = normalise(question)
    again = find_intent(said) is not None
    question = mask(said, pooled_spans(said), "").strip() if again else question  # 全国合计 is not asked again
    if lang == "zh":
        each = "、".join(f"{w} {n}" for w, n in counts)
        ask = f"按仓库看{question.strip().rstrip('?？')}" if again else "按仓库看"
        return (
            f"全国汇总（各仓库存合计）在这段时间没有SKU断货；按仓库看有 {total} 个 SKU×仓库 会断货（{each}），"
            f"可以问\u201c{ask}\u201d。",
        )
    each = ", ".join(f"{w} {n}" for w, n in counts)
    ask = f"{question.strip().rstrip('?')} by warehouse" if again else "by warehouse"
    return (
        f"Summed over all warehouses no SKU stocks out in this period; warehouse by warehouse {total} SKU × warehouse "
        f"pairs do ({each}): ask \u201c{ask}\u201d.",
    )
