"""Login sessions: an opaque random id in an HttpOnly cookie, a server-side row (only the id's hash), an expiry
and a CSRF token per session (sent back in the ``X-CSRF-Token`` header on every state-changing call)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select

from bot.auth.digest import digest, new_secret
from bot.auth.tables import sessions


@dataclass(frozen=True)
class Session:
    person: str
    method: str
    csrf: str
    expires_at: dt.datetime


class Sessions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, person: str, method: str, *, now: dt.datetime, hours: float) -> tuple[str, Session]:
        """(the cookie's value, the session); the value is not stored."""
        sid, csrf = new_secret(), new_secret(24)
        expires = now + dt.timedelta(hours=hours)
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.expires_at < now))
            conn.execute(
                insert(sessions).values(
                    id_hash=digest(sid), person=person, method=method, csrf=csrf, created_at=now, expires_at=expires
                )
            )
        return sid, Session(person, method, csrf, expires)

    def find(self, sid: str, *, now: dt.datetime) -> Session | None:
        """The live session of a cookie value; None when unknown or expired."""
        with self.engine.connect() as conn:
            row = conn.execute(select(sessions).where(sessions.c.id_hash == digest(sid))).mappings().first()
        if row is None or row["expires_at"] <= now:
            return None
        return Session(row["person"], row["method"], row["csrf"], row["expires_at"])

    def end(self, sid: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id_hash == digest(sid)))

    def end_all(self, person: str) -> None:
        """Log ``person`` out everywhere (a new password, a disabled account)."""
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.person == person))
