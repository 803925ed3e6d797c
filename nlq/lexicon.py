"""The vocabulary of questions, built from the catalog and the warehouse's values: metric names and
synonyms, dimension names, and every dimension value's spellings (channels, categories, brands,
warehouses, regions, provinces, SKU ids and names). Matching is longest-first over a trie, so
"可用库存" beats "库存", and English terms must stand as whole words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from metrics.catalog.types import Catalog
from metrics.values import ValueResolver, normalise

Kind = Literal["metric", "dimension", "value"]
_ASCII_WORD = re.compile(r"[a-z0-9]")
BOUND_CHARS = "仓省店"  # one-character dimension words (各仓, 哪个省), read by the parser's patterns


@dataclass(frozen=True)
class Sense:
    """One meaning of a term: a metric, a dimension, or a value of a dimension."""

    kind: Kind
    ref: str  # metric id, dimension id, or dimension id of the value
    value: str = ""  # the value's canonical id
    label_zh: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    text: str
    senses: tuple[Sense, ...]

    def of(self, kind: Kind) -> tuple[Sense, ...]:
        return tuple(s for s in self.senses if s.kind == kind)


@dataclass
class Lexicon:
    terms: dict[str, list[Sense]] = field(default_factory=dict)
    _trie: dict[str, dict] = field(default_factory=dict)  # type: ignore[type-arg]
    _names: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def add(self, spelling: str, sense: Sense) -> None:
        key = normalise(spelling)
        if len(key) < 2:
            return  # one character (仓, 日) is too ambiguous to be a term
        senses = self.terms.setdefault(key, [])
        if sense not in senses:
            senses.append(sense)
            node = self._trie
            for ch in key:
                node = node.setdefault(ch, {})
            node["$"] = key  # type: ignore[assignment]

    def value_name(self, dimension: str, value: str, lang: str) -> str:
        """A dimension value's display name in `lang` (its id when the vocabulary has no name for it)."""
        if not self._names:
            for senses in self.terms.values():
                for s in senses:
                    if s.kind == "value":
                        self._names.setdefault((s.ref, s.value), (s.label_zh or s.value, s.label_en or s.value))
        zh, en = self._names.get((dimension, value), (value, value))
        return zh if lang == "zh" else en

    def products_containing(self, fragment: str) -> tuple[Sense, ...]:
        """SKUs whose zh or en name contains `fragment` (at least 3 characters)."""
        key = normalise(fragment)
        if len(key) < 3:
            return ()
        found: dict[str, Sense] = {}
        for term, senses in self.terms.items():
            if key in term:
                for s in senses:
                    if s.kind == "value" and s.ref == "sku":
                        found.setdefault(s.value, s)
        return tuple(found[k] for k in sorted(found))

    def scan(self, text: str) -> list[Hit]:
        """Longest non-overlapping terms of a normalised text, left to right."""
        hits, i, n = [], 0, len(text)
        while i < n:
            node, j, best = self._trie, i, None
            while j < n and text[j] in node:
                node = node[text[j]]
                j += 1
                if "$" in node and self._whole_word(text, i, j):
                    best = j
            if best is None:
                i += 1
                continue
            if self._overlapped(text, i, best):
                i += 1  # 各仓库存: 仓 + 库存, not 仓库 + 存
                continue
            key = text[i:best]
            hits.append(Hit(i, best, key, tuple(self.terms[key])))
            i = best
        return hits

    def _overlapped(self, text: str, start: int, end: int) -> bool:
        """A term that starts with a one-character dimension word (仓, 省) and whose tail begins a
        longer metric term (仓库 | 库存): the metric is read, the character stays a dimension word."""
        if text[start] not in BOUND_CHARS:
            return False
        node, j, longest = self._trie, start + 1, start + 1
        while j < len(text) and text[j] in node:
            node = node[text[j]]
            j += 1
            term = node.get("$")
            if isinstance(term, str) and any(sense.kind == "metric" for sense in self.terms[term]):
                longest = j
        return longest > end

    @staticmethod
    def _whole_word(text: str, start: int, end: int) -> bool:
        """An ASCII term must not run on into letters or digits (app ≠ happy, jd ≠ jds)."""
        if _ASCII_WORD.match(text[start]) and start > 0 and _ASCII_WORD.match(text[start - 1]):
            return False
        if _ASCII_WORD.match(text[end - 1]) and end < len(text) and _ASCII_WORD.match(text[end]):
            return text[end] == "s" and (end + 1 == len(text) or not _ASCII_WORD.match(text[end + 1]))
        return True


def build_lexicon(catalog: Catalog, values: ValueResolver) -> Lexicon:
    lex = Lexicon()
    for m in catalog.public_metrics():
        sense = Sense("metric", m.id, label_zh=m.names.zh, label_en=m.names.en)
        for spelling in (m.id, m.id.replace("_", " "), *m.names.all()):
            lex.add(spelling, sense)
    for d in catalog.dimensions.values():
        sense = Sense("dimension", d.id, label_zh=d.names.zh, label_en=d.names.en)
        for spelling in (d.id, *d.names.all()):
            lex.add(spelling, sense)
        if d.kind == "time":
            continue
        for spelling, v in values.spellings(d).items():
            lex.add(spelling, Sense("value", d.id, v.id, v.zh, v.en))
    return lex
