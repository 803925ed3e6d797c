"""Identity in tests: logging people in through the real login page, and the password of test accounts."""

from __future__ import annotations

import httpx

from tests.live_bot import LiveBot

PASSWORD = "correct horse battery"


def with_password(bot: LiveBot, person: str, *, admin: bool = False) -> None:
    """``person``'s account with PASSWORD (made if missing)."""
    auth = bot.runtime.auth
    if auth.accounts.get(person) is None:
        auth.add_account(person, PASSWORD, admin=admin)
    else:
        auth.set_password(person, PASSWORD)


def login_through_page(bot: LiveBot, person: str, password: str = PASSWORD) -> httpx.Client:
    """A client logged in by posting the login form, with the session's CSRF token from /auth/me set."""
    client = bot.http()
    got = client.post("/auth/login", data={"person": person, "password": password, "next": "/"})
    assert got.status_code == 303, got.text
    me = client.get("/auth/me")
    assert me.status_code == 200, me.text
    client.headers["X-CSRF-Token"] = me.json()["csrf"]
    return client
