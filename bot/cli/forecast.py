"""`opsbot forecast refresh|backtest`: stock forecasts, stored beside the warehouse, and their backtest."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bot.cli.common import checked_day, duckdb_target, guarded, parse_day, warehouse_target
from metrics.paths import truth_path
from metrics.problems import user_error

ProgressFn = Callable[[str, float], None]


@contextmanager
def progress_bar(title: str, quiet: bool) -> Iterator[ProgressFn]:
    """A progress bar on stderr; yields the (stage, fraction) callback the forecast code calls."""
    with Progress(
        TextColumn("{task.description:<40}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=quiet,
    ) as bar:
        task = bar.add_task(title, total=1.0)

        def update(stage: str, fraction: float) -> None:
            bar.update(task, description=stage, completed=fraction)

        yield update
        bar.update(task, description="done", completed=1.0)


def _checked_as_of(db: str, as_of: str | None) -> dt.date:
    from metrics.warehouse import Warehouse

    warehouse = Warehouse(db)
    try:
        last = warehouse.last_day()
    finally:
        warehouse.close()
    return checked_day(as_of, last)


db_option = click.option(
    "--db",
    default=None,
    metavar="PATH|URL",
    help="Warehouse: a DuckDB file or a URL (default: $OPSBOT_WAREHOUSE_URL, $OPSBOT_WAREHOUSE or data/demo.duckdb).",
)


@click.group("forecast")
def forecast_group() -> None:
    """Demand forecasts and stockout projections (断货预测)."""


@forecast_group.command("refresh")
@db_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Forecast from this day (default: the last day).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@guarded
def refresh_cmd(db: str | None, as_of: str | None, quiet: bool) -> None:
    """Forecast every SKU × warehouse and store the projection beside the warehouse."""
    from metrics.forecast.refresh import refresh

    warehouse = warehouse_target(db)
    day = _checked_as_of(warehouse, as_of)
    with progress_bar("forecast", quiet) as update:
        report = refresh(warehouse, day, progress=update)
    click.echo(
        f"wrote {report.path}: as of {report.as_of}, {report.series:,} SKU × warehouse series "
        f"({report.skus:,} SKUs), {report.rows:,} rows, {report.at_risk_7d} series projected to stock out "
        f"within 7 days ({report.seconds:.1f} s)"
    )


@forecast_group.command("backtest")
@db_option
@click.option("--from", "first", metavar="YYYY-MM-DD", help="First as-of date (default: 7 weeks before --to).")
@click.option("--to", "last", metavar="YYYY-MM-DD", help="Last as-of date (default: the last day − horizon).")
@click.option("--step", type=click.IntRange(1, 90), default=7, show_default=True, help="Days between as-of dates.")
@click.option("--horizon", type=click.IntRange(1, 28), default=7, show_default=True, help="Days ahead scored.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@guarded
def backtest_cmd(
    db: str | None, first: str | None, last: str | None, step: int, horizon: int, fmt: str, quiet: bool
) -> None:
    """Replay past as-of dates (data up to each date only) and score forecasts and stockout calls."""
    from metrics.forecast import backtest, history
    from metrics.forecast.refresh import last_day

    warehouse = duckdb_target(db, "forecast backtest")  # the backtest replays a DuckDB file
    con = history.connect(warehouse)
    try:
        latest = last_day(con) - dt.timedelta(days=horizon)
        end = parse_day(last, "--to") or latest
        if end > latest:
            raise user_error(
                "backtest_too_late",
                f"--to {end}: a {horizon}-day horizon needs data until {end + dt.timedelta(days=horizon)}; "
                f"the last possible as-of date is {latest}.",
                f"--to {end}：{horizon} 天的回测区间需要数据到 {end + dt.timedelta(days=horizon)}，"
                f"最晚的回测日期是 {latest}。",
            )
        start = parse_day(first, "--from") or end - dt.timedelta(days=7 * step)
        if start > end:
            raise user_error("bad_range", f"--from {start} is after --to {end}.", f"--from {start} 晚于 --to {end}。")
        dates = backtest.dates_between(start, end, step)
        with progress_bar("backtest", quiet) as update:
            truth = truth_path(warehouse)
            result = backtest.backtest(con, dates, horizon, progress=update, truth=truth if truth.exists() else None)
    finally:
        con.close()
    click.echo(json.dumps(result, ensure_ascii=False, indent=2) if fmt == "json" else _text(result))


def _text(r: dict[str, Any]) -> str:
    f, s = r["forecast"], r["stockout"]
    lines = [
        f"as-of dates: {', '.join(r['as_of_dates'])}  (horizon {s['horizon_days']} days)",
        f"forecast error ({f['metric']}, mean over {f['scored_series']:,} series × dates; lower is better):",
        f"  opsbot model     {f['model']:.3f}   (MASE {f['mase']['model']:.3f})",
        f"  seasonal naive   {f['seasonal_naive']:.3f}   (MASE {f['mase']['seasonal_naive']:.3f})",
        f"  SES              {f['ses']:.3f}   (MASE {f['mase']['ses']:.3f})",
        f"stockout within {s['horizon_days']} days ({s['predictor']}): precision {s['precision']:.3f}, "
        f"recall {s['recall']:.3f}, F1 {s['f1']:.3f}",
    ]
    i, p = s["in_stock_at_as_of"], s["probability_ge_0_5"]
    lines.append(f"  series in stock at the as-of date only: precision {i['precision']:.3f}, recall {i['recall']:.3f}")
    lines.append(f"  probability ≥ 0.5: precision {p['precision']:.3f}, recall {p['recall']:.3f}, F1 {p['f1']:.3f}")
    fast = s["selling_ge_1_per_day"]
    lines.append(f"  series selling ≥ 1 unit/day: precision {fast['precision']:.3f}, recall {fast['recall']:.3f}")
    if "oracle" in r:
        lines.extend(_oracle_text(s, r["oracle"]))
    return "\n".join(lines)


def _oracle_text(s: dict[str, Any], o: dict[str, Any]) -> list[str]:
    """Model beside both oracles: the same rules on the true rates and arrivals, and on the true
    rates with the open orders as the model knows them."""

    def row(name: str, m: dict[str, Any], b: dict[str, Any]) -> str:
        share = "n/a" if b["model_f1_share"] is None else f"{b['model_f1_share']:.0%}"
        return (
            f"  {name:<34} model P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}   "
            f"oracle P {b['precision']:.3f} R {b['recall']:.3f} F1 {b['f1']:.3f}   model/oracle F1 {share}"
        )

    def rows(b: dict[str, Any]) -> list[str]:
        fast, bfast = s["selling_ge_1_per_day"], b["selling_ge_1_per_day"]
        return [
            row("all series, point projection", s, b),
            row("all series, probability ≥ 0.5", s["probability_ge_0_5"], b["probability_ge_0_5"]),
            row("≥ 1 unit/day, point projection", fast, bfast),
            row("≥ 1 unit/day, probability ≥ 0.5", fast["probability_ge_0_5"], bfast["probability_ge_0_5"]),
        ]

    out = ["against the oracle (the same rules on the true demand rates and arrivals):", *rows(o)]
    if "known_arrivals" in o:
        out += [
            "against the true demand rates alone (purchase orders as the model knows them):",
            *rows(o["known_arrivals"]),
        ]
    return out
