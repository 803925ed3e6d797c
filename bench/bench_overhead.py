"""Semantic-layer overhead: each glossary metric by channel (stock metrics by warehouse) over the last
30 days, end to end through metrics/ versus the hand-written SQL run directly in DuckDB on the same
file. Target: median ratio ≤ 1.2."""

from __future__ import annotations

import datetime as dt
import statistics

import duckdb
from common import END, bench_warehouse, timed
from hand_sql import BY_CHANNEL, BY_WAREHOUSE

from metrics.catalog.load import load_catalog
from metrics.query import MetricQuery, TimeRange
from metrics.service import SemanticLayer
from metrics.warehouse import CONNECT_CONFIG, Warehouse

TARGET = 1.2
REPEAT = 7


def main() -> dict[str, float]:
    path = bench_warehouse()
    layer = SemanticLayer(load_catalog(), Warehouse(path))
    raw = duckdb.connect(str(path), read_only=True, config=dict(CONNECT_CONFIG))  # same settings
    rng = TimeRange(END - dt.timedelta(days=29), END)
    ratios = {}
    cases = [(m, "channel", sql) for m, sql in BY_CHANNEL.items()] + [
        (m, "warehouse", sql) for m, sql in BY_WAREHOUSE.items()
    ]
    print(f"{'metric':<20} {'by':<10} {'layer ms':>9} {'hand ms':>9} {'ratio':>6}")
    for metric, dim, template in cases:
        sql = template.format(s=rng.start, e=rng.end)
        q = MetricQuery(metrics=(metric,), dimensions=(dim,), time_range=rng)
        layer.run(q)
        raw.execute(sql).fetchall()
        ours = statistics.median(timed(lambda q=q: layer.run(q), REPEAT))
        hand = statistics.median(timed(lambda sql=sql: raw.execute(sql).fetchall(), REPEAT))
        ratios[metric] = ours / hand
        print(f"{metric:<20} {dim:<10} {ours * 1000:>9.1f} {hand * 1000:>9.1f} {ours / hand:>6.2f}")
    median = statistics.median(ratios.values())
    print(
        f"semantic layer overhead: median ratio {median:.2f} over {len(ratios)} metrics (target ≤ {TARGET}) "
        f"→ {'OK' if median <= TARGET else 'MISS'}"
    )
    return {"median_ratio": median, "max_ratio": max(ratios.values()), "metrics": len(ratios)}


if __name__ == "__main__":
    main()
