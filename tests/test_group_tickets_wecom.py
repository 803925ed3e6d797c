"""WeCom AI bot (智能机器人) end to end, offline, over a real WebSocket to a local fake of WeCom's long-connection
gateway: subscribe and heartbeats → a rule fires → the AI bot posts a template card into the group → a click by
张伟's userid acks it as 张伟 and the SAME card is updated (aibot_respond_update_msg under the click's req_id) →
a group @-message "关闭 T-… 已补货" closes it with the note (answered in reply) → the audit trail shows each step
with the platform, and the web chat's ticket view shows the same state. A connection dropped during a click loses
nothing and applies nothing twice; unanswered heartbeats make it reconnect."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config.load import ConfigError, load_config
from bot.delivery.cards import ref_from_text
from tests.fake_wecom_aibot import FakeAiBotGateway
from tests.live_bot import Clock, LiveBot, bot_env, deliver, live_bot, platform_config, wait_for

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
GROUP = "wrOPSGROUP"
ZHANG = "ZhangWei"


def config(url: str, reconnect_s: float = 0.05, heartbeat_s: float = 0.2) -> str:
    return f"""
language: zh
rules: {{dir: rules}}
channels:
  "web:#douyin-ops": ["wecom:aibot:{GROUP}"]
people:
  - name: 张伟
    ids: {{wecom: {ZHANG}}}
  - name: 李娜
    ids: {{wecom: LiNa}}
platforms:
  wecom:
    aibot: {{bot_id: aibot-ops, secret: "${{AIBOT_SECRET}}", url: "{url}", heartbeat_s: {heartbeat_s},
             reconnect_s: {reconnect_s}}}
"""


@pytest.fixture()
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture()
def gateway() -> Iterator[FakeAiBotGateway]:
    with FakeAiBotGateway() as g:
        yield g


def start(tmp_path: Path, small_db: Path, gateway: FakeAiBotGateway, clock: Clock, **kw: float) -> Any:
    path = platform_config(tmp_path, config(gateway.url, **kw), "supply_chain.yaml")
    return live_bot(path, bot_env(tmp_path, small_db, AIBOT_SECRET="aibot-secret"), clock=clock)


_ids = itertools.count(1)


def click(task_id: str, key: str, user: str = ZHANG, msgid: str | None = None) -> dict[str, Any]:
    """A template_card_event as WeCom sends it to the AI bot."""
    event = {"card_type": "button_interaction", "event_key": key, "task_id": task_id}
    return {"msgid": msgid or f"ev{next(_ids)}", "create_time": 1763632800, "aibotid": "aibot-ops", "chatid": GROUP,
            "chattype": "group", "from": {"userid": user}, "msgtype": "event",
            "event": {"eventtype": "template_card_event", "template_card_event": event}}  # fmt: skip


def said(text: str, user: str = ZHANG, quote: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"msgid": f"m{next(_ids)}", "aibotid": "aibot-ops", "chatid": GROUP, "chattype": "group",
            "from": {"userid": user}, "msgtype": "text", "text": {"content": f"@opsbot {text}"}}  # fmt: skip
    if quote is not None:
        body["quote"] = quote
    return body


def card_code(b: LiveBot, number: str) -> str | None:
    """The click req_id the ticket's AI bot card will be updated under (kept by the bot when a click is read)."""
    for m in b.runtime.service.messages(number):
        if m.channel.startswith("wecom:aibot:"):
            code = ref_from_text("wecom", m.message_ref).extra.get("response_code")
            return str(code) if code else None
    return None


def first_card(b: LiveBot, gateway: FakeAiBotGateway, clock: Clock) -> tuple[str, str]:
    """Run the rules, deliver: (the first ticket's number, its card's task_id)."""
    assert gateway.subscribed.wait(15)
    b.runtime.run_rules()
    deliver(b, clock)
    tickets = [t for t in b.runtime.service.list_tickets() if "web:#douyin-ops" in t.channels]
    sent = [f["body"] for f in gateway.frames("aibot_send_msg")]
    assert tickets and len(sent) == len(tickets)  # one card per ticket, into the group
    assert all(s["chatid"] == GROUP and s["msgtype"] == "template_card" for s in sent)
    number = tickets[0].ticket_no
    card = next(s["template_card"] for s in sent if number in json.dumps(s, ensure_ascii=False))
    keys = {x["key"] for x in card["button_list"]}
    assert f"ack:{number}" in keys and card["card_type"] == "button_interaction"
    return number, str(card["task_id"])


