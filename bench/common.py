"""Benchmark helpers: the scale-1 benchmark warehouse (generated once) and timing."""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = ROOT / "bench" / "data" / "scale1.duckdb"
END = dt.date(2026, 11, 20)


def bench_warehouse() -> Path:
    """The scale-1, two-year warehouse ending 2026-11-20 with its truth file, generated on first use."""
    from metrics.paths import truth_path

    if not BENCH_DB.exists() or not truth_path(BENCH_DB).exists():
        from metrics.demo import generate_warehouse

        print(f"generating {BENCH_DB} (scale 1, 730 days, with its truth file) …", flush=True)
        generate_warehouse(BENCH_DB, end_date=END, days=730, scale=1.0, with_truth=True)
    return BENCH_DB


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of `repeat` calls."""
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 20 else max(xs)
