"""What `opsbot users` and `opsbot tokens` share: the config's state database opened for the identity tables."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from alerts.tickets.store import open_store
from bot.auth.service import AuthService
from bot.config.load import default_config_path, load_config
from bot.config.schema import Config

F = TypeVar("F", bound=Callable[..., Any])


def auth_options(func: F) -> F:
    func = click.option("--state", default=None, metavar="URL", help="State database URL (overrides config).")(func)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="opsbot.yaml (default: $OPSBOT_CONFIG, else ./opsbot.yaml when present).",
    )(func)


def open_auth(config_path: Path | None, state: str | None) -> AuthService:
    config: Config = load_config(config_path or default_config_path())
    if state:
        config = dataclasses.replace(config, state_url=state)
    return AuthService(open_store(config.state_url).engine, config, lambda: dt.datetime.now(dt.UTC))


def read_password(stdin: bool) -> str:
    """From the first line of stdin (scripts) or typed twice, hidden."""
    if stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password / 密码", hide_input=True, confirmation_prompt=True))
