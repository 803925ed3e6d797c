"""Ask a question set through the real `opsbot ask - --format jsonl`, score it with the shared scorer
(../shared/eval/score.py) and report per construct and per language: n, correct %, wrong (count and
ids), clarified/refused %, plus totals.

    python bench/eval_report.py [QUESTIONS.yaml ...] [--db WAREHOUSE.duckdb] [--as-of DAY] [--wrong] [--json]

With no QUESTIONS the repository's own set (eval/questions.yaml) is used. With no --db the test suite's
small demo warehouse (tests/conftest.py: 400 days to 2026-11-20, seed 7, scale 0.05) is generated once
into bench/data/eval-small.duckdb and used: the sets' gold and thresholds are written for it. A question's group is its
`construct` label, or its `kind` for sets that have none (the public sets). `--wrong` also lists every
WRONG item: the question, the gold (columns, row count) and how the bot read it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import yaml

ROOT = Path(__file__).resolve().parent.parent
OWN_SET = ROOT / "eval" / "questions.yaml"
SCORER = ROOT.parent / "shared" / "eval" / "score.py"
SMALL_DB = ROOT / "bench" / "data" / "eval-small.duckdb"
Item = dict[str, Any]


def scorer(path: Path = SCORER) -> ModuleType:
    """The shared scorer, imported from its file (shared/ sits beside the repository)."""
    spec = importlib.util.spec_from_file_location("eval_score", path)
    if spec is None or spec.loader is None or not path.exists():
        raise SystemExit(f"eval_report: the shared scorer is missing ({path})")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def small_warehouse(path: Path = SMALL_DB) -> Path:
    """The test suite's small warehouse, generated on first use."""
    if not path.exists():
        sys.path.insert(0, str(ROOT))
        from metrics.demo import generate_warehouse

        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating {path} (the test suite's small warehouse) …", file=sys.stderr, flush=True)
        generate_warehouse(path, end_date=dt.date(2026, 11, 20), days=400, seed=7, scale=0.05)
    return path


def opsbot() -> str:
    beside = Path(sys.executable).parent / "opsbot"
    return str(beside) if beside.exists() else (shutil.which("opsbot") or "opsbot")


def ask_all(questions: list[Item], db: Path, as_of: str) -> list[Item]:
    """One batch through `opsbot ask -`: one answer per question, in order."""
    text = "".join(str(q["question"]).replace("\n", " ") + "\n" for q in questions)
    proc = subprocess.run(
        [opsbot(), "ask", "-", "--format", "jsonl", "--db", str(db), "--as-of", as_of],
        input=text,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode != 0:
        raise SystemExit(f"eval_report: opsbot ask failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def reading(ans: Item | None) -> str:
    """How the bot read a question, from its JSON answer (`understood` when it has one)."""
    if ans is None:
        return "no answer"
    if ans.get("understood"):
        u = ans["understood"]
        return u if isinstance(u, str) else json.dumps(u, ensure_ascii=False, default=str)
    tr = ans.get("time_range") or {}
    parts = [str(ans.get("status")), "+".join(ans.get("metrics") or []), "by " + "+".join(ans.get("dimensions") or [])]
    if tr:
        parts.append(f"{tr.get('start')}..{tr.get('end')}")
    parts.append(f"{len(ans.get('rows') or [])} rows, cols {','.join(ans.get('columns') or [])}")
    head = str(ans.get("message") or "").splitlines()[:1]  # the period and filters as the answer states them
    return " · ".join([*parts, f"«{head[0][:90]}»"] if head else parts)


@dataclass
class Verdict:
    id: str
    group: str
    lang: str
    question: str
    verdict: str  # CORRECT, WRONG, UNANSWERED, GOLD_ERROR
    status: str
    reason: str
    gold: str = ""
    read: str = ""


def score_set(path: Path, db: Path, as_of: str | None, score: ModuleType) -> list[Verdict]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions: list[Item] = doc["questions"]
    day = as_of or str(doc["as_of"])
    answers = score.pick_answers(questions, ask_all(questions, db, day))
    con = duckdb.connect(str(db), read_only=True)
    out = []
    for q, ans in zip(questions, answers, strict=True):
        status = str((ans or {}).get("status"))
        v = Verdict(
            str(q["id"]),
            str(q.get("construct") or q.get("kind") or "?"),
            str(q.get("lang", "?")),
            str(q["question"]),
            "",
            status,
            "",
            read=reading(ans),
        )
        if q.get("expect") == "decline":
            v.verdict = (
                "CORRECT" if status in ("clarify", "refused") else "WRONG" if status == "answered" else "UNANSWERED"
            )
            v.reason, v.gold = f"status {status} (should decline)", "decline"
        else:
            try:
                cur = con.execute(q["gold_sql"])
                gold = score.Gold(q, [d[0] for d in cur.description], cur.fetchall())
            except (duckdb.Error, KeyError) as e:
                v.verdict, v.reason = "GOLD_ERROR", str(e).splitlines()[0]
            else:
                v.verdict, v.reason = score.judge(q, gold, ans)
                v.gold = f"{len(gold.rows)} rows; keys {','.join(q.get('keys') or []) or '-'}; values {','.join(q['values'])}"
        out.append(v)
    con.close()
    return out


@dataclass
class Tally:
    n: int = 0
    correct: int = 0
    declined: int = 0  # answers with status clarify or refused (whether or not the item expected it)
    wrong: list[str] = field(default_factory=list)

    def add(self, v: Verdict) -> None:
        self.n += 1
        self.correct += v.verdict == "CORRECT"
        self.declined += v.status in ("clarify", "refused")
        if v.verdict == "WRONG":
            self.wrong.append(v.id)

    def row(self, name: str) -> dict[str, Any]:
        pct = (lambda k: round(100.0 * k / self.n, 1)) if self.n else (lambda k: 0.0)
        return {
            "group": name,
            "n": self.n,
            "correct_pct": pct(self.correct),
            "wrong": len(self.wrong),
            "wrong_ids": self.wrong,
            "clarified_refused_pct": pct(self.declined),
        }


def tallies(verdicts: list[Verdict], key: str) -> list[dict[str, Any]]:
    groups: dict[str, Tally] = {}
    for v in verdicts:
        groups.setdefault(getattr(v, key), Tally()).add(v)
    return [groups[k].row(k) for k in sorted(groups)]


def summary(verdicts: list[Verdict]) -> dict[str, Any]:
    total = Tally()
    for v in verdicts:
        total.add(v)
    return {
        "by_construct": tallies(verdicts, "group"),
        "by_lang": tallies(verdicts, "lang"),
        "total": total.row("total"),
        "gold_errors": [v.id for v in verdicts if v.verdict == "GOLD_ERROR"],
        "results": [vars(v) for v in verdicts],
    }


def table(title: str, rows: list[dict[str, Any]]) -> str:
    lines = [f"{title:<22} {'n':>4} {'correct':>8} {'wrong':>6} {'clar/ref':>9}  wrong ids"]
    for r in rows:
        ids = " ".join(r["wrong_ids"])
        lines.append(
            f"{r['group']:<22} {r['n']:>4} {r['correct_pct']:>7.1f}% {r['wrong']:>6} "
            f"{r['clarified_refused_pct']:>8.1f}%  {ids}".rstrip()
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("questions", nargs="*", type=Path, default=[OWN_SET])
    ap.add_argument("--db", type=Path, default=None, help="the warehouse (default: the small test warehouse)")
    ap.add_argument("--as-of", default=None, help="the day treated as today (default: the set's as_of)")
    ap.add_argument("--scorer", type=Path, default=SCORER)
    ap.add_argument("--wrong", action="store_true", help="list every WRONG item with gold and reading")
    ap.add_argument("--json", action="store_true", help="print one JSON object per set")
    args = ap.parse_args(argv)
    score = scorer(args.scorer)
    db = args.db or small_warehouse()
    for path in args.questions:
        report = summary(score_set(path, db, args.as_of, score))
        if args.json:
            print(json.dumps({"set": str(path), **report}, ensure_ascii=False, default=str))
            continue
        print(f"== {path}")
        print(table("construct", report["by_construct"]))
        print(table("language", report["by_lang"]))
        print(table("", [report["total"]]))
        if report["gold_errors"]:
            print(f"GOLD ERRORS (harness bugs): {' '.join(report['gold_errors'])}")
        if args.wrong:
            for r in report["results"]:
                if r["verdict"] == "WRONG":
                    print(
                        f"- {r['id']} [{r['group']}] {r['question']}\n    gold: {r['gold']}\n    read: {r['read']}"
                        f"\n    why:  {r['reason']}"
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
