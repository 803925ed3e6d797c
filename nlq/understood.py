"""What the parser makes of a question (Understood), what a thread remembers (Context), and the
reading of a question's words before it becomes a query."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from metrics.query import MetricQuery
from nlq.forecast_query import TopFilter
from nlq.forecast_words import Kind
from nlq.lexicon import Hit, Sense
from nlq.timewords import TimeMatch

Status = Literal["ok", "clarify", "refused"]


@dataclass(frozen=True)
class Option:
    label: str
    question: str


@dataclass(frozen=True)
class Pending:
    """A clarifying question awaiting its answer: the question, the options it offered and the
    choices already made (a question may ask twice: which SKU, then which period)."""

    question: str
    options: tuple[Option, ...] = ()
    choices: tuple[str, ...] = ()

    def pick(self, text: str) -> str | None:
        """The option's value a reply chooses: the value itself, its label, or its number (2, 第2个)."""
        said = text.strip()
        for o in self.options:
            if said in (o.question, o.label):
                return o.question
        n = re.fullmatch(r"(?:第\s*)?(\d{1,2})\s*(?:个|项)?|(?:no\.?|#|option)\s*(\d{1,2})", said, re.IGNORECASE)
        at = int(n.group(1) or n.group(2)) if n else 0
        return self.options[at - 1].question if 1 <= at <= len(self.options) else None


@dataclass(frozen=True)
class Context:
    """What a thread remembers for follow-ups: the last understood query, and a clarifying question
    still waiting for its answer."""

    query: MetricQuery | None = None
    question: str = ""
    top: TopFilter | None = None  # the thread's bestseller qualifier, applied again to a follow-up
    forecast: Kind | None = None  # the thread asks about stockouts or demand to come
    pending: Pending | None = None  # the clarifying question just asked, answered by picking an option


@dataclass(frozen=True)
class Understood:
    status: Status
    lang: str
    query: MetricQuery | None = None
    en: str = ""
    zh: str = ""
    options: tuple[Option, ...] = ()
    share: bool = False
    count: str | None = None  # answer "how many SKUs …" with the number of distinct values of this dimension
    focus: tuple[str, str] | None = None  # show only this (dimension, value) row, after shares are computed
    time: TimeMatch | None = None
    notes: tuple[str, ...] = field(default=())
    forecast: Kind | None = None  # a stockout list or forecast demand: answered from the forecast store
    top: TopFilter | None = None  # keep only the values a ranking query returns (the bestsellers)

    def message(self) -> str:
        return self.zh if self.lang == "zh" else self.en


def language(text: str) -> str:
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


def mask(text: str, spans: list[tuple[int, int]], fill: str = " ") -> str:
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            chars[i] = fill
    return "".join(chars)


@dataclass
class Reading:
    """What the words of one question say, before it becomes a query."""

    metrics: list[str] = field(default_factory=list)
    metric_at: list[int] = field(default_factory=list)
    dims: list[str] = field(default_factory=list)
    values: list[tuple[Hit, tuple[Sense, ...]]] = field(default_factory=list)
    negated: set[int] = field(default_factory=set)  # starts of value hits said with 除了/excluding …
    excluded: dict[str, tuple[str, ...]] = field(default_factory=dict)


def read_hits(hits: list[Hit]) -> Reading:
    r = Reading()
    for h in hits:
        metric, dim, value = h.of("metric"), h.of("dimension"), h.of("value")
        if metric:
            if metric[0].ref not in r.metrics:
                r.metrics.append(metric[0].ref)
                r.metric_at.append(h.start)
        elif value:
            r.values.append((h, value))
        elif dim and dim[0].ref not in r.dims:
            r.dims.append(dim[0].ref)
    return r
