"""Undeliverable cards are reported: a destination made to fail (the WeCom robot answering HTTP 500) is
reported once `delivery.report_after` has passed — one notice to the ticket's other destination and one to the
operations channel, repeated at most hourly — `/health` lists it with its last error, and after it is fixed a
recovery notice follows. The bot's clock is pinned and moved on by the test."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.web import WebAdapter
from bot.config.load import ConfigError, load_config
from tests.fake_wecom import WEBHOOK, FakeWeCom, http_status
from tests.live_bot import Clock, LiveBot, bot_env, live_bot, platform_config, wait_for

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
CONFIG = """
language: zh
rules: {dir: rules}
channels:
  "web:#supply-chain": ["web:#supply-chain", "wecom:robot"]
delivery: {report_after: 10m, operations: ["web:#ops"]}
"""


@pytest.fixture()
def fake() -> Iterator[FakeWeCom]:
    with FakeWeCom() as f:
        yield f


@pytest.fixture()
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture()
def bot(tmp_path: Path, small_db: Path, fake: FakeWeCom, clock: Clock) -> Iterator[LiveBot]:
    env = bot_env(tmp_path, small_db, WECOM_ROBOT_WEBHOOK=f"{fake.base_url}{WEBHOOK}?key=robot-key")
    with live_bot(platform_config(tmp_path, CONFIG), {**env, "OPSBOT_WECOM_API_URL": fake.base_url}, clock=clock) as b:
        yield b


def web_texts(bot: LiveBot, chat: str, word: str) -> list[str]:
    adapter = bot.runtime.parts["web"].adapter
    assert isinstance(adapter, WebAdapter)
    return [str(m["body"].get("text", "")) for m in adapter.store.messages(chat) if word in str(m["body"])]


def run_for(bot: LiveBot, clock: Clock, minutes: int) -> None:
    """Delivery passes, one per pinned minute."""
    for _ in range(minutes):
        clock.advance(60)
        bot.runtime.worker.run_now()


def shown_delivery(bot: LiveBot, ticket_no: str) -> dict[str, str]:
    """`opsbot tickets show`'s delivery lines (the real CLI on the bot's state database): destination → state."""
    opsbot = str(Path(sys.executable).with_name("opsbot"))
    done = subprocess.run(
        [opsbot, "tickets", "show", ticket_no, "--state", bot.runtime.config.state_url],
        env={**os.environ, "OPSBOT_LANG": "en"}, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    lines = done.stdout.split("  delivery:\n", 1)[1].split("  audit trail:", 1)[0].splitlines()
    return {line.split()[0]: line.split(None, 1)[1] for line in lines}


def failing(bot: LiveBot) -> list[dict[str, Any]]:
    with bot.http() as http:
        health = http.get("/health").json()
    return list(health["failing_destinations"])


def test_a_failing_destination_is_reported_hourly_elsewhere_then_its_recovery(
    bot: LiveBot, fake: FakeWeCom, clock: Clock
) -> None:
    fake.push(WEBHOOK, *[http_status(500)] * 10_000)
    bot.runtime.run_rules()
    supply = [t.ticket_no for t in bot.runtime.service.list_tickets() if "web:#supply-chain" in t.channels]
    assert supply, "the small warehouse opens tickets in #supply-chain"
    bot.settle()

    run_for(bot, clock, 9)  # failing, but not for 10 minutes yet
    assert web_texts(bot, "#ops", "wecom:robot") == []
    [state] = failing(bot)
    assert state["destination"] == "wecom:robot" and "500" in state["last_error"] and not state["reported"]
    assert set(state["tickets"]) == set(supply)

    run_for(bot, clock, 2)
    [ops] = web_texts(bot, "#ops", "wecom:robot")
    assert ops.startswith("⚠️ 工单卡片自 2026-11-20 10:00 UTC 起无法送达 wecom:robot") and "500" in ops
    assert all(number in ops for number in supply)
    assert len(web_texts(bot, "#supply-chain", "⚠️")) == 1  # the tickets' other destination
    assert failing(bot)[0]["reported"]
    states = shown_delivery(bot, supply[0])
    assert states["web:#supply-chain"].startswith("delivered · last update ")
    assert states["wecom:robot"].startswith("failing since 2026-11-20 ") and "HTTP 500" in states["wecom:robot"]

    run_for(bot, clock, 55)  # still failing: no more notices within the hour
    assert len(web_texts(bot, "#ops", "⚠️")) == 1 and len(web_texts(bot, "#supply-chain", "⚠️")) == 1
    run_for(bot, clock, 20)  # an hour after the first notice: once more
    assert len(web_texts(bot, "#ops", "⚠️")) == 2 and len(web_texts(bot, "#supply-chain", "⚠️")) == 2

    fake.unscript(WEBHOOK)  # fixed
    run_for(bot, clock, 20)
    assert failing(bot) == []
    assert web_texts(bot, "#ops", "✅") == [
        "✅ 工单卡片已恢复送达 wecom:robot（自 2026-11-20 10:00 UTC 起曾无法送达）。"
    ]
    assert len(web_texts(bot, "#supply-chain", "✅")) == 1
    assert len(web_texts(bot, "#ops", "⚠️")) == 2  # nothing more
    # the bot's own delivery thread may hold the last retried row at this moment (claimed, so not pending yet
    # not marked delivered): wait for it rather than read it mid-flight
    wait_for(
        lambda: shown_delivery(bot, supply[0])["wecom:robot"].startswith("delivered · last update "),
        60,
        "the recovered destination's card was not shown as delivered",
    )
    assert bot.runtime.service.pending_outbox(limit=100) == []


def test_a_short_failure_is_not_reported(bot: LiveBot, fake: FakeWeCom, clock: Clock) -> None:
    fake.push(WEBHOOK, *[http_status(500)] * 3)
    bot.runtime.run_rules()
    bot.settle()
    run_for(bot, clock, 30)
    assert failing(bot) == []
    assert web_texts(bot, "#ops", "wecom:robot") == [] and web_texts(bot, "#supply-chain", "⚠️") == []
    assert bot.runtime.service.pending_outbox(limit=100) == []


def test_a_parked_card_is_reported_at_once_and_tickets_show_says_parked(
    bot: LiveBot, fake: FakeWeCom, clock: Clock
) -> None:
    fake.robot_keys.clear()  # every robot post: errcode 93000 (invalid webhook URL), a permanent failure
    bot.runtime.run_rules()
    bot.settle()
    run_for(bot, clock, 1)
    [ops] = web_texts(bot, "#ops", "wecom:robot")
    assert "93000" in ops
    [state] = failing(bot)
    assert state["parked"]
    ticket = state["tickets"][0]
    assert shown_delivery(bot, ticket)["wecom:robot"].startswith("parked (not retried) since 2026-11-20 ")


def test_the_delivery_section_is_read_and_checked(tmp_path: Path) -> None:
    env = {"OPSBOT_DATA_DIR": str(tmp_path)}
    path = tmp_path / "opsbot.yaml"
    path.write_text('delivery: {report_after: 90s, operations: ["web:#ops", "wecom:robot"]}\n', encoding="utf-8")
    config = load_config(path, env)
    assert config.delivery.report_after == dt.timedelta(seconds=90)
    assert config.delivery.operations == ("web:#ops", "wecom:robot")
    assert load_config(None, env).delivery.report_after == dt.timedelta(minutes=10)
    path.write_text("delivery: {report_after: soon, operation: []}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(path, env)
    text = e.value.text("en")
    assert "delivery.report_after: 'soon' is not a duration such as 10m, 90s or 1h" in text
    assert "delivery: unknown key 'operation'; did you mean operations?" in text
