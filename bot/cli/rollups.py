"""`opsbot rollups refresh|status`: the pre-aggregated tables beside the warehouse (docs/rollups.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.common import duckdb_target, guarded
from bot.cli.forecast import db_option, progress_bar


@click.group("rollups")
def rollups_group() -> None:
    """Rollups: answers at the speed of a lookup (汇总表)."""


def refresh_rollups(path: Path, quiet: bool) -> str:
    """Build or bring up to date every rollup of the catalog; one line saying what was done."""
    from metrics.catalog.load import load_catalog
    from metrics.rollups.build import refresh

    with progress_bar("rollups", quiet) as update:
        report = refresh(path, load_catalog(), progress=update)
    rebuilt = sum(r.rebuilt for r in report.rollups)
    rows = sum(r.rows for r in report.rollups)
    return (
        f"wrote {report.path}: {len(report.rollups)} rollups, {rows:,} rows, "
        f"{report.size_bytes / 1e6:.1f} MB; {rebuilt:,} rollup-days recomputed in {report.seconds:.1f} s"
    )


@rollups_group.command("refresh")
@db_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
@guarded
def refresh_cmd(db: str | None, quiet: bool) -> None:
    """Build the rollups, recomputing only the days whose source rows changed since the last build."""
    click.echo(refresh_rollups(duckdb_target(db, "rollups refresh"), quiet))


@rollups_group.command("status")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@guarded
def status_cmd(db: str | None, fmt: str) -> None:
    """Each rollup: fresh, stale (not read until refreshed) or missing (never built)."""
    from metrics.catalog.load import load_catalog
    from metrics.rollups.fresh import Fingerprints, state
    from metrics.rollups.store import source_identity, store_path, stored_stamps

    path = duckdb_target(db, "rollups status")
    catalog = load_catalog()
    prints = Fingerprints.of_catalog(catalog)
    stamps = stored_stamps(store_path(path))
    source = source_identity(path)
    rows = [
        {
            "rollup": rid,
            "state": state(rid, prints, stamps, source),
            "rows": stamps[rid].rows if rid in stamps else None,
            "built_at": stamps[rid].built_at if rid in stamps else None,
        }
        for rid in catalog.rollups
    ]
    if fmt == "json":
        click.echo(json.dumps({"store": str(store_path(path)), "rollups": rows}, ensure_ascii=False))
        return
    click.echo(f"store: {store_path(path)}")
    for r in rows:
        size = f"{r['rows']:,} rows, built {r['built_at']}" if r["rows"] is not None else "-"
        click.echo(f"{r['rollup']:<20} {r['state']:<45} {size}")
