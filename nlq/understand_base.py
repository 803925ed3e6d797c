"""The parser's shared ground: the catalog and vocabulary it reads with, refusals that say what can be
answered, named values as filters (or a clarifying question), the choices that answer a clarifying
question, and which metrics are points in time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from metrics.catalog.types import TIME_DIMENSION, Catalog
from metrics.query import TimeRange
from nlq.lexicon import Lexicon, Sense
from nlq.time_calendar import make_label
from nlq.timewords import TimeMatch
from nlq.understood import Option, Reading, Understood

Periods = tuple[tuple[str, str, TimeRange], ...]  # (中文, English, range): the periods a question may offer


class ParserBase:
    def __init__(self, catalog: Catalog, lexicon: Lexicon) -> None:
        self.catalog = catalog
        self.lexicon = lexicon
        self.choices: tuple[str, ...] = ()  # option values picked in answer to this question's clarifications

    def _chosen(self, options: tuple[Option, ...]) -> str | None:
        """The choice made among a clarifying question's options, if one was."""
        offered = {o.question for o in options}
        return next((c for c in self.choices if c in offered), None)

    def _which_sense(
        self, senses: tuple[Sense, ...], lang: str, *, en: str, zh: str, shown: Callable[[Sense], str]
    ) -> tuple[Sense, ...] | Understood:
        """The meaning chosen among ``senses`` (an option "ref=value" each, labelled with ``shown``), or the
        clarifying question offering them."""
        options = tuple(
            Option(f"{s.label_zh if lang == 'zh' else s.label_en} ({shown(s)})", f"{s.ref}={s.value}") for s in senses
        )
        picked = self._chosen(options)
        if picked is None:
            return Understood("clarify", lang, en=en, zh=zh, options=options)
        return tuple(s for s in senses if f"{s.ref}={s.value}" == picked)

    def _period(self, lang: str, periods: Periods, en: str, zh: str) -> TimeMatch | Understood:
        """The period chosen ("2026-11-14..2026-11-20", named after its option), or the question."""
        options = tuple(Option(z if lang == "zh" else e, f"{r.start}..{r.end}") for z, e, r in periods)
        chosen = self._chosen(options)
        if chosen is None:
            return Understood("clarify", lang, en=en, zh=zh, options=options)
        name = next(o.label for o in options if o.question == chosen)
        start, end = (dt.date.fromisoformat(d) for d in chosen.split(".."))
        rng = TimeRange(start, end)
        return TimeMatch(rng, None, None, (), make_label(name, rng, lang == "zh"), True, name)

    def refuse(self, lang: str, en: str, zh: str, suggestions: tuple[str, ...] = ()) -> Understood:
        examples = (
            Option("上周各渠道的GMV是多少？", "上周各渠道的GMV是多少？")
            if lang == "zh"
            else Option("GMV by channel last week", "GMV by channel last week"),
        )
        known = [self.catalog.metrics[m] for m in suggestions] or self.catalog.public_metrics()[:8]
        names_zh = "、".join(m.names.zh for m in known)
        names_en = ", ".join(m.names.en for m in known)
        return Understood(
            "refused",
            lang,
            en=f"{en} I know these metrics: {names_en}. Try e.g. \u201c{examples[0].question}\u201d.",
            zh=f"{zh}我能回答这些指标：{names_zh}。可以这样问：\u201c{examples[0].question}\u201d",
            options=examples,
        )

    def _refused(self, lang: str, en: str, zh: str) -> Understood:
        return Understood("refused", lang, en=en, zh=zh)

    def _rank_what(self, lang: str) -> str | Understood:
        """The dimension a ranking with none is by: the one chosen, or the question."""
        options = tuple(
            Option(self.catalog.dimensions[d].names.name(lang), d)
            for d in ("channel", "category", "sku", "warehouse", "province")
        )
        return self._chosen(options) or Understood(
            "clarify",
            lang,
            en="Top what — channel, category, SKU, warehouse or province?",
            zh="按什么排名——渠道、品类、商品、仓库还是省份？",
            options=options,
        )

    def _values(
        self, reading: Reading, metrics: tuple[str, ...], filters: dict[str, tuple[str, ...]], lang: str
    ) -> Understood | None:
        """Filters from named values; a name that could mean two things gets a clarifying question."""
        sliceable = set(self.catalog.dimensions)
        for m in metrics:
            sliceable &= self.catalog.sliceable.get(m, set())
        chosen: dict[str, list[str]] = {}
        for hit, senses in reading.values:
            usable = [s for s in senses if s.ref in sliceable] or list(senses)
            if len(usable) > 1:
                picked = self._which_sense(
                    tuple(usable[:6]),
                    lang,
                    en=f"\u201c{hit.text}\u201d could mean several things — which one?",
                    zh=f"「{hit.text}」有多个含义，你指的是哪一个？",
                    shown=lambda s: s.ref,
                )
                if isinstance(picked, Understood):
                    return picked
                usable = list(picked)
            s = usable[0]
            if hit.start in reading.negated:
                reading.excluded[s.ref] = (*reading.excluded.get(s.ref, ()), s.value)
                continue
            chosen.setdefault(s.ref, [])
            if s.value not in chosen[s.ref]:
                chosen[s.ref].append(s.value)
        for d, vals in chosen.items():
            filters[d] = tuple(vals)
        return None

    def _point_in_time(self, metric_id: str) -> bool:
        leaves = self.catalog.leaf_models.get(metric_id, frozenset())
        kinds = {self.catalog.metrics[leaf].kind for leaf in leaves}
        point = TIME_DIMENSION not in self.catalog.sliceable[metric_id] or kinds == {"snapshot"}
        return "snapshot" in kinds and point
