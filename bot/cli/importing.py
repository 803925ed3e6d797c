"""`opsbot import MAPPING.yaml`: load CSV / Excel / Parquet exports into the DuckDB warehouse (docs/import.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli.common import EXIT_USER, duckdb_target, guarded
from bot.cli.progress import StderrProgress
from bot.cli.rollups import refresh_rollups
from metrics.importing.run import import_files
from metrics.problems import default_lang


@click.command("import")
@click.argument("mapping", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--db",
    "db",
    default=None,
    metavar="PATH",
    help="The DuckDB warehouse file to write (default: $OPSBOT_WAREHOUSE_URL, $OPSBOT_WAREHOUSE or "
    "data/demo.duckdb); created when absent.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@guarded
def import_command(mapping: Path, db: str | None, quiet: bool) -> None:
    """Import the files MAPPING names (CSV, .xlsx, Parquet) into the warehouse. Everything is checked
    first; any problem writes nothing. Days present in the files replace those days."""
    path = duckdb_target(db, "opsbot import")
    lang = default_lang()
    bar = None if quiet else StderrProgress("import")
    result = import_files(path, mapping, bar or (lambda stage, fraction: None))
    if bar is not None:
        bar.close()
    if not result.ok:
        problems = list(result.problems)
        click.echo(
            f"opsbot: 导入未执行，发现 {len(problems)} 类问题，数据仓库未改动："
            if lang == "zh"
            else f"opsbot: nothing imported; {len(problems)} problem(s) found, the warehouse is unchanged:",
            err=True,
        )
        for p in problems:
            click.echo(f"  {p.text(lang)}", err=True)
        sys.exit(EXIT_USER)
    for name, rows in result.rows_read.items():
        click.echo(f"{name}: 读取 {rows} 行" if lang == "zh" else f"{name}: {rows} rows read")
    for table, (removed, written) in result.written.items():
        click.echo(
            f"{table}: 替换 {removed} 行，写入 {written} 行"
            if lang == "zh"
            else f"{table}: {removed} rows replaced, {written} rows written"
        )
    if result.written:  # the days imported (replaced) are recomputed in the rollups, the others kept
        click.echo(refresh_rollups(path, quiet))
