"""Built-in accounts: a person's password (argon2), admin flag and whether the account is disabled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from bot.auth.passwords import MIN_LENGTH, check_password, hash_password
from bot.auth.tables import accounts
from metrics.problems import UserError, user_error


@dataclass(frozen=True)
class Account:
    person: str
    has_password: bool
    admin: bool
    disabled: bool
    created_at: dt.datetime


def _weak(password: str) -> UserError | None:
    if len(password) < MIN_LENGTH:
        return user_error(
            "auth.weak_password",
            f"the password must have at least {MIN_LENGTH} characters",
            f"密码至少需要 {MIN_LENGTH} 个字符",
        )
    return None


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, person: str) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.person == person)).mappings().first()
        if row is None:
            return None
        return Account(
            row["person"], row["password_hash"] is not None, row["admin"], row["disabled"], row["created_at"]
        )

    def all(self) -> list[Account]:
        with self.engine.connect() as conn:
            names = conn.execute(select(accounts.c.person).order_by(accounts.c.person)).scalars().all()
        return [a for a in map(self.get, names) if a is not None]

    def add(self, person: str, password: str | None, *, admin: bool, now: dt.datetime) -> Account:
        if self.get(person) is not None:
            raise user_error("auth.account_exists", f"{person} already has an account", f"{person} 已有账号")
        if password is not None and (weak := _weak(password)) is not None:
            raise weak
        stored = hash_password(password) if password is not None else None
        with self.engine.begin() as conn:
            conn.execute(
                insert(accounts).values(
                    person=person, password_hash=stored, admin=admin, disabled=False, created_at=now
                )
            )
        return Account(person, stored is not None, admin, False, now)

    def set_password(self, person: str, password: str) -> None:
        if (weak := _weak(password)) is not None:
            raise weak
        self._update(person, password_hash=hash_password(password))

    def set_disabled(self, person: str, disabled: bool) -> None:
        self._update(person, disabled=disabled)

    def check(self, person: str, password: str) -> Account | None:
        """The account when ``password`` is its password and it is not disabled (same time either way)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.person == person)).mappings().first()
        ok = check_password(row["password_hash"] if row is not None else None, password)
        if row is None or not ok or row["disabled"]:
            return None
        return self.get(person)

    def _update(self, person: str, **values: object) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(update(accounts).where(accounts.c.person == person).values(**values)).rowcount
        if not done:
            raise user_error("auth.no_account", f"{person} has no account", f"{person} 没有账号")
