"""The offline parser: a question (中文 / English) → a MetricQuery, a clarifying question, or a
refusal that says what can be answered. Nothing here writes SQL. Forecast questions are read in
nlq/understand_forecast.py; what comes out (Understood, Context) is defined in nlq/understood.py."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import replace

from sqlglot import exp

from metrics.catalog.types import TIME_DIMENSION
from metrics.problems import nearest
from metrics.query import Comparison, DimensionFilter, MetricFilter, MetricQuery, OrderBy, TimeRange
from metrics.values import normalise
from nlq import forecast_query as F
from nlq import patterns as P
from nlq.accounting import Operation, leftovers, operations, unaccounted
from nlq.echo import reading_line
from nlq.lexicon import Hit
from nlq.residue import unknown_names
from nlq.shorthand import spell_out
from nlq.timewords import TimeMatch, find_time
from nlq.understand_forecast import ForecastParser
from nlq.understood import Context, Option, Reading, Understood, language, mask, read_hits

__all__ = ["Context", "Option", "Parser", "Understood", "language"]

AS_READ = "__as_read__"  # the choice to answer a question as read, leaving out the words not understood
WHICH_METRICS = ("gmv", "orders", "units_sold", "buyers")  # offered when a question names values but no metric


class Parser(ForecastParser):
    def understand(
        self, question: str, today: dt.date, context: Context | None = None, choices: tuple[str, ...] = ()
    ) -> Understood:
        """`choices`: the option values picked so far in answer to this question's clarifying questions.
        An understood question whose words are not all accounted for gets a clarifying question."""
        self.choices = choices
        self.rest = ""  # the question less what its constructs consumed, set by _understand
        self.sort: tuple[bool, tuple[int, int]] | None = None  # an order said without a count, set by _understand
        u = self._understand(question, today, context)
        if u.status != "ok" or u.query is None or AS_READ in choices:
            return u
        ops = operations(u.query, share=u.share, counted=u.count is not None, top=u.top is not None)
        left = unaccounted(self.rest, ops)
        if left and self._zero_list(u.query, ops):  # 没有退款的省份, brands with zero sales
            q = u.query
            zero = replace(
                q, metric_filters=(MetricFilter(q.metrics[0], "=", 0),), complete=True, order_by=(), limit=None
            )
            u = replace(u, query=zero)
            left = unaccounted(self.rest, operations(zero, share=u.share, counted=u.count is not None))
        return self._not_understood(u, left) if left else u

    def _zero_list(self, q: MetricQuery, ops: set[Operation]) -> bool:
        """The words left are negations (没有, zero, no) over a list of one dimension's values with
        one additive metric: the values with none of it."""
        pending = [w for w in leftovers(self.rest) if w.operation is None or w.operation not in ops]
        dims = [d for d in q.dimensions if d != TIME_DIMENSION]
        additive = len(q.metrics) == 1 and self.catalog.metrics[q.metrics[0]].unit in ("currency", "count", "units")
        return (
            bool(pending)
            and all(w.operation == "negate" for w in pending)
            and len(dims) == 1
            and len(q.dimensions) == 1
            and additive
            and not q.metric_filters
            and q.compare is None
            and not any(f.negate for f in q.filters)
        )

    def _not_understood(self, u: Understood, words: list[str]) -> Understood:
        """The reading so far, the words it leaves out, and the choice to answer as read."""
        line = reading_line(u, self.catalog, self.lexicon.value_name, u.lang)
        zh_words = "」「".join(words)
        en_words = "”, “".join(words)
        return Understood(
            "clarify",
            u.lang,
            en=f"{line}. But I did not understand “{en_words}” in the question: rephrase it, or answer as read?",
            zh=f"{line}。但问题里的「{zh_words}」我没有看懂：换个说法，或者按上面的理解回答？",
            options=(Option("按此理解回答" if u.lang == "zh" else "Answer as read", AS_READ),),
        )

    def _understand(self, question: str, today: dt.date, context: Context | None) -> Understood:
        lang = language(question)
        text = normalise(spell_out(question))
        if P.SQL_TEXT.search(text):
            return self.refuse(
                lang,
                "I answer questions about metrics; I do not run SQL or commands.",
                "我只回答指标问题，不执行 SQL 或命令。",
            )
        # metric names may hold time-like words (日均销量, average daily units, days of cover): they go first
        # and so may names (天猫 is not "上周天" + 猫; the brand 每日优选 is not "daily")
        every = self.lexicon.scan(text)
        fc_names = self._forecast_names(every)  # 断货概率, 预计断货日期: forecast metrics named with forecast words
        intent = self._intent(text, today, context, every, fc_names)  # 会断货, 预计卖多少, 3天内, 爆款
        said = self._said(intent, fc_names)
        named = self.lexicon.scan(mask(text, said, "#"))
        metric_spans = [(h.start, h.end) for h in named if h.of("metric") or h.of("value")]
        metric_spans += [m.span() for m in P.SHARE.finditer(text)]  # 占比 is not "比" + a period
        prev_range = context.query.time_range if context and context.query else None
        # a forecast reads periods ahead: 本周 runs to Sunday, 12月 is the coming December
        ahead = intent is not None or self._all_forecast([s.ref for h in named for s in h.of("metric")[:1]])
        # '#' so that no phrase runs across a masked name; a follow-up keeps its thread's period by default
        time = find_time(mask(text, metric_spans + said, "#"), today, lang=lang, default=prev_range, ahead=ahead)
        spans = (list(time.spans) if time else []) + said
        ths = P.thresholds(mask(text, spans + metric_spans))
        spans += [(t.start, t.end) for t in ths]
        rk = P.rank(mask(text, spans))
        if rk:
            spans.extend(rk.spans)
        self.sort = P.sort_order(mask(text, spans))  # "lowest first", 从高到低: an order, not a name
        if self.sort:
            spans.append(self.sort[1])
        hits = self.lexicon.scan(mask(text, spans))
        reading = read_hits(hits)
        reading.negated = self._negated(text, hits)
        self._kind_not_each(text, hits, reading, rk)
        taken = spans + [(h.start, h.end) for h in hits]
        for m in P.BOUND_DIMENSION.finditer(text):
            word = "dim" if m.group("dim") else "kind"
            at = m.start(word)
            if any(a <= at < b for a, b in taken):
                continue  # part of a name (省份, 仓库, 品类) or of a time word
            spans.append((at, m.end(word)) if any(a <= m.start() < b for a, b in taken) else m.span())
            dim = P.BOUND_DIMENSIONS[m.group("dim")] if m.group("dim") else self._kind_of(reading)
            follows = next((h for h in hits if h.start == m.end() and h.of("dimension")), None)
            kind_of_sku = follows is not None and follows.of("dimension")[0].ref == "sku" and dim != "sku"
            if word == "kind" and kind_of_sku and "sku" in reading.dims:
                reading.dims.remove("sku")  # 每类商品: each kind of product, not each product
            if dim not in reading.dims and m.group("all") is None:  # 全仓: the total over warehouses
                reading.dims.append(dim)
        spans += self._totals(text, hits, reading, spans)
        rest = mask(text, spans + [(h.start, h.end) for h in hits])
        self.rest = rest
        unknown = [sku.upper() for sku in P.SKU_ID.findall(text) if sku not in self.lexicon.terms]
        names = unknown_names(rest, question)
        if names and not unknown:
            linked = self._link_products(names, reading, lang)
            if isinstance(linked, Understood):
                return linked
            names = linked
        unknown += names
        if unknown:
            close = nearest(
                unknown[0],
                [t for t in self.lexicon.terms if not t.isascii()] if lang == "zh" else list(self.lexicon.terms),
                n=3,
            )
            hint_en = f" Did you mean {', '.join(close)}?" if close else ""
            hint_zh = f"你是不是想找：{'、'.join(close)}？" if close else ""
            return self.refuse(
                lang,
                f"I don't know \u201c{unknown[0]}\u201d: it is not a metric, channel, category, "
                f"brand, SKU, warehouse, region or province in the catalog.{hint_en}",
                f"我不认识「{unknown[0]}」：它不是指标库里的指标、渠道、品类、品牌、商品、仓库、大区或省份。{hint_zh}",
            )
        counting = bool(P.COUNT_ENTITIES.search(text))
        if counting:
            self._consume(text, P.COUNT_ENTITIES)
        if counting and "sku" not in reading.dims:
            reading.dims.append("sku")
        if intent is not None:
            self._consume(text, P.OUT_OF_STOCK)
            u = self._forecast(text, lang, today, intent, time, ths, rk, reading, context)
            return replace(u, count="sku") if counting and u.status == "ok" else u
        said_out = P.OUT_OF_STOCK.search(mask(text, fc_names))  # not 断货概率, 预计断货日期
        stocked_out = bool(said_out) and "sku" in reading.dims and rk is None
        if stocked_out:
            self._consume(text, P.OUT_OF_STOCK)
        if stocked_out:  # SKUs out of stock: available ≤ 0 where they are stocked, one row per SKU × warehouse
            reading.metrics, reading.metric_at = ["available"], [0]
            ths = [P.Threshold("<=", 0.0, 0, 0, False)]
            if "warehouse" not in reading.dims and "warehouse" not in {s.ref for _, ss in reading.values for s in ss}:
                reading.dims.append("warehouse")
        slow = bool(P.SLOW_MOVER.search(text)) and (bool(P.IN_STOCK.search(text)) or "库存" in text or "stock" in text)
        if slow:
            self._consume(text, P.SLOW_MOVER, P.IN_STOCK)
            reading.metrics = ["on_hand", "units_sold"]
            reading.metric_at = [0, 0]
            if "sku" not in reading.dims:
                reading.dims.append("sku")
        prev = context.query if context else None
        if not reading.metrics and prev is None and reading.dims and P.SOLD_NONE.search(text):
            reading.metrics, reading.metric_at = ["units_sold"], [0]  # 昨天一单都没卖的品牌: by units
            self._consume(text, P.VAGUE_SALES)
        if not reading.metrics and prev is None and counting and P.SOLD_SOME.search(text):
            reading.metrics, reading.metric_at = ["units_sold"], [0]  # 多少个SKU卖出去过: those with units sold
            self._consume(text, P.SOLD_SOME)
        if not reading.metrics and prev is None:
            vague = bool(P.VAGUE_SALES.search(text))
            if not (vague or reading.values or reading.dims):
                return self.refuse(
                    lang,
                    "I could not find a metric in the question.",
                    "没有在问题里找到指标。",
                    self._nearest_metrics(text),
                )
            self._consume(text, P.VAGUE_SALES)
            which = self._which_metric(lang, ("gmv", "units_sold", "orders") if vague else WHICH_METRICS)
            if isinstance(which, Understood):
                return which
            reading.metrics, reading.metric_at = [which], [0]
        u = self._to_query(question, rest, lang, today, time, ths, rk, reading, prev, slow)
        if u.query is not None and TIME_DIMENSION in u.query.dimensions:
            self._consume(text, P.TREND)
        if stocked_out and u.status == "ok":
            u = replace(
                u,
                notes=(
                    "“缺货”按 可用库存 ≤ 0 计，逐个仓库判断。"
                    if lang == "zh"
                    else "“Out of stock” means available ≤ 0, warehouse by warehouse.",
                ),
            )
        return replace(u, count="sku") if counting and u.status == "ok" else u

    @staticmethod
    def _totals(text: str, hits: list[Hit], reading: Reading, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """全渠道 / all channels together: a dimension named after 全/所有/all is the total over it,
        not a breakdown (unless the question also says 各/每/by); the words are consumed."""
        consumed: list[tuple[int, int]] = []
        each = P.EACH.search(mask(text, spans + [(h.start, h.end) for h in hits]))
        together = [m.span() for m in P.TOGETHER.finditer(text)]  # 其他渠道加起来: the sum over the rest
        for h in hits:
            dim = h.of("dimension")
            before = P.ALL_OF.search(text[: h.start])
            if not dim or h.of("value") or h.of("metric") or (before is None and not together) or each:
                continue
            if dim[0].ref in reading.dims:
                reading.dims.remove(dim[0].ref)
            if before is not None:
                consumed.append(before.span())
            consumed += together
        return consumed

    def _consume(self, text: str, *patterns: re.Pattern[str]) -> None:
        """The words of a construct that was applied are accounted for."""
        self.rest = mask(self.rest, [m.span() for p in patterns for m in p.finditer(text)])

    def _nearest_metrics(self, text: str) -> tuple[str, ...]:
        words = [w for w in re.split(r"[\s,，。？?!！、]+", text) if len(w) >= 2]
        by_name = {s: m.id for m in self.catalog.public_metrics() for s in m.names.all()}
        found: list[str] = []
        for w in words:
            for s in nearest(w, list(by_name), n=2):
                if by_name[s] not in found:
                    found.append(by_name[s])
        return tuple(found[:6])

    def _link_products(self, names: list[str], reading: Reading, lang: str) -> list[str] | Understood:
        """Part of a product name (玻尿酸补水面膜) names the SKUs whose names contain it: one is taken,
        a few become a clarifying question; names that match nothing stay unknown."""
        left = []
        for said in names:
            name = self._widened(said)  # 人参修护面霜: the run as said, before 人 was taken for a word
            # a Chinese fragment names products; a single English word (life, fresh) is too common to
            found = self.lexicon.products_containing(name) if not name.isascii() else ()
            if not found and name != said:
                name, found = said, self.lexicon.products_containing(said)
            if 1 < len(found) <= 8:
                picked = self._which_sense(
                    found,
                    lang,
                    en=f"Several products match \u201c{name}\u201d — which one?",
                    zh=f"有多个商品与「{name}」匹配，你指的是哪一个？",
                    shown=lambda s: s.value,
                )
                if isinstance(picked, Understood):
                    return picked
                found = picked
            if len(found) == 1:
                reading.values.append((Hit(0, 0, name, found), found))
                at = self.rest.find(name)
                if at >= 0:
                    self.rest = mask(self.rest, [(at, at + len(name))])
            else:
                left.append(name)
        return left

    def _kind_of(self, reading: Reading) -> str:
        """各类 / 每类: the kind the metric is sorted into — complaints by their category, refunds by
        their reason, anything else by product category."""
        sliceable = set(self.catalog.dimensions)
        for m in reading.metrics:
            sliceable &= self.catalog.sliceable.get(m, set())
        for dim in ("complaint_category", "refund_reason", "category"):
            if dim in sliceable:
                return dim
        return "category"

    def _widened(self, name: str) -> str:
        """The whole unmatched Chinese run of the question that holds `name` (or `name` itself)."""
        if name.isascii():
            return name
        runs: list[str] = re.findall(r"[\u4e00-\u9fff]+", self.rest)
        return next((run for run in runs if name in run), name)

    def _which_metric(self, lang: str, candidates: tuple[str, ...]) -> str | Understood:
        """The metric a question naming none asks about: the one chosen (by its name), or the question."""
        names = {self.catalog.metrics[m].names.name(lang): m for m in candidates}
        opts = tuple(Option(name, name) for name in names)
        chosen = self._chosen(opts)
        if chosen is not None:
            return names[chosen]
        return Understood("clarify", lang, en="Which metric do you mean?", zh="你想看哪个指标？", options=opts)

    def _to_query(
        self,
        question: str,
        text: str,
        lang: str,
        today: dt.date,
        time: TimeMatch | None,
        ths: list[P.Threshold],
        rk: P.Rank | None,
        reading: Reading,
        prev: MetricQuery | None,
        slow: bool,
    ) -> Understood:
        follow_up = prev is not None and (not reading.metrics or time is None or not time.explicit)
        metrics = tuple(reading.metrics) or (prev.metrics if prev else ())
        dims = list(reading.dims)
        word_grain = P.grain(text)
        grain = (time.grain if time and time.grain else word_grain) or (prev.grain if follow_up and prev else "day")
        if ((time and time.grain) or word_grain) and TIME_DIMENSION not in dims:
            dims.append(TIME_DIMENSION)
        if P.TREND.search(text) and TIME_DIMENSION not in dims:
            dims.append(TIME_DIMENSION)
        filters: dict[str, tuple[str, ...]] = {}
        if follow_up and prev:
            filters = {f.dimension: f.values for f in prev.filters}
            if not dims:
                dims = list(prev.dimensions)
        clarify = self._values(reading, metrics, filters, lang)
        if clarify is not None:
            return clarify
        together = P.TOGETHER.search(text) is not None  # 天猫和京东加起来: one sum, not a row each
        if together:
            self.rest = mask(self.rest, [m.span() for m in P.TOGETHER.finditer(text)])
        for d, vals in filters.items():
            if (
                not together
                and len(vals) > 1
                and d not in dims
                and not (follow_up and prev and d in {f.dimension for f in prev.filters})
            ):
                dims.append(d)  # "京东和天猫的GMV": one row each, not one sum
        for d in list(dims):
            if d in filters and len(filters[d]) == 1 and d != "sku":
                dims.remove(d)  # "抖音的GMV" filters; it does not break down by channel
        focus: tuple[str, str] | None = None
        share = bool(P.SHARE.search(text))
        single = [d for d, v in filters.items() if len(v) == 1 and d != "sku"]
        if share and not dims and len(single) == 1:  # "抖音的GMV占比": douyin's row of the channel breakdown
            focus = (single[0], filters.pop(single[0])[0])
            dims.append(single[0])
        rate = self._rate_among(metrics) if share and not dims else None
        if rate is not None:  # "what % of orders shipped late": a share of the same population is its rate
            metrics, share = (rate,), False
            self._consume(text, P.SHARE)
        elif share and not dims:
            share = False  # a share of nothing named: its words stay unread, and the question is asked back
        notes: tuple[str, ...] = ()
        if self._all_forecast(metrics):
            win = self._forecast_period(lang, today, time, metrics, prev if follow_up else None)
            if isinstance(win, Understood):
                return win
            time, notes = win.time, win.notes
        rng = self._range(text, lang, today, time, metrics, prev if follow_up else None)
        if isinstance(rng, Understood):
            return replace(rng, lang=lang)
        if isinstance(rng, TimeMatch):  # the period chosen in answer to the clarifying question
            time, rng = rng, (rng.time_range, rng.compare)
        if rng[0].start > today and not any(F.is_forecast_metric(self.catalog, m) for m in metrics):
            names = [self.catalog.metrics[m].names for m in metrics]
            en, zh = F.future_refusal(rng[0], today, ", ".join(n.en for n in names), "、".join(n.zh for n in names))
            return self._refused(lang, en, zh)
        metric_filters = self._metric_filters(ths, reading, metrics)
        if slow:
            metric_filters = (MetricFilter("on_hand", ">", 0), MetricFilter("units_sold", "=", 0))
        order: tuple[OrderBy, ...] = ()
        limit: int | None = None
        target = self._ranked_by(text, reading) or metrics[0]
        sort = self.sort or P.sort_order(text)
        if sort is not None:
            self.rest = mask(self.rest, [sort[1]])
            order = (OrderBy(target, sort[0]),)
        if rk:
            if rk.n == 1 and not dims:
                what = self._rank_what(lang)
                if isinstance(what, Understood):
                    return what
                dims.append(what)
            lower_better = target in self.catalog.metrics and self.catalog.metrics[target].lower_is_better
            order, limit = (OrderBy(target, rk.direction(lower_better)),), rk.n
        q = MetricQuery(
            metrics=metrics,
            time_range=rng[0],
            dimensions=tuple(dims),
            grain=grain,
            filters=tuple(DimensionFilter(d, v) for d, v in filters.items())
            + tuple(DimensionFilter(d, v, negate=True) for d, v in reading.excluded.items()),
            metric_filters=metric_filters,
            compare=rng[1],
            compare_range=time.other if time is not None and rng[1] == "other" else None,
            order_by=order,
            limit=limit,
        )
        return Understood("ok", lang, query=q, share=share, focus=focus, time=time, notes=notes)

    @staticmethod
    def _negated(text: str, hits: list[Hit]) -> set[int]:
        """Starts of the values said after 除了/excluding — and of those joined to one ("excluding Beauty and
        Apparel", 除了美妆和服饰): a value of the same dimension right after a negated one, with 和/and/、
        between, is left out too."""
        out: set[int] = set()
        values = [h for h in hits if h.of("value")]
        for i, h in enumerate(values):
            said = P.NEGATION.search(text[max(0, h.start - 12) : h.start]) is not None
            prev = values[i - 1] if i else None
            joined = (
                prev is not None
                and prev.start in out
                and P.VALUE_JOIN.fullmatch(text[prev.end : h.start]) is not None
                and bool({s.ref for s in h.of("value")} & {s.ref for s in prev.of("value")})  # one list: one dimension
            )
            if said or joined:
                out.add(h.start)
        return out

    @staticmethod
    def _kind_not_each(text: str, hits: list[Hit], reading: Reading, rk: P.Rank | None) -> None:
        """ "Beauty products", 美妆类商品: a product word right after a category or brand names what kind of
        thing is counted, not a breakdown by SKU — unless the question ranks, lists (哪些, which) or says
        each/by/各/每."""
        if "sku" not in reading.dims or rk is not None or P.EACH.search(text) or P.LISTING.search(text):
            return
        if P.SOLD_NONE.search(text) or P.OUT_OF_STOCK.search(text):  # 没卖出去的美妆SKU: a list of them
            return
        for before, h in itertools.pairwise(hits):
            dim = h.of("dimension")
            named = {s.ref for s in before.of("value")}
            adjacent = re.fullmatch(r"\s*(?:的|类|类的)?\s*", text[before.end : h.start]) is not None
            if dim and dim[0].ref == "sku" and {"category", "brand"} & named and adjacent:
                reading.dims.remove("sku")
                return

    def _rate_among(self, metrics: tuple[str, ...]) -> str | None:
        """The rate a share question without a breakdown asks for: of one metric (late shipments → late
        shipment rate), or of one of two metrics over the other's facts (orders, late shipments)."""
        if len(metrics) == 1:
            return self._rate_of(metrics[0])
        if len(metrics) != 2:
            return None
        model = {m: self.catalog.metrics[m].model for m in metrics}
        for part, whole in (metrics, metrics[::-1]):
            rate = self._rate_of(part)
            if rate is not None and model[whole] is not None and model[whole] == model[part]:
                return rate
        return None

    def _rate_of(self, metric: str) -> str | None:
        """The ratio whose numerator is ``metric`` over a count of the same facts (late shipments → late
        shipment rate, repeat buyers → repurchase rate), if the catalog has one."""
        ms = self.catalog.metrics
        for m in self.catalog.public_metrics():
            e = m.expr
            if m.kind != "derived" or m.unit != "ratio" or not isinstance(e, exp.Div):
                continue
            num, den = e.this, e.expression
            if not (isinstance(num, exp.Column) and isinstance(den, exp.Column)) or num.name != metric:
                continue
            if den.name in ms and ms[metric].model is not None and ms[metric].model == ms[den.name].model:
                return m.id
        return None

    @staticmethod
    def _ranked_by(rest: str, reading: Reading) -> str | None:
        """The metric a ranking or sort is by, when one is named after 按 / by (按销售额排, by spend)."""
        for metric, at in zip(reading.metrics, reading.metric_at, strict=True):
            if P.RANKED_BY.search(rest[:at]):
                return metric
        return None

    def _range(
        self,
        text: str,
        lang: str,
        today: dt.date,
        time: TimeMatch | None,
        metrics: tuple[str, ...],
        prev: MetricQuery | None,
    ) -> tuple[TimeRange, Comparison | None] | TimeMatch | Understood:
        if time is not None and time.explicit:
            compare = time.compare
            return time.time_range, compare
        compare = time.compare if time else None
        if prev is not None:
            return prev.time_range, compare or prev.compare
        point = all(self._point_in_time(m) for m in metrics)
        if point or P.NOW.search(text):
            return TimeRange(today, today), compare
        periods = (
            ("今天", "today", TimeRange(today, today)),
            ("昨天", "yesterday", TimeRange(today - dt.timedelta(days=1), today - dt.timedelta(days=1))),
            ("最近7天", "last 7 days", TimeRange.last_days(today, 7)),
            ("本月", "this month", TimeRange(today.replace(day=1), today)),
        )
        chosen = self._period(lang, periods, "For which period?", "想看哪个时间段？")
        return replace(chosen, compare=compare) if isinstance(chosen, TimeMatch) else chosen

    @staticmethod
    def _metric_filters(ths: list[P.Threshold], reading: Reading, metrics: tuple[str, ...]) -> tuple[MetricFilter, ...]:
        out = []
        for t in ths:
            if not reading.metrics:
                target = metrics[0]
            else:  # the metric mentioned nearest to the threshold
                dist = [abs(pos - t.start) for pos in reading.metric_at]
                target = reading.metrics[dist.index(min(dist))]
            out.append(MetricFilter(target, t.op, t.value))
        return tuple(out)
