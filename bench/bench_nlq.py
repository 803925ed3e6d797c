"""NLQ speed: offline parse + compile p95 (target < 20 ms); end-to-end `ask` p95 over the public
question set on the scale-1 warehouse (target < 500 ms); and a batch of 100 questions through
`opsbot ask -` in one process."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml
from common import END, ROOT, bench_warehouse, p95, timed

from metrics.catalog.load import load_catalog
from metrics.compiler import compile_query
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse
from nlq.ask import Asker
from nlq.understand import Parser

EVAL = ROOT.parent / "shared" / "eval" / "questions.yaml"


def questions() -> list[str]:
    doc = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
    return [q["question"] for q in doc["questions"]]


def main() -> None:
    path = bench_warehouse()
    layer = SemanticLayer(load_catalog(), Warehouse(path))
    asker = Asker(layer)
    qs = questions()
    parser = Parser(layer.catalog, asker.lexicon)

    def parse_and_compile(q: str) -> None:
        u = parser.understand(q, END)
        if u.query is not None:
            compile_query(layer.catalog, layer.canonical(u.query)).sql()

    for q in qs:
        parse_and_compile(q)
    parse = [t * 1000 for q in qs for t in timed(lambda q=q: parse_and_compile(q), 10)]
    print(
        f"offline parse + compile: {len(qs)} questions × 10, p50 {statistics.median(parse):.2f} ms, "
        f"p95 {p95(parse):.2f} ms (target < 20 ms) → {'OK' if p95(parse) < 20 else 'MISS'}"
    )
    for q in qs:
        asker.ask(q, today=END)
    e2e = [t * 1000 for q in qs for t in timed(lambda q=q: asker.ask(q, today=END), 3)]
    print(
        f"end-to-end ask (scale 1): p50 {statistics.median(e2e):.0f} ms, p95 {p95(e2e):.0f} ms "
        f"(target < 500 ms) → {'OK' if p95(e2e) < 500 else 'MISS'}"
    )
    batch = "\n".join((qs * 4)[:100]) + "\n"
    started = time.perf_counter()
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "opsbot"),
            "ask",
            "-",
            "--format",
            "jsonl",
            "--db",
            str(path),
            "--as-of",
            str(END),
        ],
        input=batch,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - started
    answered = sum('"status": "answered"' in line for line in proc.stdout.splitlines())
    print(
        f"batch of 100 questions through `opsbot ask -`: {took:.1f} s in one process "
        f"({took * 10:.0f} ms a question, {answered} answered, exit {proc.returncode})"
    )


if __name__ == "__main__":
    main()
