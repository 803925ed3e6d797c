"""One-time login links (``/auth/once/<secret>``): the demo's first click, an admin handing someone access.
Only the secret's hash is stored; a link works once, before it expires. Opening it only shows who it logs in;
the button on that page (a POST) uses it up, so a chat app's link preview cannot spend it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert, select, update

from bot.auth.digest import digest, new_secret
from bot.auth.tables import links


class Links:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, person: str, *, now: dt.datetime, minutes: float) -> str:
        secret = new_secret()
        with self.engine.begin() as conn:
            conn.execute(
                insert(links).values(
                    id_hash=digest(secret), person=person, expires_at=now + dt.timedelta(minutes=minutes)
                )
            )
        return secret

    def peek(self, secret: str, *, now: dt.datetime) -> str | None:
        """The person of a live, unused link, which stays unused (the page that asks to confirm)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(links.c.person).where(
                    links.c.id_hash == digest(secret), links.c.used_at.is_(None), links.c.expires_at > now
                )
            ).first()
        return None if row is None else str(row[0])

    def use(self, secret: str, *, now: dt.datetime) -> str | None:
        """The person of a live, unused link, which is used up by this call; None otherwise."""
        with self.engine.begin() as conn:
            row = conn.execute(
                update(links)
                .where(links.c.id_hash == digest(secret), links.c.used_at.is_(None), links.c.expires_at > now)
                .values(used_at=now)
                .returning(links.c.person)
            ).first()
        return None if row is None else str(row[0])
