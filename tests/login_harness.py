"""A small real web app for the login-method tests: the login methods' router mounted in FastAPI, served by
uvicorn on a free port, with a ``begin`` that records who logged in and sets a session cookie, and pages that
show who the session (or a trusted proxy) says you are."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from live_bot import Clock, free_port

from bot.config.login_methods import LoginMethods, read_login_methods
from bot.config.schema import Config, DingTalkConfig, Person, ServerConfig, WeComConfig
from bot.http.login_methods import login_methods_router, person_from_proxy

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
PEOPLE = (
    Person("李娜", ids={"wecom": "lina", "dingtalk": "lina-ding"}, email="lina@example.com"),
    Person("张伟", ids={"wecom": "zhangwei", "dingtalk": "zw-ding"}, email="zhangwei@example.com"),
)


@dataclasses.dataclass(frozen=True)
class LoginRuntime:
    """What the router needs of the runtime: the configuration and the clock."""

    config: Config
    clock: Callable[[], dt.datetime]


@dataclasses.dataclass
class LoginApp:
    url: str
    clock: Clock
    logins: list[tuple[str, str, str]]  # (person, method, next_url) for each session begun

    def browser(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=15, **kw)


def config(port: int, wecom: WeComConfig | None = None, dingtalk: DingTalkConfig | None = None) -> Config:
    server = ServerConfig(port=port, public_url=f"http://127.0.0.1:{port}")
    return Config(
        source=None, server=server, warehouse="unused.duckdb", state_url="sqlite://", rules_dir=Path("rules"),
        language="en", secret="login-test-secret", wecom=wecom, dingtalk=dingtalk, people=PEOPLE,
    )  # fmt: skip


@contextmanager
def login_app(
    methods_raw: Mapping[str, Any],
    *,
    wecom: WeComConfig | None = None,
    dingtalk: DingTalkConfig | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[LoginApp]:
    port = free_port()
    cfg = config(port, wecom, dingtalk)
    methods = read_login_methods(dict(methods_raw), cfg.people, cfg, env or {})
    clock = Clock(START)
    logins: list[tuple[str, str, str]] = []

    def begin(request: Request, person: Person, method: str, next_url: str) -> Response:
        logins.append((person.name, method, next_url))
        response = RedirectResponse(next_url, status_code=303)
        response.set_cookie("session", person.name.encode().hex(), httponly=True, samesite="lax")
        return response

    app = FastAPI()
    app.include_router(login_methods_router(LoginRuntime(cfg, clock), begin, methods))
    _pages(app, methods)
    # proxy_headers=False: the peer address stays the socket's (uvicorn's default would let a client on
    # 127.0.0.1 choose it with X-Forwarded-For); the proxy login method needs the server run this way
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the login app did not start"
        time.sleep(0.02)
    try:
        yield LoginApp(f"http://127.0.0.1:{port}", clock, logins)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _pages(app: FastAPI, methods: LoginMethods) -> None:
    @app.get("/{path:path}")
    def page(request: Request, path: str) -> PlainTextResponse:
        session = request.cookies.get("session")
        who = bytes.fromhex(session).decode() if session else "nobody"
        proxied = person_from_proxy(request, methods)
        return PlainTextResponse(f"/{path} session={who} proxy={proxied.name if proxied else 'nobody'}")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
