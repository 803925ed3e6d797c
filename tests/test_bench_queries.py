"""The benchmarks' own inputs stay valid as the catalog grows: every query bench/bench_compile.py times compiles
(a benchmark that raises measures nothing, and nobody runs it in CI)."""

from __future__ import annotations

import sys
from pathlib import Path

from metrics.catalog.types import Catalog
from metrics.compiler import compile_query

BENCH = Path(__file__).resolve().parent.parent / "bench"


def test_every_timed_query_compiles(catalog: Catalog) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import bench_compile
    finally:
        sys.path.remove(str(BENCH))
    queries = bench_compile.queries()
    assert len(queries) > 50
    for q in queries:
        assert compile_query(catalog, q).sql().lstrip().upper().startswith(("SELECT", "WITH")), q
