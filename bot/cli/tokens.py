"""`opsbot tokens`: API tokens for ``/api/*`` (``Authorization: Bearer opsbot_…``), each acting as one person."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.auth_common import auth_options, open_auth
from bot.cli.common import guarded


@click.group("tokens")
def tokens_group() -> None:
    """API tokens: each carries its person's role; shown once, only a hash is kept."""


@tokens_group.command("create")
@click.option("--for", "person", required=True, help="The person the token acts as.")
@click.option("--label", default="", help="What it is for (shown by `tokens list`).")
@auth_options
@guarded
def create(person: str, label: str, config_path: Path | None, state: str | None) -> None:
    """Create a token and print it (once: it cannot be shown again)."""
    auth = open_auth(config_path, state)
    if auth.config.person(person) is None and not auth.config.unlisted.may_use:
        click.echo(f"opsbot: warning: {person} is not in people: and unlisted_people.may_use is false", err=True)
    full, _ = auth.tokens.create(person, label, now=auth.clock())
    click.echo(full)


@tokens_group.command("list")
@click.option("--for", "person", default=None, help="Only this person's tokens.")
@auth_options
@guarded
def list_tokens(person: str | None, config_path: Path | None, state: str | None) -> None:
    """Every token: id, person, label, created, revoked."""
    for t in open_auth(config_path, state).tokens.all(person):
        revoked = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "live"
        click.echo(f"{t.id}\t{t.person}\t{t.label or '-'}\t{t.created_at:%Y-%m-%d}\t{revoked}")


@tokens_group.command("revoke")
@click.argument("token_id")
@auth_options
@guarded
def revoke(token_id: str, config_path: Path | None, state: str | None) -> None:
    """Revoke the token TOKEN_ID (the part after opsbot_)."""
    auth = open_auth(config_path, state)
    auth.tokens.revoke(token_id, now=auth.clock())
    click.echo(f"token {token_id} revoked")
