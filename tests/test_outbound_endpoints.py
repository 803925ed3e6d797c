"""Every configured endpoint is used as given: a WeCom robot webhook URL on another host (a private
deployment, 私有化部署) receives the cards there, and outbound calls honour HTTP(S)_PROXY / NO_PROXY —
against the local fake WeCom and a local forwarding proxy that records what it forwards."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.slack.adapter import make_client
from adapters.slack.bolt_app import slack_app
from tests.fake_proxy import FakeProxy
from tests.fake_slack import FakeSlack
from tests.fake_wecom import WEBHOOK, FakeWeCom
from tests.live_bot import Clock, bot_env, deliver, live_bot, platform_config

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
CONFIG = """
language: zh
rules: {dir: rules}
channels:
  "web:#supply-chain": ["wecom:robot"]
"""


@pytest.fixture()
def fake() -> Iterator[FakeWeCom]:
    with FakeWeCom() as f:
        yield f


def private_webhook(fake: FakeWeCom) -> str:
    """The robot's URL on a host other than the public one, and no api_url: only the URL says where."""
    return f"http://localhost:{fake.port}{WEBHOOK}?key=robot-key"


def run_and_deliver(tmp_path: Path, small_db: Path, fake: FakeWeCom) -> int:
    env = bot_env(tmp_path, small_db, WECOM_ROBOT_WEBHOOK=private_webhook(fake))
    clock = Clock(NOW)
    with live_bot(platform_config(tmp_path, CONFIG), env, clock=clock) as bot:
        bot.runtime.run_rules()
        supply = [t for t in bot.runtime.service.list_tickets() if "web:#supply-chain" in t.channels]
        assert supply, "the small warehouse opens tickets in #supply-chain"
        deliver(bot, clock, passes=3 * len(supply) + 3)
        assert bot.runtime.service.pending_outbox(limit=100) == []
        return len(supply)


def test_a_robot_webhook_on_a_private_host_receives_the_cards(
    tmp_path: Path, small_db: Path, fake: FakeWeCom, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    tickets = run_and_deliver(tmp_path, small_db, fake)
    posts = fake.calls(WEBHOOK)
    assert len(posts) == tickets and all(p.query["key"] == "robot-key" for p in posts)


def test_outbound_calls_go_through_the_proxy_unless_no_proxy_names_the_host(
    tmp_path: Path, small_db: Path, fake: FakeWeCom, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.root)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # the bot's own address, reached by the test directly
        tickets = run_and_deliver(tmp_path / "a", small_db, fake)
        assert len(proxy.urls) == tickets and all(u.startswith(private_webhook(fake)) for u in proxy.urls)
        assert len(fake.calls(WEBHOOK)) == tickets  # forwarded

        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        run_and_deliver(tmp_path / "b", small_db, fake)
        assert len(proxy.urls) == tickets  # nothing more through the proxy
        assert len(fake.calls(WEBHOOK)) == 2 * tickets


def test_the_slack_client_honours_no_proxy_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk reads HTTPS_PROXY itself; urllib under the sync client still honours NO_PROXY."""
    with FakeSlack() as slack, FakeProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.root)
        monkeypatch.setenv("HTTP_PROXY", proxy.root)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        make_client("xoxb-test", base_url=slack.base_url).chat_postMessage(channel="C1", text="direct")
        assert proxy.urls == [] and len(slack.posts("C1")) == 1

        monkeypatch.delenv("NO_PROXY")
        make_client("xoxb-test", base_url=slack.base_url).chat_postMessage(channel="C1", text="proxied")
        assert proxy.urls == [f"{slack.base_url}chat.postMessage"] and len(slack.posts("C1")) == 2


def test_the_slack_async_client_honours_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The AsyncWebClient (bolt's) passes the SDK's proxy to aiohttp explicitly, where NO_PROXY is not looked
    at; ours leave the proxy to aiohttp's own reading of the environment."""
    with FakeSlack() as slack, FakeProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.root)
        monkeypatch.setenv("HTTP_PROXY", proxy.root)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        client = slack_app("xoxb-test", slack.base_url, "signing").client
        asyncio.run(client.chat_postMessage(token="xoxb-test", channel="C2", text="direct"))
        assert proxy.urls == [] and len(slack.posts("C2")) == 1

        monkeypatch.delenv("NO_PROXY")
        client = slack_app("xoxb-test", slack.base_url, "signing").client
        asyncio.run(client.chat_postMessage(token="xoxb-test", channel="C2", text="proxied"))
        assert proxy.urls == [f"{slack.base_url}chat.postMessage"] and len(slack.posts("C2")) == 2
