"""`make bench`: every speed target of the project, printed as figures and ratios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
BENCHES = (
    "bench_demo_data",
    "bench_compile",
    "bench_overhead",
    "bench_rollups",
    "bench_nlq",
    "bench_forecast",
    "bench_alerts",
    "bench_webhooks",
)

if __name__ == "__main__":
    failed = []
    for name in BENCHES:
        print(f"\n== {name} ==", flush=True)
        if subprocess.run([sys.executable, str(HERE / f"{name}.py")], cwd=HERE).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    sys.exit(1 if failed else 0)
