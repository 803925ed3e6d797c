"""The repository's own NLQ evaluation set (eval/questions.yaml, issue 13), asked through the real
`opsbot ask - --format jsonl` and scored by the shared scorer via bench/eval_report.py: zero wrong
answers and at least 95% correct, overall (the per-construct table is in the failure message)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def report_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_report", ROOT / "bench" / "eval_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report(small_db: Path) -> dict[str, Any]:
    er = report_module()
    if not er.SCORER.exists():
        pytest.skip(f"the shared scorer is not beside the repository ({er.SCORER})")
    verdicts = er.score_set(er.OWN_SET, small_db, None, er.scorer())
    summary: dict[str, Any] = er.summary(verdicts)
    summary["table"] = er.table("construct", summary["by_construct"])
    return summary


def test_own_set_has_no_gold_errors(report: dict[str, Any]) -> None:
    assert report["gold_errors"] == []


def test_own_set_no_wrong_answers(report: dict[str, Any]) -> None:
    wrong = [
        f"{r['id']} {r['question']} | gold {r['gold']} | read {r['read']} | {r['reason']}"
        for r in report["results"]
        if r["verdict"] == "WRONG"
    ]
    assert not wrong, "\n" + report["table"] + "\n" + "\n".join(wrong)


def test_own_set_at_least_95_percent_correct(report: dict[str, Any]) -> None:
    total = report["total"]
    missed = [f"{r['id']} {r['verdict']} {r['question']}" for r in report["results"] if r["verdict"] != "CORRECT"]
    assert total["correct_pct"] >= 95.0, "\n" + report["table"] + "\n" + "\n".join(missed)
