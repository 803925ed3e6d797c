"""``unlisted_people:`` end to end in the web chat: what people who are not in ``people:`` may do and see."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.action_links import sign_action
from bot.tickets.links import ACTIONS_PATH
from tests.live_bot import LiveBot, bot_env, live_bot, wait_for, write_config

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
LISTED = """
language: zh
people:
  - name: 张伟
"""


def clock() -> dt.datetime:
    return NOW


@pytest.fixture()
def start(tmp_path: Path, small_db: Path) -> Iterator[Any]:
    """Start the bot with ``people: [张伟]`` plus the given ``unlisted_people:`` block."""
    env = bot_env(tmp_path, small_db)
    running: list[Any] = []

    def go(unlisted: str) -> LiveBot:
        cm = live_bot(write_config(tmp_path, LISTED + unlisted), env, clock=clock)
        running.append(cm)
        return cm.__enter__()

    yield go
    for cm in running:
        cm.__exit__(None, None, None)


def say(bot: LiveBot, user: str, text: str, thread: str | None = None) -> str:
    """``user`` logged in says ``text`` in the web chat."""
    chat = "#supply-chain" if thread else "#general"  # threads here are ticket cards' threads
    with bot.http_as(user) as http:
        r = http.post("/web/api/messages", json={"chat": chat, "text": text, "thread": thread})
        assert r.status_code == 202, r.text
    bot.settle()
    return str(r.json()["id"])


def replies(http: httpx.Client, chat: str, root: str) -> list[dict[str, Any]]:
    got = http.get("/web/api/messages", params={"chat": chat}).json()["messages"]
    return [m for m in got if m["thread"] == root and m["author"] == "opsbot"]


def shown(message: dict[str, Any]) -> str:
    body = message["body"]
    rows = body["table"]["rows"] if body["table"] else []
    return body["text"] + " ".join(" ".join(row) for row in rows)


def first_card(bot: LiveBot, http: httpx.Client) -> tuple[dict[str, Any], str]:
    bot.runtime.run_rules()
    bot.settle()
    bot.settle()
    got = http.get("/web/api/messages", params={"chat": "#supply-chain"}).json()["messages"]
    card = next(m for m in got if m["kind"] == "card")
    return card, str(card["body"]["buttons"][0]["value"])


def status(bot: LiveBot, number: str) -> str:
    return bot.runtime.service.get(number).ticket.status


def test_may_use_false_refuses_every_way_in_with_403(start: Any) -> None:
    bot = start("unlisted_people: {may_use: false}\n")
    refusal = "不在 opsbot 的人员名单"
    with bot.http_as("张伟") as http:
        # the listed person is served as before
        ok = say(bot, "张伟", "上周各渠道的GMV是多少？")
        assert wait_for(lambda: replies(http, "#general", ok))[0]["body"]["table"]["rows"]
        card, number = first_card(bot, http)

    token = sign_action(bot.runtime.config.secret, "ack", number, "web:张伟", int(time.time()) + 600)
    link = f"{ACTIONS_PATH}/{token}"
    with bot.http_as("路人甲") as stranger:
        for r in (
            stranger.post("/web/api/messages", json={"chat": "#general", "text": "上周各渠道的GMV是多少？"}),
            stranger.post("/web/api/actions", json={"message_id": card["id"], "action": "ack", "value": number}),
            stranger.get("/web/api/messages", params={"chat": "#general"}),
            stranger.get(link),
            stranger.post(link, data={"csrf": stranger.headers["X-CSRF-Token"]}),
        ):
            assert r.status_code == 403, r.text
            problem = r.json()["error"][0]
            assert problem["code"] == "people.not_listed" and refusal in problem["zh"] and "路人甲" in problem["zh"]
            assert "not in opsbot's people list" in problem["en"]
    bot.settle()
    assert status(bot, number) == "open"

    # a genuine, unexpired action link: the listed person logged in acts
    with bot.http_as("张伟") as http:
        posted = http.get("/web/api/messages", params={"chat": "#general"}).json()["messages"]
        assert {m["author"] for m in posted} == {"张伟", "opsbot"}  # nothing of the stranger's was kept
        page = http.get(link)
        assert page.status_code == 200 and "张伟" in page.text
        assert http.post(link, data={"csrf": http.headers["X-CSRF-Token"]}).status_code == 200
    assert status(bot, number) == "acknowledged"


def test_unlisted_role_filters_answers_and_may_close_false_keeps_tickets_open(start: Any) -> None:
    bot = start("unlisted_people: {role: douyin_ops, may_close: false}\n")
    with bot.http_as("张伟") as http:
        q = say(bot, "路人甲", "上周各渠道的GMV是多少？")
        answer = shown(wait_for(lambda: replies(http, "#general", q))[0])
        assert "抖音" in answer and "天猫" not in answer, answer  # the role's row filter applies to them
        listed = say(bot, "张伟", "上周各渠道的GMV是多少？")
        assert "天猫" in shown(wait_for(lambda: replies(http, "#general", listed))[0])  # listed, no role: all

        card, number = first_card(bot, http)
        say(bot, "路人甲", "认领", thread=card["id"])
        assert status(bot, number) == "acknowledged"  # they may use the bot and act on tickets
        say(bot, "路人甲", "关闭 好了", thread=card["id"])
        assert "没有关闭工单的权限" in shown(replies(http, "#supply-chain", card["id"])[-1])
        assert status(bot, number) == "acknowledged"
        say(bot, "张伟", "关闭 好了", thread=card["id"])
        assert status(bot, number) == "closed"
