"""`opsbot demo-data`: generate the demo warehouse with a progress bar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bot.cli.common import guarded, parse_day, warehouse_target
from bot.cli.rollups import refresh_rollups
from metrics.engines.url import parse_url
from metrics.paths import default_warehouse_path
from metrics.problems import user_error


def _configured_file() -> Path:
    """The configured warehouse when it is a DuckDB file, else the default file."""
    url = parse_url(warehouse_target(None))
    return url.path if url.engine == "duckdb" and url.path is not None else default_warehouse_path()


@click.command("demo-data")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the DuckDB file (default: $OPSBOT_WAREHOUSE or data/demo.duckdb).",
)
@click.option(
    "--to",
    "to_url",
    metavar="URL",
    default=None,
    help="Also copy the tables into this warehouse: postgresql://…, mysql://…?flavor=…, spark://local?path=…",
)
@click.option(
    "--from",
    "from_db",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="With --to: copy this existing DuckDB warehouse instead of generating one.",
)
@click.option("--end-date", metavar="YYYY-MM-DD", help="Last complete day of data (default: yesterday).")
@click.option("--days", type=int, default=730, show_default=True, help="Number of days of history.")
@click.option("--seed", type=int, default=20261120, show_default=True, help="Random seed (same seed, same data).")
@click.option("--scale", type=float, default=1.0, show_default=True, help="Volume: 1 ≈ 5,000 valid orders a day.")
@click.option(
    "--truth",
    is_flag=True,
    help="Also write the true demand rates and purchase-order arrivals beside the warehouse "
    "(<name>.truth.duckdb), so that `opsbot forecast backtest` can score an oracle.",
)
@click.option("--no-rollups", is_flag=True, help="Do not build the rollups (build them later: opsbot rollups refresh).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@guarded
def demo_data(
    out: Path | None,
    to_url: str | None,
    from_db: Path | None,
    end_date: str | None,
    days: int,
    seed: int,
    scale: float,
    truth: bool,
    no_rollups: bool,
    quiet: bool,
) -> None:
    """Generate the deterministic demo warehouse (DuckDB) described in the data contract; with --to,
    copy its tables into another engine too."""
    if from_db is not None and to_url is None:
        raise user_error("bad_argument", "--from needs --to URL.", "--from 需要同时给出 --to 地址。")
    target = from_db or out or _configured_file()
    if from_db is None:
        _generate(target, end_date, days, seed, scale, quiet, truth)
        if not no_rollups:
            click.echo(refresh_rollups(target, quiet))
    if to_url is not None:
        _copy(target, to_url, quiet)


def _copy(source: Path, url: str, quiet: bool) -> None:
    from metrics.engines.load import load_demo

    with _bar(quiet) as progress:
        report = load_demo(source, url, progress)
    rows = sum(report.tables.values())
    click.echo(
        f"copied {len(report.tables)} tables ({rows:,} rows) from {source} to {report.target} ({report.seconds:.1f} s)"
    )


class _bar:
    def __init__(self, quiet: bool) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<34}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=quiet,
        )

    def __enter__(self) -> Callable[[str, float], None]:
        self.progress.__enter__()
        task = self.progress.add_task("copy", total=1.0)
        return lambda stage, fraction: self.progress.update(task, description=stage, completed=fraction)

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)


def _generate(target: Path, end_date: str | None, days: int, seed: int, scale: float, quiet: bool, truth: bool) -> None:
    from metrics.demo import generate_warehouse  # numpy is only needed here

    end = parse_day(end_date, "--end-date") or dt.date.today() - dt.timedelta(days=1)
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
            summary = generate_warehouse(
                target, end_date=end, days=days, seed=seed, scale=scale, progress=progress, with_truth=truth
            )
        except ValueError as e:
            raise user_error("bad_argument", str(e), f"参数错误：{e}") from e
        bar.update(task, description="done", completed=1.0)
    rows = sum(summary.row_counts.values())
    click.echo(
        f"wrote {summary.path} ({summary.start_date} … {summary.end_date}, {rows:,} rows, {summary.seconds:.1f} s)"
    )
