"""The repository's own NLQ evaluation set (eval/questions.yaml) is well formed: every gold query runs
on the small test warehouse and returns rows whose columns hold the item's keys and values; ids and
question texts are unique; each paraphrase family shares one gold; declines carry no gold."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from metrics.service import SemanticLayer

OWN = Path(__file__).resolve().parents[1] / "eval" / "questions.yaml"
FIELDS = ("id", "family", "construct", "kind", "lang", "question")
GOLD = ("gold_sql", "keys", "key_alternates", "values", "ordered")


def load() -> list[dict[str, Any]]:
    doc = yaml.safe_load(OWN.read_text(encoding="utf-8"))
    assert str(doc["as_of"]) == "2026-11-20"
    questions: list[dict[str, Any]] = doc["questions"]
    return questions


QUESTIONS = load()
ANSWERABLE = [q for q in QUESTIONS if q.get("expect") != "decline"]


def test_shape_of_the_set() -> None:
    assert len(QUESTIONS) >= 300
    assert max(Counter(q["id"] for q in QUESTIONS).values()) == 1
    assert max(Counter(q["question"] for q in QUESTIONS).values()) == 1
    assert all("\n" not in q["question"] for q in QUESTIONS)  # one question per line for `opsbot ask -`
    langs = Counter(q["lang"] for q in QUESTIONS)
    assert set(langs) == {"zh", "en"} and abs(langs["zh"] - langs["en"]) <= 0.1 * len(QUESTIONS)
    declines = len(QUESTIONS) - len(ANSWERABLE)
    assert 0.12 * len(QUESTIONS) <= declines <= 0.18 * len(QUESTIONS)
    families = Counter(q["family"] for q in QUESTIONS)
    assert all(3 <= n <= 5 for n in families.values()), families


@pytest.mark.parametrize("q", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_item_fields(q: dict[str, Any]) -> None:
    assert all(q.get(f) for f in FIELDS), q
    if q.get("expect") == "decline":
        assert q["expect"] == "decline" and q["construct"] == "decline" and "gold_sql" not in q
    else:
        assert all(f in q for f in GOLD), q
        assert q["values"] or q["keys"], "a gold with neither keys nor values checks nothing"


def test_a_family_shares_one_gold() -> None:
    by_family: dict[str, set[tuple[str, ...]]] = {}
    for q in QUESTIONS:
        gold = (
            q.get("gold_sql", ""),
            repr(q.get("keys")),
            repr(q.get("values")),
            q["construct"],
            repr(q.get("ordered")),
        )
        by_family.setdefault(q["family"], set()).add(gold)
    assert {f: g for f, g in by_family.items() if len(g) > 1} == {}


FIRSTS = list({q["family"]: q for q in reversed(ANSWERABLE)}.values())  # one item per family: same gold


@pytest.mark.parametrize("q", FIRSTS, ids=[q["family"] for q in FIRSTS])
def test_gold_runs_and_returns_rows(layer: SemanticLayer, q: dict[str, Any]) -> None:
    cur = layer.warehouse.query(str(q["gold_sql"]))
    assert cur.rows, f"{q['id']}: gold is empty on the test warehouse"
    needed = list(q["keys"]) + list(q["values"]) + [a for alts in q["key_alternates"].values() for a in alts]
    assert set(needed) <= set(cur.names), f"{q['id']}: columns {cur.names} lack {set(needed) - set(cur.names)}"
    for v in q["values"]:
        i = cur.names.index(v)
        assert all(r[i] is not None for r in cur.rows), f"{q['id']}: NULL {v}"
    if q["ordered"]:
        assert "ORDER BY" in str(q["gold_sql"]).upper()
