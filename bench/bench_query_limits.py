"""Peak memory of the warehouse client under parallel heavy queries, without and with the query limits.

8 threads each run a two-year SKU × date × channel × warehouse GMV breakdown at once, on one shared
DuckDB client, in a fresh process per setting; the process's peak RSS (ru_maxrss) and the outcomes
are printed. "unlimited" is the client as it was: DuckDB's own memory default (80 % of RAM), one thread
per core, no cap on concurrent queries.

    python bench/bench_query_limits.py [--scale 0.25] [--db PATH] [--parallel 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

END = dt.date(2026, 11, 20)
SETTINGS = {
    "unlimited": f"memory_limit=100GB&threads={os.cpu_count() or 2}&max_queries=64",
    "defaults (1GB, 2 threads, 4 at once)": "",
    "tight (256MB, 1 thread, 2 at once)": "memory_limit=256MB&threads=1&max_queries=2&queue_s=120",
}


def child(url: str, parallel: int) -> None:
    from metrics.catalog.load import load_catalog
    from metrics.problems import UserError
    from metrics.query import MetricQuery, TimeRange
    from metrics.service import SemanticLayer
    from metrics.warehouse import Warehouse

    layer = SemanticLayer(load_catalog(), Warehouse(url))
    query = MetricQuery(
        metrics=("gmv",),
        time_range=TimeRange(END - dt.timedelta(days=729), END),
        dimensions=("sku", "date", "channel", "warehouse"),
    )
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run() -> None:
        try:
            layer.run(query)
            outcome = "ok"
        except UserError as e:
            outcome = e.problems[0].code
        with lock:
            outcomes[outcome] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": round(peak_mb), "seconds": round(time.perf_counter() - started, 1), **outcomes}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.parallel)
        return
    db = args.db or ROOT / "bench" / "data" / f"limits-{args.scale:g}.duckdb"
    if not db.exists():
        from metrics.demo import generate_warehouse

        db.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating {db} (scale {args.scale:g}, 730 days) …", flush=True)
        generate_warehouse(db, end_date=END, days=730, scale=args.scale)
    for name, options in SETTINGS.items():
        url = f"duckdb://{db.resolve()}" + (f"?{options}" if options else "")
        out = subprocess.run(
            [sys.executable, __file__, "--child", url, "--parallel", str(args.parallel)],
            capture_output=True,
            text=True,
            check=False,
        )
        line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr.strip()[-300:]
        print(f"{name:40s} {line}", flush=True)


if __name__ == "__main__":
    main()
