"""`make bench`: every speed target of the project, printed as figures and ratios."""

from __future__ import annotations

import runpy
from pathlib import Path

HERE = Path(__file__).parent

if __name__ == "__main__":
    for name in ("bench_demo_data", "bench_compile", "bench_overhead"):
        print(f"\n== {name} ==", flush=True)
        runpy.run_path(str(HERE / f"{name}.py"), run_name="__main__")
