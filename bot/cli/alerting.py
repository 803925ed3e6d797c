"""Options and set-up shared by `opsbot alerts …` and `opsbot tickets …`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from alerts.rules.load import default_rules_dir, load_rules
from alerts.rules.model import Rule
from alerts.tickets.service import TicketService
from alerts.tickets.store import open_store, state_url
from metrics.catalog.types import Catalog

F = TypeVar("F", bound=Callable[..., Any])


def alerting_options(func: F) -> F:
    """--state and --rules, which every alerts and tickets command takes (with --db and --as-of)."""
    func = click.option(
        "--rules",
        "rules_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Directory of rule YAML files (default: the demo rule pack).",
    )(func)
    func = click.option(
        "--state",
        "state",
        default=None,
        metavar="URL",
        help="Ticket store: a SQLAlchemy URL (default: $OPSBOT_STATE_URL or a SQLite file in the data dir).",
    )(func)
    return func


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def rules_from(rules_dir: Path | None, catalog: Catalog) -> list[Rule]:
    return load_rules(rules_dir or default_rules_dir(), catalog)


def ticket_service(state: str | None) -> TicketService:
    return TicketService(open_store(state or state_url()), clock=utc_now)
