"""`opsbot metrics list|show|validate`: the catalog from the terminal."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from bot.cli.common import as_of_day, guarded, open_layer, warehouse_options, warehouse_target
from metrics.catalog.load import load_catalog
from metrics.catalog.types import Catalog, Metric
from metrics.engines.url import missing_file
from metrics.present import format_number
from metrics.problems import UserError, default_lang, nearest, user_error
from metrics.query import MetricQuery, TimeRange
from metrics.schema_check import compare_schema
from metrics.service import uses_forecast


def metric_json(catalog: Catalog, m: Metric) -> dict[str, Any]:
    return {
        "id": m.id,
        "name_zh": m.names.zh,
        "name_en": m.names.en,
        "synonyms_zh": list(m.names.synonyms_zh),
        "synonyms_en": list(m.names.synonyms_en),
        "description_zh": m.description_zh,
        "description_en": m.description_en,
        "owner": m.owner,
        "unit": m.unit,
        "format": m.format,
        "version": m.version,
        "kind": m.kind,
        "depends_on": list(m.depends_on),
        "dimensions": sorted(catalog.sliceable[m.id]),
        "defined_at": str(m.source),
    }


@click.group("metrics")
def metrics_group() -> None:
    """The governed metric catalog (指标库): list, show and validate definitions."""


@metrics_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--all", "show_all", is_flag=True, help="Include internal building-block metrics.")
@warehouse_options
@guarded
def list_metrics(fmt: str, show_all: bool, db: str | None, as_of: str | None) -> None:
    """List the metrics users can ask for."""
    catalog = load_catalog()
    metrics = list(catalog.metrics.values()) if show_all else catalog.public_metrics()
    if fmt == "json":
        click.echo(json.dumps([metric_json(catalog, m) for m in metrics], ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{len(metrics)} metrics", show_lines=False)
    for header in ("id", "中文", "English", "unit", "sliced by"):
        table.add_column(header, no_wrap=header == "id")
    for m in metrics:
        table.add_row(m.id, m.names.zh, m.names.en, m.unit, " ".join(sorted(catalog.sliceable[m.id])))
    Console().print(table)


def latest_value(db: str | None, as_of: str | None, metric: Metric) -> tuple[bool, str] | None:
    """(whether it looks ahead, the metric over the last 7 days — or the next 7 for a forecast);
    None when no warehouse (or no forecast) is at hand."""
    path = warehouse_target(db)
    if missing_file(path):
        return None
    layer = open_layer(path)
    end = as_of_day(layer, as_of)
    rng = TimeRange(end - dt.timedelta(days=6), end)
    q = MetricQuery(metrics=(metric.id,), time_range=rng)
    if uses_forecast(layer.compile(q)):
        if layer.warehouse.forecast_as_of() != end:
            return None  # no forecast as of that day yet: `opsbot forecast refresh` makes one
        rng = TimeRange(end + dt.timedelta(days=1), end + dt.timedelta(days=7))
        q = MetricQuery(metrics=(metric.id,), time_range=rng)
    try:
        res = layer.run(q, as_of=end)
    except UserError:
        return None
    value = res.result.rows[0][0] if res.result.rows else None
    return rng.start > end, f"{format_number(value, metric.format)}  ({rng.start} … {rng.end})"


@metrics_group.command("show")
@click.argument("metric_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@warehouse_options
@guarded
def show_metric(metric_id: str, fmt: str, db: str | None, as_of: str | None) -> None:
    """Show one metric's definition (口径), owner, unit and what it can be sliced by."""
    catalog = load_catalog()
    m = catalog.metrics.get(metric_id) or _by_name(catalog, metric_id)
    if fmt == "json":
        click.echo(json.dumps(metric_json(catalog, m), ensure_ascii=False, indent=1))
        return
    lang = default_lang()
    lines = [
        f"{m.id} — {m.names.zh} / {m.names.en}  (v{m.version}, {m.kind}, {m.unit})",
        f"  口径: {m.description_zh}",
        f"  definition: {m.description_en}",
        f"  owner: {m.owner}",
        f"  synonyms: {', '.join((*m.names.synonyms_zh, *m.names.synonyms_en)) or '—'}",
        f"  sliced by: {', '.join(sorted(catalog.sliceable[m.id]))}",
        f"  defined at: {m.source}",
    ]
    if m.depends_on:
        lines.append(f"  computed from: {', '.join(m.depends_on)}")
    latest = latest_value(db, as_of, m)
    if latest is not None:
        ahead, value = latest
        label = {(True, "zh"): "未来7天", (True, "en"): "next 7 days", (False, "zh"): "最近7天"}.get(
            (ahead, lang), "last 7 days"
        )
        lines.append(f"  {label}: {value}")
    click.echo("\n".join(lines))


def _by_name(catalog: Catalog, text: str) -> Metric:
    for m in catalog.metrics.values():
        if text.lower() in (s.lower() for s in m.names.all()):
            return m
    spellings = [m.id for m in catalog.public_metrics()] + [m.names.zh for m in catalog.public_metrics()]
    raise user_error("unknown_metric", f"Unknown metric {text!r}.", f"没有指标 {text!r}。", nearest(text, spellings))


@metrics_group.command("validate")
@click.option(
    "--catalog",
    "catalog_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Catalog directory (default: $OPSBOT_CATALOG or the built-in one).",
)
@warehouse_options
@guarded
def validate(catalog_dir: Path | None, db: str | None, as_of: str | None) -> None:
    """Check the catalog (every problem, with file and line) and, if present, the warehouse's columns."""
    catalog = load_catalog(catalog_dir)
    click.echo(
        f"catalog OK: {len(catalog.metrics)} metrics, {len(catalog.dimensions)} dimensions, "
        f"{len(catalog.models)} models, {len(catalog.roles)} roles"
    )
    path = warehouse_target(db)
    if missing_file(path):
        if db is not None:
            open_layer(path)  # raises the "no warehouse" error with the command that creates it
        click.echo(f"warehouse not checked: {path} does not exist")
        return
    layer = open_layer(path, catalog)
    problems = compare_schema(catalog, layer.warehouse)
    if problems:
        raise user_error(
            "schema_mismatch",
            "warehouse does not match the catalog:\n  " + "\n  ".join(problems),
            "数据仓库与指标库不一致：\n  " + "\n  ".join(problems),
        )
    click.echo(f"warehouse OK: {layer.warehouse.label} has every table and column the catalog uses")
