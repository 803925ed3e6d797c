"""Compiling a MetricQuery to SQL: p95 must stay under 5 ms."""

from __future__ import annotations

import datetime as dt
import statistics

from common import p95, timed

from metrics.catalog.load import load_catalog
from metrics.compiler import compile_query
from metrics.query import DimensionFilter, MetricFilter, MetricQuery, OrderBy, TimeRange

TARGET_MS = 5.0


def queries() -> list[MetricQuery]:
    catalog = load_catalog()
    rng = TimeRange(dt.date(2026, 10, 22), dt.date(2026, 11, 20))
    out = []
    for m in catalog.public_metrics():
        dims = sorted(catalog.sliceable[m.id] - {"date"})[:2]
        numeric = m.unit != "date"  # a date-valued metric (a projected stockout day): no number filter, no compare
        out.append(MetricQuery(metrics=(m.id,), time_range=rng))
        out.append(
            MetricQuery(
                metrics=(m.id,),
                dimensions=tuple(dims),
                time_range=rng,
                limit=10,
                order_by=(OrderBy(m.id),),
                metric_filters=(MetricFilter(m.id, ">", 0),) if numeric else (),
            )
        )
        if "date" in catalog.sliceable[m.id]:
            out.append(MetricQuery(metrics=(m.id,), dimensions=("date",), grain="week", time_range=rng))
            if numeric:
                out.append(MetricQuery(metrics=(m.id,), dimensions=tuple(dims[:1]), time_range=rng, compare="yoy"))
    out.append(
        MetricQuery(
            metrics=("gmv", "refund_rate", "conversion_rate", "roi"),
            dimensions=("channel",),
            time_range=rng,
            filters=(DimensionFilter("channel", ("tmall", "jd")),),
        )
    )
    return out


def main() -> dict[str, float]:
    catalog = load_catalog()
    qs = queries()
    for q in qs:  # warm up
        compile_query(catalog, q).sql()
    samples = [t * 1000 for q in qs for t in timed(lambda q=q: compile_query(catalog, q).sql(), 5)]
    result = {
        "queries": len(qs),
        "p50_ms": statistics.median(samples),
        "p95_ms": p95(samples),
        "target_p95_ms": TARGET_MS,
    }
    print(
        f"compile MetricQuery → DuckDB SQL: {len(qs)} queries × 5, p50 {result['p50_ms']:.2f} ms, "
        f"p95 {result['p95_ms']:.2f} ms (target < {TARGET_MS} ms) → {'OK' if result['p95_ms'] < TARGET_MS else 'MISS'}"
    )
    return result


if __name__ == "__main__":
    main()
