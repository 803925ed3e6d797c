"""Ticket actions through the web chat's HTTP API: a card's button acts on that card's ticket only, and a
ticket can be assigned only to a person the bot knows (a refusal in the user's language otherwise)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live_bot import WEB_CONFIG, LiveBot, bot_env, live_bot, wait_for, write_config
from tests.test_web_chat import bot_replies, cards, clock, ticket_no


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, small_db: Path) -> Iterator[LiveBot]:
    tmp_path = tmp_path_factory.mktemp("tickets")
    with live_bot(write_config(tmp_path, WEB_CONFIG), bot_env(tmp_path, small_db), clock=clock) as b:
        b.runtime.run_rules()
        b.settle()
        yield b


@pytest.fixture(scope="module")
def two_cards(bot: LiveBot) -> tuple[dict[str, Any], dict[str, Any]]:
    with bot.http_as("张伟") as http:
        found = wait_for(lambda: (c := cards(http, "#supply-chain")) and len(c) >= 2 and c)
    return found[0], found[1]


def _act(bot: LiveBot, http: httpx.Client, card: dict[str, Any], **body: str) -> httpx.Response:
    r = http.post("/web/api/actions", json={"message_id": card["id"], **body})
    bot.settle()
    return r


def _status(http: httpx.Client, number: str) -> dict[str, Any]:
    ticket: dict[str, Any] = http.get(f"/web/api/tickets/{number}").json()["ticket"]
    return ticket


def test_a_card_cannot_act_on_another_ticket(bot: LiveBot, two_cards: tuple[dict[str, Any], dict[str, Any]]) -> None:
    a, b = two_cards
    other = ticket_no(b)
    with bot.http_as("张伟") as http:
        before = _status(http, other)["status"]
        r = _act(bot, http, a, action="close", value=other)
        assert _status(http, other)["status"] == before
        if r.status_code == 409:  # the web chat's own check refused it at once
            return
        assert r.status_code == 202, r.text
        replies = wait_for(lambda: bot_replies(http, "#supply-chain", a["id"]))
        assert any("不是" in r["body"]["text"] and other in r["body"]["text"] for r in replies), replies


@pytest.mark.parametrize("name", ["黑客", "[点我](http://evil.example)", "<@U0EVIL>"])
def test_an_unknown_assignee_is_refused(
    bot: LiveBot, two_cards: tuple[dict[str, Any], dict[str, Any]], name: str
) -> None:
    card = two_cards[1]
    number = ticket_no(card)
    with bot.http_as("张伟") as http:
        owner = _status(http, number)["owner"]
        seen = len(bot_replies(http, "#supply-chain", card["id"]))
        assert _act(bot, http, card, action="assign", value=number, to=name).status_code == 202
        assert _status(http, number)["owner"] == owner
        replies = wait_for(lambda: (r := bot_replies(http, "#supply-chain", card["id"])) and len(r) > seen and r)
        assert "不是机器人认识的人" in replies[-1]["body"]["text"]
        assert "张伟" in replies[-1]["body"]["text"]  # who tickets can go to


def test_assigning_to_a_known_person_still_works(
    bot: LiveBot, two_cards: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    card = two_cards[0]
    number = ticket_no(card)
    with bot.http_as("张伟") as http:
        assert _act(bot, http, card, action="assign", value=number, to="王芳").status_code == 202
        assert _status(http, number)["owner"] == "王芳"
