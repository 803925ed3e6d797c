"""`opsbot query`: one governed metric query from the terminal, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import replace

import click
from rich.console import Console
from rich.table import Table

from bot.answers.result_json import result_json
from bot.cli.common import as_of_day, guarded, open_layer, parse_day, warehouse_options, warn_outside_data
from bot.cli.query_args import parse_having, parse_order, parse_where
from metrics.present import format_cell, json_rows
from metrics.problems import default_lang, user_error
from metrics.query import DEFAULT_PERIOD_DAYS, Comparison, MetricQuery, TimeRange
from metrics.service import MetricResult, uses_forecast


def time_range(start: str | None, end: str | None, today: dt.date) -> TimeRange:
    last = parse_day(end, "--to") or today
    first = parse_day(start, "--from") or TimeRange.last_days(last, DEFAULT_PERIOD_DAYS).start
    if last < first:
        raise user_error("bad_range", f"--to {last} is before --from {first}.", f"--to {last} 早于 --from {first}。")
    return TimeRange(first, last)


def print_text(res: MetricResult, show_sql: bool) -> None:
    """A readable table: names in the user's language, formatted numbers, then the definitions used."""
    c, lang = res.compiled, default_lang()
    r = c.query.time_range
    title = f"{', '.join(m.names.name(lang) for m in c.metrics)} · {r.start} … {r.end}"
    if c.compare_range is not None:
        title += f" vs {c.compare_range.start} … {c.compare_range.end}"
    other = "_name_en" if lang == "zh" else "_name_zh"
    # text keeps one name column (the user's language) and, in comparisons, the % change only
    shown = [
        i
        for i, col in enumerate(c.columns)
        if not (col.role == "label" and col.name.endswith(other)) and col.role != "change"
    ]
    table = Table(title=title)
    for i in shown:
        col = c.columns[i]
        table.add_column(col.name, justify="left" if col.role in ("dimension", "label") else "right")
    for row in res.result.rows:
        table.add_row(*[format_cell(row[i], c.columns[i], c) for i in shown])
    console = Console()
    console.print(table)
    if not res.result.rows:
        console.print("没有符合条件的数据。" if lang == "zh" else "No rows match.")
    if res.result.truncated:
        console.print(f"[yellow]only the first {len(res.result.rows):,} rows are shown (row cap)[/yellow]")
    for m in c.metrics:
        console.print(f"[dim]{m.id}: {m.description(lang)}[/dim]")
    if show_sql:
        console.print(c.sql(inline_params=True, pretty=True), markup=False, highlight=False)


def print_csv(res: MetricResult) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([col.name for col in res.compiled.columns])
    writer.writerows(json_rows(res.compiled, res.result.rows))
    click.echo(buf.getvalue(), nl=False)


@click.command("query")
@click.option("--metric", "-m", "metric_ids", multiple=True, required=True, help="Metric id (repeatable).")
@click.option("--by", "dims", multiple=True, help="Break down by a dimension (repeatable).")
@click.option(
    "--grain",
    type=click.Choice(["day", "week", "month"]),
    default="day",
    show_default=True,
    help="Time grain when broken down by date.",
)
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day (default: 29 days before --to).")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day (default: --as-of).")
@click.option(
    "--where", "where", multiple=True, metavar="DIM=VALUE", help="Filter, e.g. channel=天猫 or sku!=SKU-00001."
)
@click.option(
    "--having", "having", multiple=True, metavar="METRIC<N", help="Filter rows on a metric, e.g. days_of_cover<7."
)
@click.option(
    "--compare",
    type=click.Choice(["previous", "yoy"]),
    default=None,
    help="Compare with the previous period (环比) or the same dates a year earlier (同比).",
)
@click.option("--order", "order", multiple=True, metavar="KEY[:asc|desc]", help="Order by a metric or dimension.")
@click.option("--limit", type=int, default=None, help="At most N rows.")
@click.option("--role", default=None, help="Run as a role (its row filters and metric visibility apply).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.option("--show-sql", is_flag=True, help="Print the SQL (text format).")
@warehouse_options
@guarded
def query(
    metric_ids: tuple[str, ...],
    dims: tuple[str, ...],
    grain: str,
    start: str | None,
    end: str | None,
    where: tuple[str, ...],
    having: tuple[str, ...],
    compare: Comparison | None,
    order: tuple[str, ...],
    limit: int | None,
    role: str | None,
    fmt: str,
    show_sql: bool,
    db: str | None,
    as_of: str | None,
) -> None:
    """Compute governed metrics, e.g. `opsbot query -m gmv -m aov --by channel --from 2026-11-01`."""
    layer = open_layer(db)
    today = as_of_day(layer, as_of)
    q = MetricQuery(
        metrics=metric_ids,
        dimensions=dims,
        grain=grain,  # type: ignore[arg-type]
        time_range=time_range(start, end, today),
        filters=parse_where(where),
        metric_filters=parse_having(having),
        compare=compare,
        order_by=parse_order(order, dims),
        limit=limit,
    )
    if uses_forecast(layer.compile(q, layer.role(role))):
        if start is None and end is None:  # forecasts are about the coming days: default to the next 7
            q = replace(q, time_range=TimeRange(today + dt.timedelta(days=1), today + dt.timedelta(days=7)))
    else:
        warn_outside_data(layer, q.time_range.start, q.time_range.end)
    res = layer.run(q, layer.role(role), as_of=today)
    if fmt == "json":
        click.echo(json.dumps(result_json(res), ensure_ascii=False))
    elif fmt == "csv":
        print_csv(res)
    else:
        print_text(res, show_sql)
