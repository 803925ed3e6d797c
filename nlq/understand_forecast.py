"""Forecast questions in the parser: which SKUs will stock out (a list soonest first, or a count by a
dimension), forecast demand, and questions naming forecast metrics — each over future days only."""

from __future__ import annotations

import datetime as dt

from metrics.catalog.types import TIME_DIMENSION
from metrics.query import DimensionFilter, MetricFilter, MetricQuery, OrderBy, TimeRange
from nlq import forecast_query as F
from nlq import patterns as P
from nlq.forecast_words import Intent, Kind, find_intent, follow_up
from nlq.lexicon import Hit
from nlq.time_calendar import week_start
from nlq.timewords import TimeMatch, find_time
from nlq.understand_base import ParserBase
from nlq.understood import Context, Reading, Understood, mask


class ForecastParser(ParserBase):
    def _intent(
        self, text: str, today: dt.date, context: Context | None, every: list[Hit], names: list[tuple[int, int]]
    ) -> Intent | None:
        """A forecast question, when the catalog has the forecast metrics: said so (会断货, will run out,
        预计卖多少), a bare stockout word about a future period (下周缺货的商品), or a follow-up in a
        forecast thread that names no other metric (那上海仓呢)."""
        if not F.forecast_available(self.catalog):
            return None
        intent = find_intent(text)
        words = [sp for sp in (intent.spans if intent else ()) if sp != (intent and intent.window_span)]
        if intent is not None and words and all(any(x <= a and b <= y for x, y in names) for a, b in words):
            return None  # the words are a forecast metric's name (断货概率, 预计断货数): a question about it
        if intent is not None and intent.bare:  # 预计 alone: about the metrics it names, if any is not forecast
            said = [s.ref for h in every for s in h.of("metric")[:1]]
            if said and self._all_forecast(said):
                return None
        if intent is not None and not intent.said_future:
            probe = find_time(mask(text, list(intent.spans), "#"), today)
            if probe is None or probe.time_range.start <= today:
                return None  # 现在缺货的SKU, 上周缺货率: what has happened
        kind = context.forecast if intent is None and context is not None else None
        if kind is not None and not any(h.of("metric") for h in every):
            return follow_up(kind, text)
        return intent

    @staticmethod
    def _said(intent: Intent | None, names: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The forecast words' spans, less those inside a forecast metric's name (断货风险 names the
        stockout probability, 预计断货日期 the projected stockout date): the metric is read instead."""
        if intent is None:
            return []
        return [(a, b) for a, b in intent.spans if not any(a < y and x < b for x, y in names)]

    def _forecast_names(self, hits: list[Hit]) -> list[tuple[int, int]]:
        return [
            (h.start, h.end) for h in hits if any(F.is_forecast_metric(self.catalog, s.ref) for s in h.of("metric"))
        ]

    def _all_forecast(self, metrics: list[str] | tuple[str, ...]) -> bool:
        return bool(metrics) and all(F.is_forecast_metric(self.catalog, m) for m in metrics)

    def _forecast_period(
        self, lang: str, today: dt.date, time: TimeMatch | None, metrics: tuple[str, ...], prev: MetricQuery | None
    ) -> F.Window | Understood:
        """The future days a question about forecast metrics covers: the period named (within the
        forecast's days), the thread's, the forecast's first day for point-in-time values, or a question."""
        if time is not None and time.compare is not None:
            return self._refused(
                lang,
                "Forecasts are not compared with another period; ask for the period itself.",
                "预测值不做同比/环比，请直接问那段时间。",
            )
        if (time is None or not time.explicit) and prev is None:
            if all(self._point_in_time(m) for m in metrics):
                first = today + dt.timedelta(days=1)
                label = f"{today} 的预测" if lang == "zh" else f"forecast as of {today}"
                return F.Window(TimeMatch(TimeRange(first, first), None, None, (), label, True, label))
            chosen = self._which_future(lang, today)
            if isinstance(chosen, Understood):
                return chosen
            time = chosen
        win = F.window(lang, today, F.horizon_days(), time, None, prev.time_range if prev else None)
        return self._refused(lang, *win) if isinstance(win, tuple) else win

    def _forecast(
        self,
        text: str,
        lang: str,
        today: dt.date,
        intent: Intent,
        time: TimeMatch | None,
        ths: list[P.Threshold],
        rk: P.Rank | None,
        reading: Reading,
        context: Context | None,
    ) -> Understood:
        """A stockout list (soonest first) or forecast demand over future days, as one MetricQuery."""
        if intent.negated:
            return self._refused(
                lang,
                "I can list the SKUs projected to stock out, not the ones that will not.",
                "我能列出预计会断货的商品，列不出不会断货的。",
            )
        prev = context if context is not None and context.forecast == intent.kind else None
        named = self._forecast_metrics(reading, intent.kind, lang)
        if isinstance(named, Understood):
            return named
        base = F.LIST_METRICS if intent.kind == "stockouts" else (F.DEMAND,)
        filters = {f.dimension: f.values for f in prev.query.filters if not f.negate} if prev and prev.query else {}
        clarify = self._values(reading, base, filters, lang)
        if clarify is not None:
            return clarify
        prev_range = prev.query.time_range if prev and prev.query else None
        asked = time is not None and time.explicit
        if intent.kind == "demand" and not asked and intent.window is None and prev_range is None:
            chosen = self._which_future(lang, today)
            if isinstance(chosen, Understood):
                return chosen
            time = chosen
        win = F.window(lang, today, F.horizon_days(), time, intent.window, prev_range)
        if isinstance(win, tuple):
            return self._refused(lang, *win)
        dim_filters = tuple(DimensionFilter(d, v) for d, v in filters.items()) + tuple(
            DimensionFilter(d, v, negate=True) for d, v in reading.excluded.items()
        )
        mfs = self._forecast_thresholds(ths, reading, intent.kind, lang)
        if isinstance(mfs, Understood):
            return mfs
        if prev is not None and prev.query is not None and intent.kind == "stockouts":
            # the thread's limits stay (a ticket's forecast_daily_units ≥ 3); a limit said again replaces its own
            said = {f.metric for f in mfs}
            kept = tuple(f for f in prev.query.metric_filters if f.metric != F.SELECTOR and f.metric not in said)
            mfs = (*kept, *mfs)
        q: MetricQuery | Understood
        if intent.kind == "stockouts":
            # 哪些畅销品: products, whatever the breakdown; a follow-up (按仓库看) keeps listing them
            listed = (
                intent.bestsellers
                or "sku" in reading.dims
                or bool(prev and prev.query and "sku" in prev.query.dimensions)
            )
            # where stock runs out (SKU × warehouse, as the stockout rule counts) unless SKU totals are asked
            # for (全国合计); a follow-up keeps its thread's reading
            pooled = intent.pooled or bool(prev and prev.query and _pooled_list(prev.query))
            q = self._stockout_query(
                reading, filters, dim_filters, mfs, rk, named, win.time.time_range, listed, pooled=pooled
            )
        else:
            q = self._demand_query(text, lang, reading, filters, dim_filters, mfs, rk, named, win.time)
        if isinstance(q, Understood):
            return q
        # the bestsellers of the question's own scope (美妆爆款: beauty's), a follow-up's too (那美妆呢)
        top = F.bestsellers(today, dim_filters) if intent.bestsellers or (prev and prev.top) else None
        basis = (
            f"预测基于 {today} 日终的可用库存、在途采购单和预测销量。"
            if lang == "zh"
            else f"Projected from available stock at the end of {today}, open purchase orders and forecast demand."
        )
        notes = (*win.notes, basis) if intent.kind == "stockouts" else win.notes
        return Understood("ok", lang, query=q, time=win.time, notes=notes, forecast=intent.kind, top=top)

    def _forecast_metrics(self, reading: Reading, kind: Kind, lang: str) -> list[str] | Understood:
        """Metrics named in a forecast question: forecast ones (库存 in a stockout question is the list's
        available-now column); any other has no future values, which the answer says."""
        named: list[str] = []
        for said in reading.metrics:
            m = F.STOCK_ALIASES.get(said, said) if kind == "stockouts" else said
            if kind == "stockouts" and m in F.STOCKOUT_WORD_METRICS:
                continue
            if not F.is_forecast_metric(self.catalog, m):
                metric = self.catalog.metrics[m]
                return self._refused(
                    lang,
                    f"{metric.names.en} is not forecast: for days ahead I have forecast units and projected "
                    "stockouts. Try “forecast units next week” or “which SKUs will stock out next week”.",
                    f"{metric.names.zh}没有预测值：未来只有预测销量和预计断货。"
                    "可以问“下周预计卖多少”或“下周哪些SKU会断货”。",
                )
            if m not in named:
                named.append(m)
        return named

    def _forecast_thresholds(
        self, ths: list[P.Threshold], reading: Reading, kind: Kind, lang: str
    ) -> tuple[MetricFilter, ...] | Understood:
        """Thresholds on a forecast metric named next to them (断货概率超过50%); a number with no
        metric to limit in a stockout list is refused rather than guessed."""
        out = []
        for t in ths:
            target: str | None = F.DEMAND if kind == "demand" else None
            if reading.metrics:
                dist = [abs(pos - t.start) for pos in reading.metric_at]
                said = reading.metrics[dist.index(min(dist))]
                target = F.STOCK_ALIASES.get(said, said) if kind == "stockouts" else said
            if target is None or target == F.SELECTOR or self.catalog.metrics[target].unit == "date":
                return self._refused(
                    lang,
                    "I cannot tell which number the threshold limits; name it, e.g. “stockout probability above 50%”.",
                    "看不出这个数值限制的是哪个指标，请说明，例如“断货概率超过50%”。",
                )
            out.append(MetricFilter(target, t.op, t.value))
        return tuple(out)

    def _stockout_query(
        self,
        reading: Reading,
        filters: dict[str, tuple[str, ...]],
        dim_filters: tuple[DimensionFilter, ...],
        thresholds: tuple[MetricFilter, ...],
        rk: P.Rank | None,
        named: list[str],
        rng: TimeRange,
        listed: bool,
        *,
        pooled: bool,
    ) -> MetricQuery:
        """SKU × warehouse pairs (each SKU's total over its warehouses when pooled) whose first projected
        stockout day is in the period, soonest first; by another dimension alone (各仓), how many stock out there."""
        dims = [d for d in reading.dims if d != TIME_DIMENSION]
        dims += [d for d, v in filters.items() if len(v) > 1 and d not in dims]
        limit = rk.n if rk else None
        if dims and not listed:
            return MetricQuery(
                (F.SELECTOR,), rng, tuple(dims), filters=dim_filters, metric_filters=F.stockout_filters(thresholds),
                order_by=(OrderBy(F.SELECTOR, rk.descending if rk else True),), limit=limit,
            )  # fmt: skip
        by_warehouse = not pooled or any(d in ("warehouse", "region") for d in (*dims, *filters))
        dims = ["sku", *(["warehouse"] if by_warehouse else []), *(d for d in dims if d not in ("sku", "warehouse"))]
        ranked = [m for m in named if m not in (F.SELECTOR, F.STOCKOUT_DATE)]
        order: tuple[OrderBy, ...] = (OrderBy(ranked[0], rk.descending),) if rk and ranked else F.soonest_first()
        return MetricQuery(
            F.LIST_METRICS, rng, tuple(dims), filters=dim_filters, metric_filters=F.stockout_filters(thresholds),
            order_by=order, limit=limit,
        )  # fmt: skip

    def _demand_query(
        self,
        text: str,
        lang: str,
        reading: Reading,
        filters: dict[str, tuple[str, ...]],
        dim_filters: tuple[DimensionFilter, ...],
        thresholds: tuple[MetricFilter, ...],
        rk: P.Rank | None,
        named: list[str],
        time: TimeMatch,
    ) -> MetricQuery | Understood:
        """Forecast units over the future period, broken down like any flow metric."""
        metrics = (F.DEMAND, *(m for m in named if m != F.DEMAND))
        dims = list(reading.dims)
        grain = P.grain(text)
        if (grain or P.TREND.search(text)) and TIME_DIMENSION not in dims:
            dims.append(TIME_DIMENSION)
        dims += [d for d, v in filters.items() if len(v) > 1 and d not in dims]
        dims = [d for d in dims if not (d in filters and len(filters[d]) == 1 and d != "sku")]
        order: tuple[OrderBy, ...] = ()
        if rk:
            if not dims:
                what = self._rank_what(lang)
                if isinstance(what, Understood):
                    return what
                dims.append(what)
            order = (OrderBy(metrics[0], rk.descending),)
        return MetricQuery(
            metrics, time.time_range, tuple(dims), grain=grain or "day", filters=dim_filters,
            metric_filters=thresholds, order_by=order, limit=rk.n if rk else None,
        )  # fmt: skip

    def _which_future(self, lang: str, today: dt.date) -> TimeMatch | Understood:
        """Forecast demand asked with no period: which days ahead? (or the days chosen)"""
        horizon = F.horizon_days()
        nxt, first = week_start(today) + dt.timedelta(weeks=1), today + dt.timedelta(days=1)
        periods = (
            ("未来7天", "next 7 days", TimeRange(first, today + dt.timedelta(days=7))),
            ("下周", "next week", TimeRange(nxt, nxt + dt.timedelta(days=6))),
            (f"未来{horizon}天", f"next {horizon} days", TimeRange(first, today + dt.timedelta(days=horizon))),
        )
        return self._period(lang, periods, "For which days ahead?", "想看未来哪段时间的预测？")


def _pooled_list(q: MetricQuery) -> bool:
    """A thread's stockout list read over SKU totals (全国合计): its follow-ups read them too."""
    return "sku" in q.dimensions and F.STOCKOUT_DATE in q.metrics and "warehouse" not in q.dimensions
