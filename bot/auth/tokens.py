"""API tokens for ``/api/*``: ``opsbot_<id>_<secret>``, shown once; only the secret's hash is stored. A token
acts as its person, with that person's role."""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from bot.auth.digest import digest, new_secret
from bot.auth.tables import tokens
from metrics.problems import user_error

_FORMAT = re.compile(r"^opsbot_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")


@dataclass(frozen=True)
class Token:
    id: str
    person: str
    label: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class Tokens:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, person: str, label: str, *, now: dt.datetime) -> tuple[str, Token]:
        """(the full token — shown once, never stored —, its row)."""
        token_id, secret = secrets.token_hex(6), new_secret()
        with self.engine.begin() as conn:
            conn.execute(
                insert(tokens).values(
                    id=token_id, secret_hash=digest(secret), person=person, label=label, created_at=now
                )
            )
        return f"opsbot_{token_id}_{secret}", Token(token_id, person, label, now, None)

    def find(self, presented: str) -> Token | None:
        """The live token ``presented`` is; None when malformed, unknown, wrong or revoked."""
        m = _FORMAT.match(presented.strip())
        if m is None:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(tokens).where(tokens.c.id == m.group(1))).mappings().first()
        if row is None or not hmac.compare_digest(row["secret_hash"], digest(m.group(2))) or row["revoked_at"]:
            return None
        return _token(row)

    def all(self, person: str | None = None) -> list[Token]:
        query = select(tokens).order_by(tokens.c.created_at)
        if person is not None:
            query = query.where(tokens.c.person == person)
        with self.engine.connect() as conn:
            return [_token(r) for r in conn.execute(query).mappings()]

    def revoke(self, token_id: str, *, now: dt.datetime) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(tokens).where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None)).values(revoked_at=now)
            ).rowcount
        if not done:
            raise user_error("auth.no_token", f"no live token {token_id!r}", f"没有有效的令牌 {token_id!r}")


def _token(row: object) -> Token:
    r = dict(row)  # type: ignore[call-overload]
    return Token(r["id"], r["person"], r["label"], r["created_at"], r["revoked_at"])
