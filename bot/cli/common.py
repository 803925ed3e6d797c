"""Shared CLI plumbing: options every command takes, opening the warehouse, printing errors."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.cli.progress import StderrProgress
from bot.config.load import default_config_path, load_config
from bot.config.schema import ConfigError
from metrics.catalog.load import CatalogError, load_catalog
from metrics.catalog.types import Catalog
from metrics.engines.url import parse_url
from metrics.paths import default_warehouse
from metrics.problems import UserError, default_lang, user_error
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse

F = TypeVar("F", bound=Callable[..., Any])
EXIT_USER, EXIT_CATALOG, EXIT_INTERNAL = 2, 3, 70


def parse_day(value: str | None, what: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise user_error(
            "bad_date",
            f"{what}: {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-11-20.",
            f"{what}：{value!r} 不是日期，请用 YYYY-MM-DD 格式，例如 2026-11-20。",
        ) from None


def warehouse_options(func: F) -> F:
    """--db and --as-of, as every command that reads the warehouse takes them."""
    func = click.option(
        "--as-of", "as_of", metavar="YYYY-MM-DD", help="The day treated as today (default: the warehouse's last day)."
    )(func)
    func = click.option(
        "--db",
        "db",
        default=None,
        metavar="PATH|URL",
        help="Warehouse: a DuckDB file or a URL such as postgresql://… (default: $OPSBOT_WAREHOUSE_URL, "
        "$OPSBOT_WAREHOUSE or data/demo.duckdb).",
    )(func)
    return func


def warehouse_target(db: str | Path | None) -> str:
    """The warehouse a command reads: --db, else opsbot.yaml's ``warehouse:`` (when there is a config
    file: $OPSBOT_CONFIG or ./opsbot.yaml), else $OPSBOT_WAREHOUSE_URL, $OPSBOT_WAREHOUSE or data/demo.duckdb —
    the same choice `opsbot serve` makes."""
    if db:
        return str(db)
    path = default_config_path()
    return load_config(path).warehouse if path is not None else default_warehouse()


def duckdb_target(db: str | Path | None, what: str) -> Path:
    """The DuckDB file `warehouse_target` names, for commands that write or replay one (``what``)."""
    url = parse_url(warehouse_target(db))
    if url.engine != "duckdb" or url.path is None:
        raise user_error(
            "needs_duckdb",
            f"{what} works on the embedded DuckDB warehouse; {url.redacted()} is {url.engine}.",
            f"{what} 只适用于内置的 DuckDB 数据仓库；{url.redacted()} 是 {url.engine}。",
        )
    return url.path


def guarded(func: F) -> F:
    """Turn user errors into one clear line (exit 2), catalog errors into a list (exit 3)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lang = default_lang()
        try:
            return func(*args, **kwargs)
        except UserError as e:
            click.echo(f"opsbot: {e.text(lang)}", err=True)
            sys.exit(EXIT_USER)
        except ConfigError as e:
            click.echo(f"opsbot: {e.text(lang)}", err=True)
            sys.exit(EXIT_CATALOG)
        except CatalogError as e:
            click.echo(f"opsbot: the metric catalog has {len(e.problems)} problem(s):", err=True)
            for p in e.problems:
                click.echo(f"  {p}", err=True)
            sys.exit(EXIT_CATALOG)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as e:
            if os.environ.get("OPSBOT_DEBUG"):
                traceback.print_exc()
            click.echo(f"opsbot: internal error: {type(e).__name__}: {e} (set OPSBOT_DEBUG=1 for details)", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def open_layer(db: str | Path | None, catalog: Catalog | None = None) -> SemanticLayer:
    """The semantic layer over the warehouse; a forecast refresh it has to wait for shows a progress bar."""
    return SemanticLayer(
        catalog or load_catalog(),
        Warehouse(warehouse_target(db)),
        forecast_progress=StderrProgress("forecast refresh"),
    )


def as_of_day(layer: SemanticLayer, as_of: str | None) -> dt.date:
    """--as-of, which may not lie after the warehouse's last day (there is no data there yet)."""
    return checked_day(as_of, layer.as_of())


def checked_day(as_of: str | None, last: dt.date) -> dt.date:
    """--as-of parsed (default: ``last``), refused when after the warehouse's last day."""
    day = parse_day(as_of, "--as-of") or last
    if day > last:
        raise user_error(
            "future_as_of",
            f"--as-of {day} is after the warehouse's last day ({last}); there is no data for it yet.",
            f"--as-of {day} 晚于数据仓库的最后一天（{last}），那时还没有数据。",
        )
    return day


def warn_outside_data(layer: SemanticLayer, start: dt.date, end: dt.date) -> None:
    """Say so when a period reaches beyond the data, rather than showing silently partial numbers."""
    first, last = layer.warehouse.first_day(), layer.as_of()
    if (first is not None and start < first) or end > last:
        lang = default_lang()
        span = f"{first or '…'} … {last}"
        click.echo(
            f"opsbot: 注意：所选时间段超出了数据范围（{span}），超出部分没有数据。"
            if lang == "zh"
            else f"opsbot: note: the period reaches beyond the data ({span}); there is no data outside it.",
            err=True,
        )
