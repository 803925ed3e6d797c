"""``runtime.auth``: logins, sessions, API tokens and one-time links over the state database, and who a
request's credentials make it (their role from ``people:``, else ``unlisted_people``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Engine

from bot.auth.accounts import Account, Accounts
from bot.auth.links import Links
from bot.auth.sessions import Session, Sessions
from bot.auth.tables import metadata
from bot.auth.throttle import Throttle
from bot.auth.tokens import Tokens
from bot.auth.who import Who
from bot.config.schema import Config
from metrics.problems import user_error


class AuthService:
    def __init__(self, engine: Engine, config: Config, clock: Callable[[], dt.datetime]) -> None:
        metadata.create_all(engine, checkfirst=True)
        self.config, self.clock = config, clock
        self.accounts = Accounts(engine)
        self.sessions = Sessions(engine)
        self.tokens = Tokens(engine)
        self.links = Links(engine)
        self.throttle = Throttle()

    # --- who ---

    def who(self, person: str, method: str, csrf: str | None = None) -> Who | None:
        """``person`` as authenticated by ``method``; None when their account is disabled."""
        account = self.accounts.get(person)
        if account is not None and account.disabled:
            return None
        listed = self.config.person(person)
        role = listed.role if listed is not None else self.config.unlisted.role
        admin = account is not None and account.admin
        return Who(person, role, admin, method, listed is not None, csrf)

    def from_session(self, sid: str) -> Who | None:
        session = self.sessions.find(sid, now=self.clock())
        return None if session is None else self.who(session.person, session.method, session.csrf)

    def from_token(self, presented: str) -> Who | None:
        token = self.tokens.find(presented)
        return None if token is None else self.who(token.person, "token")

    def may_use(self, who: Who) -> bool:
        """Whether the bot serves them: everyone in ``people:``, others as ``unlisted_people.may_use`` says."""
        return who.listed or who.admin or self.config.unlisted.may_use

    # --- logging in ---

    def begin(self, person: str, method: str) -> tuple[str, Session]:
        return self.sessions.create(person, method, now=self.clock(), hours=self.config.auth.session_hours)

    def password_login(self, person: str, password: str) -> tuple[str, Session] | None:
        """A session when the password is right; None when not; a UserError after too many wrong ones."""
        name, now = person.strip(), self.clock()
        if self.throttle.blocked(name, now):
            raise user_error(
                "auth.too_many_attempts",
                "too many wrong passwords for this name; try again in 15 minutes",
                "这个姓名的密码错误次数过多，请 15 分钟后再试",
            )
        account = self.accounts.check(name, password)
        if account is None:
            self.throttle.failed(name, now)
            return None
        self.throttle.clear(name)
        return self.begin(account.person, "password")

    def login_link(self, person: str) -> str:
        """A one-time link's path (``/auth/once/<secret>``) that logs ``person`` in."""
        secret = self.links.create(person, now=self.clock(), minutes=self.config.auth.login_link_minutes)
        return f"/auth/once/{secret}"

    def use_link(self, secret: str) -> str | None:
        return self.links.use(secret, now=self.clock())

    def link_person(self, secret: str) -> str | None:
        """Whom a live, unused link logs in, without using it up."""
        return self.links.peek(secret, now=self.clock())

    def logout(self, sid: str) -> None:
        self.sessions.end(sid)

    def demo_link(self) -> str:
        """A one-time login link's path for the first admin — made (without a password) when there is none yet, as
        the first person of ``people:`` or "demo". Only for a server on a loopback address (`make demo`)."""
        admin = self.first_admin()
        if admin is None:
            name = self.config.people[0].name if self.config.people else "demo"
            existing = self.accounts.get(name)
            if existing is None:
                self.add_account(name, None, admin=True)
            return self.login_link(name)
        return self.login_link(admin.person)

    # --- accounts ---

    def first_admin(self) -> Account | None:
        return next((a for a in self.accounts.all() if a.admin and not a.disabled), None)

    def add_account(self, person: str, password: str | None, *, admin: bool) -> Account:
        return self.accounts.add(person, password, admin=admin, now=self.clock())

    def set_password(self, person: str, password: str) -> None:
        self.accounts.set_password(person, password)
        self.sessions.end_all(person)

    def disable(self, person: str) -> None:
        self.accounts.set_disabled(person, True)
        self.sessions.end_all(person)
