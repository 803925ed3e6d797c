"""Forecast benchmark at scale 1: `refresh` time (target < 60 s) and the backtest figures.

Targets: forecast error below seasonal naive and no worse than SES; stockout precision and recall
at a 7-day horizon (target 0.8 each — see the printed figures; docs/forecasting.md explains them).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import END, bench_warehouse
from metrics.forecast import backtest, history
from metrics.forecast.refresh import refresh
from metrics.paths import truth_path


def main() -> None:
    source = bench_warehouse()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "scale1.duckdb"
        shutil.copy(source, db)
        report = refresh(db, END)
        ok = "ok" if report.seconds < 60 else "MISS"
        print(f"refresh: {report.series:,} series, {report.skus:,} SKUs in {report.seconds:.1f} s (target < 60 s) {ok}")
        con = history.connect(db)
        started = time.perf_counter()
        r = backtest.backtest(con, backtest.default_dates(END, 7), 7, truth=truth_path(source))
        con.close()
    f, s = r["forecast"], r["stockout"]
    print(
        f"backtest: {len(r['as_of_dates'])} as-of dates {r['as_of_dates'][0]} … {r['as_of_dates'][-1]}, "
        f"{time.perf_counter() - started:.0f} s"
    )
    print(
        f"  RMSSE model {f['model']:.3f} | seasonal naive {f['seasonal_naive']:.3f} "
        f"(ratio {f['model'] / f['seasonal_naive']:.2f}) | SES {f['ses']:.3f} (ratio {f['model'] / f['ses']:.2f})"
    )
    m = f["mase"]
    print(f"  MASE  model {m['model']:.3f} | seasonal naive {m['seasonal_naive']:.3f} | SES {m['ses']:.3f}")
    print(
        f"  stockout ≤7 days, point projection: precision {s['precision']:.3f} recall {s['recall']:.3f} "
        f"F1 {s['f1']:.3f} (target 0.8 / 0.8)"
    )
    p = s["probability_ge_0_5"]
    print(
        f"  stockout ≤7 days, probability ≥ 0.5: precision {p['precision']:.3f} recall {p['recall']:.3f} F1 {p['f1']:.3f}"
    )
    fast = s["selling_ge_1_per_day"]
    print(f"  selling ≥ 1 unit/day, point projection: precision {fast['precision']:.3f} recall {fast['recall']:.3f}")
    for name, o in (
        ("oracle (true rates and arrivals)", r["oracle"]),
        ("true rates alone", r["oracle"]["known_arrivals"]),
    ):
        of = o["selling_ge_1_per_day"]
        print(
            f"  {name}: F1 {o['f1']:.3f}, model/oracle F1 {o['model_f1_share']:.3f} (target ≥ 0.9) "
            f"| probability rule {o['probability_ge_0_5']['model_f1_share']:.3f} "
            f"| selling ≥ 1/day: oracle P {of['precision']:.3f} R {of['recall']:.3f}"
        )


if __name__ == "__main__":
    main()
