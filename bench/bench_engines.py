"""Per engine: the semantic layer's overhead against hand-written SQL (bench/hand_sql.py, transpiled
from DuckDB by sqlglot and sent through the same warehouse client, so only the layer differs), and
the time of the public question set through `opsbot ask --db URL`.

    python bench/bench_engines.py [URL …]     (default: the DuckDB file given by $BENCH_ENGINES_DB)

Load an engine first with `opsbot demo-data --to URL --from FILE`."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml
from common import ROOT, timed
from hand_sql import BY_CHANNEL, BY_WAREHOUSE

from metrics.catalog.load import load_catalog
from metrics.query import MetricQuery, TimeRange
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse

REPEAT = 5
EVAL = ROOT.parent.parent / "shared" / "eval" / "questions.yaml"


def overhead(url: str) -> float:
    layer = SemanticLayer(load_catalog(), Warehouse(url))
    end = layer.as_of()
    rng = TimeRange(end - dt.timedelta(days=29), end)
    ratios = []
    cases = [(m, "channel", s) for m, s in BY_CHANNEL.items()] + [(m, "warehouse", s) for m, s in BY_WAREHOUSE.items()]
    for metric, dim, template in cases:
        sql = template.format(s=rng.start, e=rng.end)
        q = MetricQuery(metrics=(metric,), dimensions=(dim,), time_range=rng)
        layer.run(q)
        try:
            layer.warehouse.query(sql)
        except Exception:  # hand SQL the engine's dialect cannot express (e.g. FILTER on MySQL): not compared
            continue
        ours = statistics.median(timed(lambda q=q: layer.run(q), REPEAT))
        hand = statistics.median(timed(lambda sql=sql: layer.warehouse.query(sql), REPEAT))
        ratios.append(ours / hand)
    layer.warehouse.close()
    return statistics.median(ratios)


def public_set(url: str) -> float:
    doc = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
    questions = "\n".join(q["question"] for q in doc["questions"]) + "\n"
    started = time.perf_counter()
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "opsbot"),
            "ask",
            "-",
            "--format",
            "jsonl",
            "--db",
            url,
            "--as-of",
            str(doc["as_of"]),
        ],
        input=questions,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    return time.perf_counter() - started


def main(urls: list[str]) -> None:
    print(f"{'engine':<60} {'overhead (median ratio)':>24} {'public set (30 q) s':>20}")
    for url in urls:
        ratio = overhead(url)
        seconds = public_set(url) if EVAL.exists() else float("nan")
        print(f"{url.split('?')[0]:<60} {ratio:>24.2f} {seconds:>20.1f}")


if __name__ == "__main__":
    main(sys.argv[1:] or [os.environ.get("BENCH_ENGINES_DB", str(ROOT / "bench" / "data" / "scale1.duckdb"))])
