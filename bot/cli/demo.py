"""`opsbot demo-data`: generate the demo warehouse with a progress bar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bot.cli.common import guarded, parse_day
from metrics.paths import default_warehouse_path
from metrics.problems import user_error


@click.command("demo-data")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the DuckDB file (default: $OPSBOT_WAREHOUSE or data/demo.duckdb).",
)
@click.option("--end-date", metavar="YYYY-MM-DD", help="Last complete day of data (default: yesterday).")
@click.option("--days", type=int, default=730, show_default=True, help="Number of days of history.")
@click.option("--seed", type=int, default=20261120, show_default=True, help="Random seed (same seed, same data).")
@click.option("--scale", type=float, default=1.0, show_default=True, help="Volume: 1 ≈ 5,000 valid orders a day.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@guarded
def demo_data(out: Path | None, end_date: str | None, days: int, seed: int, scale: float, quiet: bool) -> None:
    """Generate the deterministic demo warehouse (DuckDB) described in the data contract."""
    from metrics.demo import generate_warehouse  # numpy is only needed here

    end = parse_day(end_date, "--end-date") or dt.date.today() - dt.timedelta(days=1)
    target = out or default_warehouse_path()
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=False,
    ) as bar:
        task = bar.add_task("demo warehouse", total=1.0)

        def progress(stage: str, fraction: float) -> None:
            bar.update(task, description=stage, completed=fraction)

        try:
            summary = generate_warehouse(target, end_date=end, days=days, seed=seed, scale=scale, progress=progress)
        except ValueError as e:
            raise user_error("bad_argument", str(e), f"参数错误：{e}") from e
        bar.update(task, description="done", completed=1.0)
    rows = sum(summary.row_counts.values())
    click.echo(
        f"wrote {summary.path} ({summary.start_date} … {summary.end_date}, {rows:,} rows, {summary.seconds:.1f} s)"
    )
