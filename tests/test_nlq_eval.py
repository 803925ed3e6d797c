"""The public NLQ development set (shared/eval/questions.yaml), asked through the real
`opsbot ask - --format jsonl` and scored by the shared scorer: at least 95% correct, zero wrong."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
OPSBOT = str(Path(sys.executable).parent / "opsbot")


@pytest.fixture(scope="module")
def scored(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if not (EVAL / "questions.yaml").exists():
        pytest.skip(f"the shared eval set is not beside the repository ({EVAL})")
    doc = yaml.safe_load((EVAL / "questions.yaml").read_text(encoding="utf-8"))
    questions = "\n".join(q["question"] for q in doc["questions"]) + "\n"
    proc = subprocess.run(
        [OPSBOT, "ask", "-", "--format", "jsonl", "--db", str(small_db), "--as-of", str(doc["as_of"])],
        input=questions,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert [a["question"] for a in lines] == [q["question"] for q in doc["questions"]]  # same order
    answers = tmp_path_factory.mktemp("eval") / "answers.jsonl"
    answers.write_text(proc.stdout, encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            str(EVAL / "score.py"),
            str(EVAL / "questions.yaml"),
            "--db",
            str(small_db),
            "--answers",
            str(answers),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_no_wrong_answers(scored: dict[str, object]) -> None:
    wrong = [r for r in scored["results"] if r["verdict"] == "WRONG"]  # type: ignore[attr-defined]
    assert not wrong, wrong


def test_at_least_95_percent_correct(scored: dict[str, object]) -> None:
    missed = [r for r in scored["results"] if r["verdict"] != "CORRECT"]  # type: ignore[attr-defined]
    assert int(scored["correct"]) >= 0.95 * int(scored["total"]), missed  # type: ignore[call-overload]
