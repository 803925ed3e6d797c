"""The NLQ service the bot and the CLI call: question + context → Answer + new context."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from metrics.catalog.types import Role
from metrics.present import json_rows, plain_json
from metrics.problems import UserError, user_error
from metrics.query import DimensionFilter
from metrics.service import MetricResult, SemanticLayer
from nlq import forecast_query as F
from nlq.accounting import ignored_operations
from nlq.answer import Answer
from nlq.buckets import partial_buckets, partial_note
from nlq.echo import reading_line
from nlq.lexicon import Lexicon, build_lexicon
from nlq.llm import LlmFallback
from nlq.query_json import query_to_json
from nlq.render import summary
from nlq.render_stockout import counted_line, stockout_summary
from nlq.stockout_notes import local_role, stockout_notes
from nlq.understand import Context, Parser, Understood, language
from nlq.understood import Pending

SQL_ROW_CAP = 1_000


def period_label(u: Understood, lang: str) -> str:
    if u.time is not None and u.time.explicit and u.time.label:
        return u.time.label
    assert u.query is not None
    r = u.query.time_range
    if r.start == r.end:  # a point in time: stock "now", or a follow-up's single day
        return f"截至 {r.end}" if lang == "zh" else f"as of {r.end}"
    return f"{r.start} 至 {r.end}" if lang == "zh" else f"{r.start} – {r.end}"


def with_share(res: MetricResult, rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    """Append each additive metric's share of the rows' total (占比)."""
    columns = [c.name for c in res.compiled.columns]
    additive = [
        i
        for i, c in enumerate(res.compiled.columns)
        if c.role == "metric"
        and next(m for m in res.compiled.metrics if m.id == c.ref).unit in ("currency", "count", "units")
    ]
    for i in additive:
        total = sum(float(r[i] or 0) for r in rows)
        columns.append(f"{columns[i]}_share")
        for r in rows:
            r.append(float(r[i] or 0) / total if total else None)
    return columns, rows


@dataclass
class Asker:
    layer: SemanticLayer
    llm: LlmFallback | None = None  # the optional model, used only when the offline parser cannot read a question
    _lexicon: Lexicon | None = field(default=None, init=False)

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = build_lexicon(self.layer.catalog, self.layer.values)
        return self._lexicon

    def ask(
        self, question: str, *, today: dt.date | None = None, role: Role | None = None, context: Context | None = None
    ) -> tuple[Answer, Context]:
        """A reply picking an option of the thread's pending clarifying question (its value, label or
        number) answers that question with the choice; any other text is a question of its own."""
        choices: tuple[str, ...] = ()
        if context is not None and context.pending is not None:
            pending, context = context.pending, replace(context, pending=None)
            chosen = pending.pick(question)
            if chosen is not None:
                question, choices = pending.question, (*pending.choices, chosen)
        return self._ask(question, today, role, context, choices)

    def _ask(
        self, question: str, today: dt.date | None, role: Role | None, context: Context | None, choices: tuple[str, ...]
    ) -> tuple[Answer, Context]:
        lang = language(question)
        today = today or self.layer.as_of()
        if not question.strip():
            return Answer(
                question, "refused", "请输入一个问题。" if lang == "zh" else "Ask me a question.", lang
            ), context or Context()
        parser = Parser(self.layer.catalog, self.lexicon)
        u = parser.understand(question, today, context, choices)
        if u.status == "refused" and self.llm is not None:
            return self._ask_llm(question, lang, today, role, context, u, parser.rest)
        if u.status != "ok" or u.query is None:
            options = tuple({"label": o.label, "value": o.question} for o in u.options)
            answer = Answer(question, u.status, u.message(), lang, options=options)
            if u.status != "clarify":
                return answer, context or Context()
            return answer, replace(context or Context(), pending=Pending(question, u.options, choices))
        try:
            res, top = self._run(u, role, today)
            notes = stockout_notes(self.layer, question, lang, u, res, role, today)
        except UserError as e:
            return Answer(question, "refused", e.text(lang), lang), context or Context()
        answer = self._answer(question, lang, replace(u, notes=(*u.notes, *notes)), res, role, top)
        return answer, Context(u.query, question, u.top, u.forecast)

    def _run(self, u: Understood, role: Role | None, today: dt.date) -> tuple[MetricResult, MetricResult | None]:
        """The query (forecasts as of `today`), first narrowed to the values a ranking query returns
        (the bestsellers); the ranking's result comes back too, for its SQL."""
        assert u.query is not None
        query = u.query
        if u.forecast == "stockouts" and local_role(role) and "sku" in query.dimensions:
            # a role limited to some warehouses reads their own projections: one row per SKU × warehouse
            dims = ("sku", "warehouse", *(d for d in query.dimensions if d not in ("sku", "warehouse")))
            query = replace(query, dimensions=dims)
        if u.top is None:
            return self.layer.run(query, role, as_of=today), None
        top = self.layer.run(u.top.query, role, as_of=today)
        at = next(i for i, c in enumerate(top.compiled.columns) if c.role == "dimension" and c.ref == u.top.dimension)
        values = tuple(dict.fromkeys(str(r[at]) for r in top.result.rows))
        if not values:
            raise user_error(
                "empty_ranking",
                f"No SKU counts as one of the {u.top.en}: nothing was sold then.",
                f"没有SKU属于{u.top.zh}：那段时间没有销量。",
            )
        narrowed = replace(query, filters=(*query.filters, DimensionFilter(u.top.dimension, values)))
        return self.layer.run(narrowed, role, as_of=today), top

    def _ask_llm(
        self,
        question: str,
        lang: str,
        today: dt.date,
        role: Role | None,
        context: Context | None,
        offline: Understood,
        rest: str,
    ) -> tuple[Answer, Context]:
        """What the offline parser could not read goes to the model, and comes back validated."""
        assert self.llm is not None
        ctx = {"previous_query": query_to_json(context.query)} if context and context.query else None
        proposal = self.llm.propose(question, today=today, context=ctx, lang=lang)
        if proposal.refusal is not None:
            text = f"{offline.message()}\n{proposal.refusal.text(lang)}"
            return Answer(question, "refused", text, lang), context or Context()
        if proposal.sql is not None:
            return self._answer_sql(question, lang, proposal.sql), context or Context()
        assert proposal.query is not None
        u = Understood("ok", lang, query=proposal.query)
        ignored = ignored_operations(rest, u)
        if ignored:  # the model's reading leaves out an operation the question asks for
            line = reading_line(u, self.layer.catalog, self.lexicon.value_name, lang)
            text = (
                f"{line}。但问题里的「{'」「'.join(ignored)}」没有体现在这个理解里：请换个说法。"
                if lang == "zh"
                else f"{line}. But this reading leaves out “{', '.join(ignored)}”: please rephrase."
            )
            return Answer(question, "clarify", text, lang, understood=line), context or Context()
        try:
            res = self.layer.run(proposal.query, role, as_of=today)
        except UserError as e:
            return Answer(question, "refused", e.text(lang), lang), context or Context()
        return self._answer(question, lang, u, res, role), Context(proposal.query, question)

    def _filters_text(self, filters: tuple[DimensionFilter, ...], lang: str) -> str:
        """' · 天猫、京东 · 美妆': what the numbers were limited to, so nobody misreads them."""
        parts = []
        for f in filters:
            dim = self.layer.catalog.dimensions[f.dimension]
            by_id = {v.id: v for v in self.layer.values.spellings(dim).values()}
            names = [(by_id[v].zh if lang == "zh" else by_id[v].en) if v in by_id else v for v in f.values]
            if f.dimension == "sku":
                names = [f"{n}（{v}）" if lang == "zh" else f"{n} ({v})" for n, v in zip(names, f.values, strict=True)]
            label = ("、" if lang == "zh" else ", ").join(names)
            parts.append(("不含 " if lang == "zh" else "excluding ") + label if f.negate else label)
        return "".join(f" · {p}" for p in parts)

    def _count_answer(
        self,
        question: str,
        lang: str,
        u: Understood,
        res: MetricResult,
        role: Role | None,
        rows: list[list[Any]],
        dim: str,
    ) -> Answer:
        """ "How many SKUs …": the number of distinct SKUs among the rows that answer the question."""
        at = next(i for i, c in enumerate(res.compiled.columns) if c.role == "dimension" and c.ref == dim)
        n = len({r[at] for r in rows})
        key = f"{dim}_count"
        heading = self._heading(u, res, role, lang)
        message = f"{heading}：共 {n} 个商品" if lang == "zh" else f"{heading}: {n} SKUs"
        message = "\n".join((message, *u.notes))
        return Answer(
            question,
            "answered",
            message,
            lang,
            columns=(key,),
            rows=[[n]],
            sql=res.compiled.sql(inline_params=True, pretty=True),
            metrics=tuple(m.id for m in res.compiled.metrics),
            dimensions=res.compiled.dimensions,
            time_range=res.compiled.query.time_range,
        )

    def _heading(self, u: Understood, res: MetricResult, role: Role | None, lang: str) -> str:
        """The period, the filters and the role's scope: everything the numbers are limited to."""
        filters, rule = res.compiled.query.filters, ""
        if u.top is not None:  # the ranking's values (the bestseller SKUs) are named by their rule
            filters, rule = filters[:-1], f" · {u.top.label(lang)}"
        return period_label(u, lang) + self._filters_text(filters, lang) + rule + self._role_text(role, lang)

    def _role_text(self, role: Role | None, lang: str) -> str:
        """The scope a role's row filters impose, so a restricted total is never read as the whole."""
        if role is None or not role.row_filters:
            return ""
        scope = tuple(DimensionFilter(d, v) for d, v in role.row_filters.items())
        where = self._filters_text(scope, lang).removeprefix(" · ")
        return f" · 仅{where}（{role.names.zh}权限）" if lang == "zh" else f" · {where} only ({role.names.en} access)"

    def _answer_sql(self, question: str, lang: str, sql: str) -> Answer:
        """Model-written SQL (already guarded: one read-only SELECT over catalog tables, LIMIT set)."""
        result = self.layer.warehouse.query(sql, row_cap=SQL_ROW_CAP)
        rows = [[plain_json(v) for v in r] for r in result.rows]
        note = (
            "以下结果来自模型编写并经过校验的 SQL，不属于指标口径，请核对。"
            if lang == "zh"
            else "This result comes from model-written, validated SQL outside the governed metrics; check it."
        )
        return Answer(
            question,
            "answered",
            note,
            lang,
            columns=tuple(result.names),
            rows=rows,
            sql=sql,
            truncated=result.truncated,
        )

    @staticmethod
    def _sql(res: MetricResult, top: MetricResult | None, u: Understood, lang: str) -> str:
        """The SQL that produced the numbers: a ranking that chose the values first, when there was one."""
        sql = res.compiled.sql(inline_params=True, pretty=True)
        if top is None or u.top is None:
            return sql
        ranking = top.compiled.sql(inline_params=True, pretty=True)
        return f"-- {u.top.label(lang)}\n{ranking};\n\n{sql}"

    def _answer(
        self,
        question: str,
        lang: str,
        u: Understood,
        res: MetricResult,
        role: Role | None,
        top: MetricResult | None = None,
    ) -> Answer:
        rows = json_rows(res.compiled, res.result.rows)
        columns = [c.name for c in res.compiled.columns]
        shares: dict[str, int] = {}
        if u.share and res.compiled.dimensions:
            columns, rows = with_share(res, rows)
            shares = {c[: -len("_share")]: i for i, c in enumerate(columns) if c.endswith("_share")}
        if u.focus is not None:
            at = next(i for i, c in enumerate(res.compiled.columns) if c.role == "dimension" and c.ref == u.focus[0])
            rows = [r for r in rows if r[at] == u.focus[1]]
        metrics = res.compiled.metrics
        if u.count is not None:
            return replace(
                self._count_answer(question, lang, u, res, role, rows, u.count),
                sql=self._sql(res, top, u, lang),
                rollups=res.compiled.rollups,
                understood=reading_line(u, self.layer.catalog, self.lexicon.value_name, lang),
            )
        heading = self._heading(u, res, role, lang)
        listed = u.forecast == "stockouts" and F.STOCKOUT_DATE in res.compiled.query.metrics
        text = stockout_summary(res.compiled, rows, lang, heading) if listed else None
        line = reading_line(u, self.layer.catalog, self.lexicon.value_name, lang)
        partial = partial_buckets(res.compiled.query)
        return Answer(
            question=question,
            status="answered",
            lang=lang,
            message="\n".join(
                (
                    text or summary(res.compiled, rows, lang, heading, shares),
                    *u.notes,
                    *partial_note(partial, lang),
                    line,  # how the question was read, so a misreading shows at a glance
                )
            ),
            understood=line,
            partial=partial,
            columns=tuple(columns),
            rows=rows,
            sql=self._sql(res, top, u, lang),
            rollups=res.compiled.rollups,
            metrics=tuple(m.id for m in metrics),
            dimensions=res.compiled.dimensions,
            time_range=res.compiled.query.time_range,
            definitions=tuple(  # joined with "; " / "；": no full stop of their own
                f"{m.names.name(lang)}：{m.description(lang).rstrip('。')}"
                if lang == "zh"
                else f"{m.names.en}: {m.description('en').rstrip('.')}"
                for m in metrics
            ),
            truncated=res.result.truncated,
            counted=counted_line(res.compiled.query, lang) if listed else "",
        )