def shown(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def test_click_acks_as_the_clicker_the_card_updates_and_a_group_reply_closes(
    tmp_path: Path, small_db: Path, gateway: FakeAiBotGateway, clock: Clock
) -> None:
    with start(tmp_path, small_db, gateway, clock) as b:
        assert b.runtime.parts["wecom"].info["aibot"] == "long connection"
        number, task_id = first_card(b, gateway, clock)
        wait_for(lambda: gateway.pings >= 2)  # heartbeats, answered

        gateway.push(click(task_id, f"ack:{number}"))
        wait_for(lambda: b.runtime.service.get(number).ticket.status == "acknowledged")
        b.settle()
        versions = wait_for(lambda: len(v := gateway.cards[task_id].versions) >= 2 and v)
        assert len(versions) == 2 and "已认领" in shown(versions[1])  # the same card (task_id), updated
        assert gateway.refused == []

        gateway.push(said(f"关闭 {number} 已补货"))
        wait_for(lambda: b.runtime.service.get(number).ticket.status == "closed")
        b.settle()
        replies = wait_for(lambda: gateway.frames("aibot_respond_msg"))
        assert number in shown(replies[0]["body"]) and replies[0]["body"]["stream"]["finish"] is True
        history = b.runtime.service.get(number)
        steps = [(e.action, e.actor, e.platform, e.note) for e in history.events if e.action in ("ack", "close")]
        assert steps == [("ack", "张伟", "wecom", None), ("close", "张伟", "wecom", "已补货")]
        deliver(b, clock, passes=3)
        latest = [f["body"]["template_card"] for f in gateway.frames("aibot_send_msg") if number in shown(f["body"])]
        assert "已关闭" in shown(latest[-1])  # no click to answer: the AI bot posts the closed card anew

        with b.http_as("张伟") as http:
            view = http.get(f"/web/api/tickets/{number}").json()
        assert view["ticket"]["status"] == "closed"
        assert [(e["action"], e["actor"], e["platform"]) for e in view["events"] if e["action"] in ("ack", "close")] == [
            ("ack", "张伟", "wecom"), ("close", "张伟", "wecom")
        ]  # fmt: skip
        started = time.monotonic()
    assert time.monotonic() - started < 10


def test_a_reply_quoting_the_card_acts_on_its_ticket(
    tmp_path: Path, small_db: Path, gateway: FakeAiBotGateway, clock: Clock
) -> None:
    with start(tmp_path, small_db, gateway, clock) as b:
        number, _ = first_card(b, gateway, clock)
        quote = {"msgtype": "text", "text": {"content": f"[认领] {number} 抖音成交关注"}}
        gateway.push(said("认领", quote=quote))
        wait_for(lambda: b.runtime.service.get(number).ticket.status == "acknowledged")
        event = b.runtime.service.get(number).events[-1]
        assert (event.action, event.actor, event.platform) == ("ack", "张伟", "wecom")


def test_a_connection_dropped_during_a_click_loses_nothing_and_applies_it_once(
    tmp_path: Path, small_db: Path, gateway: FakeAiBotGateway, clock: Clock
) -> None:
    """The click arrives, the connection drops before the card could be updated; WeCom redelivers the click (same
    msgid, new req_id) after the reconnect: the ack is applied once and the same card is updated under the new
    req_id."""
    with start(tmp_path, small_db, gateway, clock, reconnect_s=1.0) as b:
        number, task_id = first_card(b, gateway, clock)
        body = click(task_id, f"ack:{number}", msgid="click-dropped")
        gateway.redeliver_on_connect(body)
        first = gateway.push(body)
        gateway.drop()
        wait_for(lambda: b.runtime.service.get(number).ticket.status == "acknowledged")
        wait_for(lambda: gateway.subscribes >= 2)  # reconnected, and the click came again
        # the redelivered click's req_id is kept for the card before the retried update runs (WeCom refuses the
        # first click's req_id on the new connection; the update would then post a new card instead)
        wait_for(lambda: card_code(b, number) not in (None, first), what="the redelivered click was not read")
        b.settle()
        deliver(b, clock, passes=3)
        acks = [e for e in b.runtime.service.get(number).events if e.action == "ack"]
        assert [(e.actor, e.platform) for e in acks] == [("张伟", "wecom")]  # applied once
        versions = wait_for(lambda: len(v := gateway.cards[task_id].versions) >= 2 and v)
        assert len(versions) == 2 and "已认领" in shown(versions[1])  # the same card, under the redelivered req_id
        assert [f for f in gateway.frames("aibot_send_msg") if number in shown(f["body"])][1:] == []


def test_unanswered_heartbeats_reconnect(
    tmp_path: Path, small_db: Path, gateway: FakeAiBotGateway, clock: Clock
) -> None:
    gateway.answer_pings = False
    with start(tmp_path, small_db, gateway, clock, heartbeat_s=0.05) as b:
        assert gateway.subscribed.wait(15)
        wait_for(lambda: gateway.subscribes >= 2, timeout=10)  # two pings unanswered → closed → subscribed again
        assert b.runtime.parts["wecom"].info["aibot"] == "long connection"


def test_aibot_keys_are_checked(tmp_path: Path, small_db: Path) -> None:
    env = bot_env(tmp_path, small_db, AIBOT_SECRET="s")
    path = platform_config(tmp_path, config("ws://127.0.0.1:9"), "supply_chain.yaml")
    loaded = load_config(path, env)
    assert loaded.wecom is not None and loaded.wecom.aibot is not None and loaded.wecom.aibot.heartbeat_s == 0.2
    assert loaded.channels["web:#douyin-ops"] == (f"wecom:aibot:{GROUP}",)
    for bad, what in (
        ("heartbeat_s: 0.2", "heartbeat_s: soon"),
        ("bot_id: aibot-ops, ", "bot_id: aibot-ops, botid: x, "),
        ('url: "ws://127.0.0.1:9"', 'url: "http://127.0.0.1:9"'),
        ("bot_id: aibot-ops, ", "token: t, "),
    ):
        path.write_text(config("ws://127.0.0.1:9").replace(bad, what), encoding="utf-8")
        with pytest.raises(ConfigError):
            load_config(path, env)
    # callback mode only: the AI bot cannot post first, so a wecom:aibot: destination is skipped, and said
    path.write_text(CALLBACK_CONFIG.replace('["wecom:robot"]', f'["wecom:aibot:{GROUP}"]'), encoding="utf-8")
    warned = "\n".join(str(w) for w in load_config(path, env).warnings)
    assert f"wecom:aibot:{GROUP} needs WeCom aibot: {{bot_id, secret}}" in warned, warned


# --- callback mode: the group robot posts the card, the AI bot (encrypted JSON callbacks) handles what follows --

AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # protocols.md's EncodingAESKey
TOKEN = "QDG6eK"
CALLBACK_CONFIG = f"""
language: zh
rules: {{dir: rules}}
channels:
  "web:#douyin-ops": ["wecom:robot"]
people:
  - name: 张伟
    ids: {{wecom: {ZHANG}}}
  - name: 李娜
    ids: {{wecom: LiNa}}
platforms:
  wecom:
    aibot: {{token: {TOKEN}, encoding_aes_key: {AES_KEY}}}
"""


def encrypted(body: dict[str, Any], *, token: str = TOKEN, stamp: str | None = None) -> tuple[dict[str, str], bytes]:
    """A callback as WeCom POSTs it to the AI bot: JSON {"encrypt"} (receiveid ""), signed in the query."""
    from adapters.wecom import crypto

    stamp = stamp or str(int(time.time()))
    cipher = crypto.encrypt(AES_KEY, json.dumps(body, ensure_ascii=False), "")
    query = {"msg_signature": crypto.signature(token, stamp, "n1", cipher), "timestamp": stamp, "nonce": "n1"}
    return query, json.dumps({"encrypt": cipher}).encode()


def test_callback_mode_a_group_reply_acks_a_robot_card_and_is_answered_by_response_url(
    tmp_path: Path, small_db: Path, clock: Clock
) -> None:
    from adapters.wecom import crypto
    from tests.fake_wecom import AIBOT_RESPONSE, WEBHOOK, FakeWeCom

    with FakeWeCom() as fake:
        env = bot_env(
            tmp_path, small_db, WECOM_ROBOT_WEBHOOK=f"{fake.base_url}{WEBHOOK}?key=robot-key",
            OPSBOT_WECOM_API_URL=fake.base_url,
        )  # fmt: skip
        path = platform_config(tmp_path, CALLBACK_CONFIG, "supply_chain.yaml")
        with live_bot(path, env, clock=clock) as b, b.http() as http:
            assert b.runtime.parts["wecom"].info["aibot_callback"].endswith("/wecom/aibot/callback")
            b.runtime.run_rules()
            deliver(b, clock)
            assert fake.calls(WEBHOOK)  # the group robot posted the cards (the AI bot cannot post first here)
            number = next(t for t in b.runtime.service.list_tickets() if "web:#douyin-ops" in t.channels).ticket_no

            stamp = str(int(time.time()))
            echo = crypto.encrypt(AES_KEY, "echo-123", "")
            sig = crypto.signature(TOKEN, stamp, "n", echo)
            params = {"msg_signature": sig, "timestamp": stamp, "nonce": "n", "echostr": echo}
            got = http.get("/wecom/aibot/callback", params=params)
            assert got.status_code == 200 and got.text == "echo-123"  # the URL check

            body = {**said(f"认领 {number}"), "msgid": "cb-1",
                    "response_url": f"{fake.base_url}{AIBOT_RESPONSE}?response_code=rc1"}  # fmt: skip
            query, raw = encrypted(body)
            forged, _ = encrypted(body, token="not-the-token")
            assert http.post("/wecom/aibot/callback", params=forged, content=raw).status_code == 401
            assert b.runtime.service.get(number).ticket.status == "open"
            for _ in range(2):  # WeCom retries a callback: taken once
                r = http.post("/wecom/aibot/callback", params=query, content=raw)
                assert r.status_code == 200 and r.content == b""
            b.settle()
            history = b.runtime.service.get(number)
            assert history.ticket.status == "acknowledged"
            assert [(e.actor, e.platform) for e in history.events if e.action == "ack"] == [("张伟", "wecom")]
            answered = wait_for(lambda: fake.calls(AIBOT_RESPONSE))
            assert len(answered) == 1 and number in json.dumps(answered[0].body, ensure_ascii=False)
            assert answered[0].body["msgtype"] == "markdown"


def test_a_group_question_and_its_follow_up_are_answered_in_reply_and_so_is_a_one_to_one_chat(
    tmp_path: Path, small_db: Path, gateway: FakeAiBotGateway, clock: Clock
) -> None:
    with start(tmp_path, small_db, gateway, clock):
        assert gateway.subscribed.wait(15)
        gateway.push(said("上周各渠道的GMV是多少？"))
        (first,) = wait_for(lambda: gateway.frames("aibot_respond_msg"))
        text = first["body"]["stream"]["content"]
        assert "抖音" in text and "天猫" in text and "成交金额" in text, text
        gateway.push(said("那抖音呢", user="LiNa"))
        replies = wait_for(lambda: len(r := gateway.frames("aibot_respond_msg")) >= 2 and r)
        follow = replies[1]["body"]["stream"]["content"]
        assert "抖音" in follow and "天猫" not in follow, follow  # the group's follow-up keeps the context
        single = {"msgid": "dm-1", "aibotid": "aibot-ops", "chattype": "single", "from": {"userid": ZHANG},
                  "msgtype": "text", "text": {"content": "帮助"}}  # fmt: skip
        rid = gateway.push(single)
        replies = wait_for(lambda: len(r := gateway.frames("aibot_respond_msg")) >= 3 and r)
        assert replies[2]["headers"]["req_id"] == rid and "认领" in replies[2]["body"]["stream"]["content"]
        assert gateway.refused == []
