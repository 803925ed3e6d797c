"""The real bot in a test: `opsbot serve`'s app (Runtime + create_server) on uvicorn, on a free port of
127.0.0.1, in a background thread, configured from a real opsbot.yaml and environment."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from alerts.rules.load import default_rules_dir
from bot.config.load import load_config
from bot.http.server import create_server
from bot.runtime import Runtime, utc_now


@dataclass
class LiveBot:
    url: str
    runtime: Runtime

    def settle(self, timeout: float = 30.0) -> None:
        """Wait for the background work: queued events handled, then one outbox delivery pass."""
        assert self.runtime.inbox.idle(timeout), "the bot's inbox did not drain"
        self.runtime.worker.run_now()

    def http(self) -> httpx.Client:
        """A client without credentials (what the public routes and an anonymous caller see)."""
        return httpx.Client(base_url=self.url, timeout=30)

    def http_as(self, person: str, *, admin: bool = False) -> httpx.Client:
        """A client logged in as ``person`` (a session made through the bot's own auth service, as a login would):
        its session cookie, and its CSRF token on every request, like the web chat's page."""
        return session_client(self.url, self.runtime, person, admin=admin)

    def api_as(self, person: str) -> httpx.Client:
        """A client with an API token of ``person`` (``Authorization: Bearer``)."""
        full, _ = self.runtime.auth.tokens.create(person, "test", now=self.runtime.clock())
        return httpx.Client(base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {full}"})


def session_client(url: str, runtime: Runtime, person: str, *, admin: bool = False) -> httpx.Client:
    auth = runtime.auth
    if auth.accounts.get(person) is None:
        auth.add_account(person, None, admin=admin)
    sid, session = auth.begin(person, "test")
    client = httpx.Client(base_url=url, timeout=30, headers={"X-CSRF-Token": session.csrf})
    client.cookies.set("opsbot_session", sid)
    return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "opsbot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def bot_env(tmp_path: Path, warehouse: Path, **platform: str) -> dict[str, str]:
    """The bot's environment in a test: the warehouse, its state and secret under ``tmp_path/data``, and the
    platform's variables."""
    return {"OPSBOT_WAREHOUSE": str(warehouse), "OPSBOT_DATA_DIR": str(tmp_path / "data"), **platform}


# the web chat's people (no platform ids: names typed on the page)
WEB_CONFIG = """
language: zh
people:
  - name: 张伟
  - name: 李娜
  - name: 王芳
"""


@contextmanager
def live_bot(
    config_file: Path | None,
    env: Mapping[str, str],
    *,
    clock: Callable[[], dt.datetime] = utc_now,
    scheduler: bool = False,
) -> Iterator[LiveBot]:
    """``env`` must hold OPSBOT_WAREHOUSE and OPSBOT_DATA_DIR (state and secret go there) and any platform
    secrets; the bot's ``public_url`` is its real address."""
    port = free_port()
    config = load_config(config_file, env)
    config = dataclasses.replace(
        config, server=dataclasses.replace(config.server, port=port, public_url=f"http://127.0.0.1:{port}")
    )
    runtime = Runtime(config, clock=clock, scheduler=scheduler)
    server = uvicorn.Server(
        uvicorn.Config(
            create_server(runtime), host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the bot's server did not start")
        time.sleep(0.02)
    try:
        yield LiveBot(f"http://127.0.0.1:{port}", runtime)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# one rule that always fires in #douyin-ops (owner 李娜): the small test warehouse trips none of the demo's there
DOUYIN_RULE = """
rules:
  - id: douyin_gmv_watch
    name: {zh: 抖音成交关注, en: Douyin GMV watch}
    description: 抖音近 7 天成交金额（测试用，总会触发）。
    metric: gmv
    scope:
      filters: {channel: [抖音]}
      window_days: 7
    condition: {type: graded, op: ">=", levels: {warning: 1.0}}
    schedule: "0 9 * * *"
    owner: 李娜
    channels: ["web:#douyin-ops"]
"""


def rules_with_douyin(tmp_path: Path, *skip: str) -> Path:
    """``tmp_path/rules``: the demo rules (but the files in ``skip``) plus DOUYIN_RULE; made once."""
    rules = tmp_path / "rules"
    if not rules.exists():
        shutil.copytree(default_rules_dir(), rules, ignore=shutil.ignore_patterns(*skip))
        (rules / "douyin_test.yaml").write_text(DOUYIN_RULE, encoding="utf-8")
    return rules


def platform_config(tmp_path: Path, text: str, *skip: str) -> Path:
    """``opsbot.yaml`` holding ``text`` (its ``rules: {dir: rules}``), beside ``rules_with_douyin``."""
    rules_with_douyin(tmp_path, *skip)
    return write_config(tmp_path, text)


class Clock:
    """The bot's clock: pinned, moved on by the test (pacing and retry waits pass without sleeping)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def wait_for(fn: Callable[[], Any], timeout: float = 30.0, what: str = "timed out waiting") -> Any:
    """``fn()`` once it is truthy, polled until ``timeout`` (then the test fails with ``what``)."""
    deadline = time.monotonic() + timeout
    while not (got := fn()):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
    return got


def deliver(bot: LiveBot, clock: Clock, passes: int = 12, step: float = 5) -> None:
    """Delivery passes with the clock moved past the platforms' pacing and any Retry-After."""
    for _ in range(passes):
        clock.advance(step)
        bot.settle()
