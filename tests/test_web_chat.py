"""The built-in web chat end to end: real HTTP to the live bot (uvicorn), the state store on disk, SSE."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live_bot import WEB_CONFIG, LiveBot, bot_env, live_bot, wait_for, write_config

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def clock() -> dt.datetime:
    return NOW


@pytest.fixture()
def env(tmp_path: Path, small_db: Path) -> dict[str, str]:
    return bot_env(tmp_path, small_db)


@pytest.fixture()
def bot(tmp_path: Path, env: dict[str, str]) -> Iterator[LiveBot]:
    with live_bot(write_config(tmp_path, WEB_CONFIG), env, clock=clock) as b:
        yield b


def messages(http: httpx.Client, chat: str) -> list[dict[str, Any]]:
    r = http.get("/web/api/messages", params={"chat": chat})
    assert r.status_code == 200, r.text
    return list(r.json()["messages"])


def say(
    bot: LiveBot, http: httpx.Client, chat: str, text: str, thread: str | None = None, user: str = "张伟"
) -> dict[str, Any]:
    r = http.post("/web/api/messages", json={"chat": chat, "text": text, "thread": thread})
    assert r.status_code == 202, r.text
    sent = r.json()
    assert sent["id"].startswith("w-") and sent["author"] == user and sent["kind"] == "user"
    bot.settle()
    return dict(sent)


def bot_replies(http: httpx.Client, chat: str, root: str) -> list[dict[str, Any]]:
    return [m for m in messages(http, chat) if m["thread"] == root and m["author"] == "opsbot"]


def cards(http: httpx.Client, chat: str) -> list[dict[str, Any]]:
    return [m for m in messages(http, chat) if m["kind"] == "card"]


def ticket_no(card: dict[str, Any]) -> str:
    return str(next(b["value"] for b in card["body"]["buttons"]))


def test_question_answer_and_follow_up_in_the_thread(bot: LiveBot) -> None:
    with bot.http_as("张伟") as http:
        page = http.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "/web/static/app.js" in page.text
        js = http.get("/web/static/app.js")
        assert js.status_code == 200 and "innerHTML" not in js.text  # user data goes in as text only
        assert "WenQuanYi Micro Hei" in http.get("/web/static/app.css").text
        assert http.get("/web/static/nope.js").status_code == 404

        q = say(bot, http, "#general", "上周各渠道的GMV是多少？")
        assert q["thread"] is None
        answer = wait_for(lambda: bot_replies(http, "#general", q["id"]))[0]
        assert answer["kind"] == "bot"
        table = answer["body"]["table"]
        assert table is not None and len(table["rows"]) >= 2
        assert any("抖音" in " ".join(row) for row in table["rows"])

        # a reply in the thread: the bot's context is that thread's (GMV, last week) → 抖音 only
        say(bot, http, "#general", "那抖音呢", thread=q["id"])
        replies = wait_for(lambda: (r := bot_replies(http, "#general", q["id"])) and len(r) >= 2 and r)
        follow = replies[-1]["body"]
        shown = follow["text"] + json.dumps(follow["table"], ensure_ascii=False)
        assert "抖音" in shown and ("GMV" in shown or "成交" in shown), shown
        assert "天猫" not in shown  # scoped to 抖音, same metric and period
        assert answer["body"]["footer"]  # the definitions used, in small print
        # the chats list knows this chat and the rules' channels
        chats = {c["chat"]: c["messages"] for c in http.get("/web/api/chats").json()["chats"]}
        assert chats["#general"] >= 4
        assert {"#supply-chain", "#douyin-ops", "#cs"} <= set(chats)


def test_a_clarification_choice_is_asked_in_the_same_thread(bot: LiveBot) -> None:
    with bot.http_as("张伟") as http:
        q = say(bot, http, "#general", "各渠道的GMV")
        clarify = wait_for(lambda: bot_replies(http, "#general", q["id"]))[0]
        choices = [b for b in clarify["body"]["buttons"] if b["action"] == "ask"]
        assert len(choices) >= 3
        r = http.post(
            "/web/api/actions",
            json={"message_id": clarify["id"], "action": "ask", "value": choices[0]["value"]},
        )
        assert r.status_code == 202, r.text
        bot.settle()
        # the choice answers the pending question in the clarification's thread: GMV by channel for that period
        answers = wait_for(lambda: (r := bot_replies(http, "#general", q["id"])) and len(r) >= 2 and r)
        answer = answers[-1]
        assert answer["id"] != clarify["id"]
        assert not [b for b in answer["body"]["buttons"] if b["action"] == "ask"], answer["body"]
        table = answer["body"]["table"]
        assert table is not None and len(table["rows"]) >= 2, answer["body"]
        assert any("抖音" in " ".join(row) for row in table["rows"])


def test_ticket_cards_ack_close_and_why(bot: LiveBot) -> None:
    with bot.http_as("张伟") as http:
        bot.runtime.run_rules()
        bot.settle()
        bot.settle()
        opened = bot.runtime.service.list_tickets()
        assert opened, "the demo rules opened no tickets on small_db"
        for chat in ("#supply-chain", "#douyin-ops", "#cs"):
            numbers = [ticket_no(c) for c in cards(http, chat)]
            assert len(numbers) == len(set(numbers)), f"duplicate cards in {chat}"
        all_cards = {ticket_no(c): c for chat in ("#supply-chain", "#douyin-ops", "#cs") for c in cards(http, chat)}
        assert set(all_cards) == {t.ticket_no for t in opened}

        card = cards(http, "#supply-chain")[0]
        no = ticket_no(card)
        assert card["version"] == 1 and card["body"]["title"].endswith(no)
        assert "待处理" in card["body"]["text"]
        assert card["body"]["mentions"] == [{"user_id": "张伟", "name": "张伟"}]

        r = http.post("/web/api/actions", json={"message_id": card["id"], "action": "ack", "value": no})
        assert r.status_code == 202, r.text
        bot.settle()
        now = next(c for c in cards(http, "#supply-chain") if c["id"] == card["id"])
        assert now["version"] == 2 and "已认领" in now["body"]["text"]
        assert len(cards(http, "#supply-chain")) == len(all_cards_in(all_cards, "#supply-chain", http))
        audit = http.get(f"/web/api/tickets/{no}").json()
        assert audit["ticket"]["status"] == "acknowledged"
        ack = [e for e in audit["events"] if e["action"] == "ack"]
        assert ack and ack[0]["actor"] == "张伟" and ack[0]["platform"] == "web"

        # a question in the card's thread is scoped to the ticket: broken down one level
        say(bot, http, "#supply-chain", "为什么?", thread=card["id"])
        why = wait_for(lambda: [m for m in bot_replies(http, "#supply-chain", card["id"]) if m["body"]["table"]])
        assert why[-1]["body"]["table"]["rows"]

        # a command without a number in the card's thread acts on that ticket
        say(bot, http, "#supply-chain", "关闭 已补货", thread=card["id"])
        audit = http.get(f"/web/api/tickets/{no}").json()
        assert audit["ticket"]["status"] == "closed"
        close = [e for e in audit["events"] if e["action"] == "close"]
        assert close and close[0]["note"] == "已补货" and close[0]["platform"] == "web"
        now = next(c for c in cards(http, "#supply-chain") if c["id"] == card["id"])
        assert now["version"] >= 3 and "已关闭" in now["body"]["text"]

        assert http.get("/web/api/tickets/T-19990101-0001").status_code == 404


def all_cards_in(all_cards: dict[str, dict[str, Any]], chat: str, http: httpx.Client) -> list[dict[str, Any]]:
    return [c for c in all_cards.values() if c["chat"] == chat]


def test_assign_from_the_card_with_a_person(bot: LiveBot) -> None:
    with bot.http_as("张伟") as http:
        bot.runtime.run_rules()
        bot.settle()
        card = cards(http, "#supply-chain")[0]
        no = ticket_no(card)
        r = http.post(
            "/web/api/actions",
            json={"message_id": card["id"], "action": "assign", "value": no, "to": "李娜"},
        )
        assert r.status_code == 202, r.text
        bot.settle()
        audit = http.get(f"/web/api/tickets/{no}").json()
        assert audit["ticket"]["owner"] == "李娜"
        assert next(e for e in audit["events"] if e["action"] == "assign")["platform"] == "web"
        assert wait_for(lambda: bot_replies(http, "#supply-chain", card["id"]))  # the confirmation in its thread
        people = http.get("/web/api/people").json()["people"]
        assert [p["name"] for p in people] == ["张伟", "李娜", "王芳"]


def test_sse_delivers_new_and_updated_messages(bot: LiveBot) -> None:
    got: list[tuple[str, dict[str, Any]]] = []
    ready = threading.Event()

    def listen() -> None:
        with bot.http_as("张伟") as c, c.stream("GET", "/web/api/stream", timeout=20.0) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            kind = ""
            for line in r.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    if kind == "hello":
                        ready.set()
                    else:
                        got.append((kind, json.loads(line[6:])))
                        if any(k == "message" and m["author"] == "opsbot" for k, m in got):
                            return

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    assert ready.wait(10), "no hello on the stream"
    with bot.http_as("张伟") as http:
        q = say(bot, http, "#general", "上周GMV是多少？")
    t.join(20)
    assert not t.is_alive(), "the stream did not deliver the answer"
    assert ("message", q) in [(k, m) for k, m in got if m["id"] == q["id"]]
    assert any(m["thread"] == q["id"] and m["author"] == "opsbot" for _, m in got)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"chat": "#general", "text": "   "}, 422),
        ({"chat": "#general", "user": "李娜", "text": "hi"}, 422),  # who posts is the session's person, never a field
        ({"chat": "#general"}, 422),
        ({"chat": "#general", "text": "x" * 4001}, 422),
        ({"chat": "#general", "text": "hi", "thread": "w-999999"}, 400),
    ],
)
def test_bad_messages_are_refused(bot: LiveBot, body: dict[str, Any], status: int) -> None:
    with bot.http_as("张伟") as http:
        r = http.post("/web/api/messages", json=body)
        assert r.status_code == status, r.text
        assert not messages(http, "#general")


def test_bad_actions_are_refused(bot: LiveBot) -> None:
    with bot.http_as("张伟") as http:
        r = http.post("/web/api/actions", json={"message_id": "w-42", "action": "ack", "value": "T-1"})
        assert r.status_code == 404
        r = http.post("/web/api/actions", json={"message_id": "w-1", "action": "<script>", "value": "T"})
        assert r.status_code == 422
        assert (
            http.post(
                "/web/api/messages", content=b"not json", headers={"content-type": "application/json"}
            ).status_code
            == 422
        )


def test_history_survives_a_restart(tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(tmp_path, WEB_CONFIG)
    with live_bot(config, env, clock=clock) as first, first.http_as("张伟") as http:
        q = say(first, http, "#general", "上周GMV是多少？")
        wait_for(lambda: bot_replies(http, "#general", q["id"]))
        before = messages(http, "#general")
    with live_bot(config, env, clock=clock) as second, second.http_as("张伟") as http:
        assert messages(http, "#general") == before
        again = say(second, http, "#general", "本月GMV是多少？")
        assert int(re.sub(r"\D", "", again["id"])) > int(re.sub(r"\D", "", before[-1]["id"]))
