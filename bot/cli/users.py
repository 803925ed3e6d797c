"""`opsbot users`: the built-in accounts people log in to the web chat with (argon2 password hashes)."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.auth_common import auth_options, open_auth, read_password
from bot.cli.common import guarded

_STDIN_HELP = "Read the password from the first line of stdin instead of prompting."


@click.group("users")
def users_group() -> None:
    """Accounts for logging in to the web chat and the API (people of people: in opsbot.yaml)."""


@users_group.command("add")
@click.argument("person")
@click.option("--admin", is_flag=True, help="May open the API docs and manage others.")
@click.option("--password-stdin", is_flag=True, help=_STDIN_HELP)
@click.option("--no-password", is_flag=True, help="No password: logs in through a one-time link or a platform.")
@auth_options
@guarded
def add(
    person: str, admin: bool, password_stdin: bool, no_password: bool, config_path: Path | None, state: str | None
) -> None:
    """Add PERSON's account."""
    auth = open_auth(config_path, state)
    if auth.config.person(person) is None:
        also = "" if auth.config.unlisted.may_use else "; unlisted_people.may_use is false, so they will be refused"
        click.echo(f"opsbot: warning: {person} is not in people: of the config{also}", err=True)
    password = None if no_password else read_password(password_stdin)
    account = auth.add_account(person, password, admin=admin)
    click.echo(f"added {account.person}" + (" (admin)" if account.admin else ""))


@users_group.command("list")
@auth_options
@guarded
def list_users(config_path: Path | None, state: str | None) -> None:
    """Every account: admin, password, disabled."""
    for a in open_auth(config_path, state).accounts.all():
        flags = [w for w, on in (("admin", a.admin), ("password", a.has_password), ("disabled", a.disabled)) if on]
        click.echo(f"{a.person}\t{','.join(flags) or '-'}\t{a.created_at:%Y-%m-%d}")


@users_group.command("passwd")
@click.argument("person")
@click.option("--password-stdin", is_flag=True, help=_STDIN_HELP)
@auth_options
@guarded
def passwd(person: str, password_stdin: bool, config_path: Path | None, state: str | None) -> None:
    """Set PERSON's password (their sessions end)."""
    auth = open_auth(config_path, state)
    auth.set_password(person, read_password(password_stdin))
    click.echo(f"password of {person} set")


@users_group.command("disable")
@click.argument("person")
@auth_options
@guarded
def disable(person: str, config_path: Path | None, state: str | None) -> None:
    """Disable PERSON's account: their sessions end and their tokens stop working."""
    open_auth(config_path, state).disable(person)
    click.echo(f"{person} disabled")


@users_group.command("link")
@click.argument("person")
@auth_options
@guarded
def link(person: str, config_path: Path | None, state: str | None) -> None:
    """Print a one-time login link for PERSON (valid auth.login_link_minutes)."""
    auth = open_auth(config_path, state)
    click.echo(auth.config.server.public_url + auth.login_link(person))
