"""The pieces of a forecast question's MetricQuery: which metrics are forecasts, the future period it
covers (下周, 3天内, or the next 7 days by default, within the forecast horizon), the stockout list's
metrics and order, and the bestseller qualifier as a ranking query whose SKUs filter the answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from metrics.catalog.types import Catalog
from metrics.forecast.store import HORIZON_DAYS
from metrics.query import DimensionFilter, MetricFilter, MetricQuery, OrderBy, TimeRange
from nlq.time_calendar import make_label
from nlq.timewords import TimeMatch

SELECTOR = "projected_stockouts"  # series whose first projected stockout day is in the period
STOCKOUT_DATE = "projected_stockout_date"
# the stockout list: when, how much is left, how fast it sells, what is coming, how likely, what to order
LIST_METRICS = (
    STOCKOUT_DATE,
    "available_now",
    "forecast_daily_units",
    "next_po_qty",
    "next_po_date",
    "stockout_probability",
    "suggested_reorder_qty",
    SELECTOR,
)
DEMAND = "forecast_units"
# stock words said in a stockout question name the list's own column (库存/可用库存 → available now)
STOCK_ALIASES = {"available": "available_now", "on_hand": "available_now"}
# metrics the stockout words themselves may match in the catalog (缺货 is a synonym of the stockout rate)
STOCKOUT_WORD_METRICS = frozenset({"stockout_rate"})
DEFAULT_DAYS = 7
BESTSELLER_TOP = 50
BESTSELLER_DAYS = 28
BESTSELLER_BY = "units_sold"
# the product-side filters a bestseller ranking keeps (美妆爆款 = beauty's bestsellers, sold anywhere)
BESTSELLER_SCOPE = ("category", "brand")


def is_forecast_metric(catalog: Catalog, metric_id: str) -> bool:
    """A metric computed from a generated table (the forecast store), directly or through its parts."""
    leaves = catalog.leaf_models.get(metric_id) or frozenset({metric_id})
    models = {catalog.metrics[leaf].model for leaf in leaves if leaf in catalog.metrics}
    return any(m in catalog.models and catalog.models[m].table in catalog.generated_tables for m in models)


def forecast_available(catalog: Catalog) -> bool:
    return all(m in catalog.metrics for m in (*LIST_METRICS, DEMAND))


def horizon_days() -> int:
    """How many days after the as-of date the forecast store covers."""
    return HORIZON_DAYS


@dataclass(frozen=True)
class TopFilter:
    """Keep only the `dimension` values that `query` returns (畅销品: the top 50 SKUs by units sold)."""

    query: MetricQuery
    dimension: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def bestsellers(today: dt.date, filters: tuple[DimensionFilter, ...]) -> TopFilter:
    """The bestsellers: the top 50 SKUs by units sold over the 28 days ending on the as-of date."""
    rng = TimeRange.last_days(today, BESTSELLER_DAYS)
    scope = tuple(f for f in filters if f.dimension in BESTSELLER_SCOPE)
    query = MetricQuery(
        metrics=(BESTSELLER_BY,),
        time_range=rng,
        dimensions=("sku",),
        filters=scope,
        order_by=(OrderBy(BESTSELLER_BY, True),),
        limit=BESTSELLER_TOP,
    )
    return TopFilter(
        query,
        "sku",
        f"畅销品（近{BESTSELLER_DAYS}天 {rng.start} 至 {rng.end} 销量前{BESTSELLER_TOP}的SKU）",
        f"bestsellers (top {BESTSELLER_TOP} SKUs by units sold over the {BESTSELLER_DAYS} days "
        f"{rng.start} – {rng.end})",
    )


@dataclass(frozen=True)
class Window:
    """The future days a forecast question covers, how to name them, and what to say about them."""

    time: TimeMatch
    notes: tuple[str, ...] = ()


def _match(rng: TimeRange, name: str, lang: str, spans: tuple[tuple[int, int], ...] = ()) -> TimeMatch:
    zh = lang == "zh"
    return TimeMatch(rng, None, None, spans, make_label(name, rng, zh), True, name)


def window(
    lang: str,
    today: dt.date,
    horizon: int,
    time: TimeMatch | None,
    within: int | None,
    prev: TimeRange | None,
) -> Window | tuple[str, str]:
    """The period of a forecast question, inside as-of + 1 … as-of + horizon; or why there is none (en, zh)."""
    zh = lang == "zh"
    first, last = today + dt.timedelta(days=1), today + dt.timedelta(days=horizon)
    notes: list[str] = []
    if within is not None:
        days = min(within, horizon)
        rng = TimeRange(first, today + dt.timedelta(days=days))
        asked = _match(rng, f"{days}天内" if zh else f"within {days} day{'s' if days != 1 else ''}", lang)
        if within > horizon:
            notes.append(_beyond(last, zh))
        return Window(asked, tuple(notes))
    if time is not None and time.explicit:
        rng, name = time.time_range, time.name
    elif prev is not None:
        rng, name = prev, ""
    else:
        rng = TimeRange(first, today + dt.timedelta(days=DEFAULT_DAYS))
        note = (
            f"问题没有说时间，按未来{DEFAULT_DAYS}天（{rng.start} 至 {rng.end}）算。"
            if zh
            else f"No period was named: the next {DEFAULT_DAYS} days ({rng.start} – {rng.end})."
        )
        return Window(_match(rng, f"未来{DEFAULT_DAYS}天" if zh else f"next {DEFAULT_DAYS} days", lang), (note,))
    if rng.end < first or rng.start > last:
        said = time.label if time is not None and time.explicit else f"{rng.start} – {rng.end}"
        return (
            f"The forecast covers {first} – {last} (the days after the data's last day, {today}); "
            f"{said} is outside it.",
            f"预测只覆盖 {first} 至 {last}（数据最后一天 {today} 之后的 {horizon} 天），{said}不在其中。",
        )
    if rng.start < first:
        notes.append(f"预测从 {first} 算起。" if zh else f"The forecast starts on {first}.")
    if rng.end > last:
        notes.append(_beyond(last, zh))
    clipped = TimeRange(max(rng.start, first), min(rng.end, last))
    spans = time.spans if time is not None else ()
    return Window(_match(clipped, name, lang, spans), tuple(notes))


def _beyond(last: dt.date, zh: bool) -> str:
    return f"预测只到 {last}，之后的日子不在内。" if zh else f"The forecast runs to {last}; later days are left out."


def stockout_filters(thresholds: tuple[MetricFilter, ...]) -> tuple[MetricFilter, ...]:
    """The list's selector (a first projected stockout day in the period) and any thresholds asked for."""
    return (MetricFilter(SELECTOR, ">", 0), *thresholds)


def soonest_first() -> tuple[OrderBy, ...]:
    return (OrderBy(STOCKOUT_DATE, False),)


def future_refusal(rng: TimeRange, today: dt.date, names_en: str, names_zh: str) -> tuple[str, str]:
    """A period after the data's last day asked of metrics that record what happened (en, zh)."""
    return (
        f"{rng.start} – {rng.end} has not happened yet: there is no {names_en} data after {today}. "
        "For days ahead I forecast units and stockouts: try \u201cforecast units next week\u201d or "
        "\u201cwhich SKUs will stock out next week\u201d.",
        f"{rng.start} 至 {rng.end} 还没有发生：{names_zh}是已发生的数据，最晚到 {today}。"
        "未来只能看预测销量和预计断货：可以问\u201c下周预计卖多少\u201d或\u201c下周哪些SKU会断货\u201d。",
    )
