"""WeCom end to end: encrypted, signed callbacks over real HTTP to the live bot (``GET/POST /wecom/callback``),
answers and ticket cards through the app (message/send, update_template_card) and the group robot
(webhook/send) — all WeCom traffic goes to a local fake WeCom that records every request. The official crypto
vector is tested in test_adapter_wecom.py."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.wecom import crypto
from tests.fake_wecom import SEND, TOKEN, UPDATE, WEBHOOK, FakeWeCom, Request, errcode, http_status
from tests.live_bot import Clock, LiveBot, bot_env, deliver, live_bot, platform_config, wait_for

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
CORP = "ww-corp"
TOKEN_V = "opsbot-token"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
LINA, ZHANG = "LiNa", "ZhangWei"
TICKET = re.compile(r"T-\d{8}-\d{4}")
CONFIG = f"""
language: zh
rules: {{dir: rules}}
channels:
  "web:#douyin-ops": ["wecom:{LINA}"]
  "web:#supply-chain": ["wecom:robot"]
people:
  - name: 张伟
    ids: {{wecom: {ZHANG}}}
  - name: 李娜
    ids: {{wecom: {LINA}}}
  - name: 王芳
    ids: {{wecom: WangFang}}
"""


@pytest.fixture()
def fake() -> Iterator[FakeWeCom]:
    with FakeWeCom(corp_id=CORP) as f:
        yield f


@pytest.fixture()
def clock() -> Clock:
    return Clock(NOW)


def _env(tmp_path: Path, small_db: Path, fake: FakeWeCom) -> dict[str, str]:
    return bot_env(
        tmp_path,
        small_db,
        WECOM_CORP_ID=CORP,
        WECOM_AGENT_ID="1000002",
        WECOM_SECRET=fake.secret,
        WECOM_TOKEN=TOKEN_V,
        WECOM_ENCODING_AES_KEY=AES_KEY,
        WECOM_ROBOT_WEBHOOK=f"{fake.base_url}{WEBHOOK}?key=robot-key",
        OPSBOT_WECOM_API_URL=fake.base_url,
    )


@pytest.fixture()
def bot(tmp_path: Path, small_db: Path, fake: FakeWeCom, clock: Clock) -> Iterator[LiveBot]:
    with live_bot(platform_config(tmp_path, CONFIG), _env(tmp_path, small_db, fake), clock=clock) as b:
        yield b


# --- callbacks as WeCom sends them ---------------------------------------------------------------------------

_ids = itertools.count(1)


def text_xml(text: str, *, user: str = LINA, msg_id: str | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id or 7000 + next(_ids)}</MsgId>"
        "<AgentID>1000002</AgentID></xml>"
    )


def click_xml(key: str, task_id: str, code: str, *, user: str = LINA) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{1763795000 + next(_ids)}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[template_card_event]]></Event>"
        f"<EventKey><![CDATA[{key}]]></EventKey><TaskId><![CDATA[{task_id}]]></TaskId>"
        f"<CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[{code}]]></ResponseCode>"
        "<AgentID>1000002</AgentID></xml>"
    )


def post(bot: LiveBot, xml: str, *, token: str = TOKEN_V) -> httpx.Response:
    encrypted = crypto.encrypt(AES_KEY, xml, CORP)
    stamp, nonce = str(int(time.time())), f"n{next(_ids)}"
    params = {"msg_signature": crypto.signature(token, stamp, nonce, encrypted), "timestamp": stamp, "nonce": nonce}
    body = f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    with bot.http() as http:
        return http.post("/wecom/callback", params=params, content=body.encode())


# --- what the fake saw ----------------------------------------------------------------------------------------


def shown(request: Request) -> str:
    return json.dumps(request.body, ensure_ascii=False)


def sends(fake: FakeWeCom, user: str = LINA, msgtype: str | None = None) -> list[Request]:
    return [
        r for r in fake.calls(SEND) if r.body["touser"] == user and (msgtype is None or r.body["msgtype"] == msgtype)
    ]


def cards(fake: FakeWeCom) -> list[Request]:
    return sends(fake, LINA, "template_card")


def ticket_of(request: Request) -> str:
    m = TICKET.search(shown(request))
    assert m, request.body
    return m.group(0)


def tickets_in(bot: LiveBot, channel: str) -> list[Any]:
    return [t for t in bot.runtime.service.list_tickets() if channel in t.channels]


# --- (a) URL verification, (f) bad signatures -------------------------------------------------------------


def test_url_verification_answers_the_decrypted_echostr(bot: LiveBot) -> None:
    echostr = crypto.encrypt(AES_KEY, "echo-5718", CORP)
    stamp, nonce = str(int(time.time())), "nonce1"  # signed now: older ones are refused
    params = {
        "msg_signature": crypto.signature(TOKEN_V, stamp, nonce, echostr),
        "timestamp": stamp,
        "nonce": nonce,
        "echostr": echostr,
    }
    with bot.http() as http:
        ok = http.get("/wecom/callback", params=params)
        assert ok.status_code == 200 and ok.text == "echo-5718"
        assert ok.headers["content-type"].startswith("text/plain")
        bad = http.get("/wecom/callback", params={**params, "msg_signature": "0" * 40})
        assert bad.status_code == 401
        assert http.get("/wecom/callback", params={"echostr": echostr}).status_code == 401


def test_a_bad_signature_is_rejected_and_changes_nothing(bot: LiveBot, fake: FakeWeCom) -> None:
    r = post(bot, text_xml("上周各渠道的GMV是多少？"), token="not-the-token")
    assert r.status_code == 401
    with bot.http() as http:
        assert http.post("/wecom/callback", content=b"<xml><Encrypt>x</Encrypt></xml>").status_code == 401
    bot.settle()
    assert fake.requests == []


def test_a_replayed_msg_id_is_handled_once(bot: LiveBot, fake: FakeWeCom) -> None:
    xml = text_xml("帮助", msg_id="88881")
    first, second = post(bot, xml), post(bot, xml)
    assert (first.status_code, first.content, second.status_code) == (200, b"", 200)
    bot.settle()
    time.sleep(0.2)
    bot.settle()
    assert len(wait_for(lambda: sends(fake))) == 1


# --- (b) a question and its follow-up ---------------------------------------------------------------------


def test_question_is_answered_to_the_asker_and_a_follow_up_keeps_context(bot: LiveBot, fake: FakeWeCom) -> None:
    r = post(bot, text_xml("上周各渠道的GMV是多少？"))
    assert r.status_code == 200 and r.content == b""
    bot.settle()
    answers = wait_for(lambda: sends(fake, msgtype="markdown"))
    assert len(answers) == 1
    first = shown(answers[0])
    assert "抖音" in first and "天猫" in first and "成交金额" in first, first
    assert answers[0].body["agentid"] == 1000002
    # the chart: uploaded (media/upload), then sent as an image message
    (image,) = wait_for(lambda: sends(fake, msgtype="image"))
    (upload,) = fake.calls("/cgi-bin/media/upload")
    assert image.body["image"]["media_id"].startswith("media-") and upload.body["media"].startswith(b"\x89PNG")
    assert len(fake.calls(TOKEN)) == 1

    assert post(bot, text_xml("那抖音呢")).status_code == 200
    bot.settle()
    answers = wait_for(lambda: (a := sends(fake, msgtype="markdown")) and len(a) >= 2 and a)
    assert len(answers) == 2
    follow = shown(answers[1])
    assert "抖音" in follow and "成交金额" in follow, follow
    assert "天猫" not in follow, follow  # the follow-up narrowed the last question to 抖音
    assert len(fake.calls(TOKEN)) == 1  # the token is cached
    assert fake.calls(WEBHOOK) == []


# --- (c) cards, (d) a click updates the card with its ResponseCode, (e) a command ---------------------------


def test_cards_clicks_and_commands(bot: LiveBot, fake: FakeWeCom, clock: Clock) -> None:
    bot.runtime.run_rules()
    deliver(bot, clock)
    douyin = tickets_in(bot, "web:#douyin-ops")
    supply = tickets_in(bot, "web:#supply-chain")
    assert douyin and supply, "small_db opens tickets in both channels"

    posted = cards(fake)
    assert sorted(ticket_of(c) for c in posted) == sorted(t.ticket_no for t in douyin)  # one card per ticket
    for card in posted:
        tc = card.body["template_card"]
        assert tc["card_type"] == "button_interaction" and tc["task_id"]
        keys = {b["key"] for b in tc["button_list"]}
        assert f"ack:{ticket_of(card)}" in keys and f"close:{ticket_of(card)}" in keys

    robot = fake.calls(WEBHOOK)
    assert sorted(ticket_of(m) for m in robot) == sorted(t.ticket_no for t in supply)  # one message per ticket
    for message in robot:
        assert message.query["key"] == "robot-key"
        content = message.body["markdown"]["content"]
        assert f"<@{ZHANG}>" in content  # the owner 张伟 is mentioned
        links = re.findall(r"\((http[^)]+)\)", content)
        assert links and all(re.fullmatch(re.escape(bot.url) + r"/actions/[^/]+", u) for u in links)
    assert len(fake.calls(SEND)) == len(posted)  # nothing else went to the app
    before = len(fake.requests)
    deliver(bot, clock, passes=3)
    assert len(fake.requests) == before  # another pass posts nothing

    # (d) 李娜 clicks 认领: the card is replaced using the click's ResponseCode
    card = posted[0]
    number = ticket_of(card)
    task_id = card.body["template_card"]["task_id"]
    click = click_xml(f"ack:{number}", task_id, "rc-from-the-click")
    r = post(bot, click)
    assert r.status_code == 200 and r.content == b""
    assert post(bot, click).status_code == 200  # WeCom redelivers the same event (no MsgId on clicks)
    bot.settle()
    history = bot.runtime.service.get(number)
    assert history.ticket.status == "acknowledged"
    event = history.events[-1]
    assert (event.action, event.actor, event.platform) == ("ack", "李娜", "wecom")
    deliver(bot, clock, passes=3)
    updates = fake.calls(UPDATE)
    assert len(updates) == 1
    assert updates[0].body["response_code"] == "rc-from-the-click"
    assert updates[0].body["userids"] == [LINA]
    assert "已认领" in shown(updates[0])
    assert len(cards(fake)) == len(posted)  # updated in place, no new card
    stored = next(m for m in bot.runtime.service.messages(number) if m.channel == f"wecom:{LINA}")
    assert json.loads(stored.message_ref)["seq"] >= 1  # the stored seq survived the ResponseCode rewrite

    # a redelivered click is handled once
    clicks = [e for e in bot.runtime.service.get(number).events if e.action == "ack"]
    assert len(clicks) == 1

    # (e) a command to the app naming the ticket
    r = post(bot, text_xml(f"关闭 {number} 已补货"))
    assert r.status_code == 200
    bot.settle()
    history = bot.runtime.service.get(number)
    assert history.ticket.status == "closed"
    last = history.events[-1]
    assert (last.note, last.platform, last.actor) == ("已补货", "wecom", "李娜")
    confirm = wait_for(lambda: [s for s in sends(fake) if s.body["msgtype"] != "template_card" and number in shown(s)])
    assert confirm

    def closed_card() -> bool:
        """A delivery pass, then whether the ticket's newest card shows the close (the bot's own delivery thread
        may have taken the row first and be waiting out the app's pacing: passes until it is shown)."""
        deliver(bot, clock, passes=1)
        return "已关闭" in shown([c for c in cards(fake) if ticket_of(c) == number][-1])

    # the card shows the close (a new card: the click's code was used up)
    wait_for(closed_card, 30, "the ticket's card never showed the close")
    assert len(fake.calls(UPDATE)) == 1


# --- (g) delivery errors ----------------------------------------------------------------------------------


def test_rate_limit_500_and_an_expired_token_are_retried_and_each_card_is_delivered_once(
    bot: LiveBot, fake: FakeWeCom, clock: Clock
) -> None:
    fake.push(SEND, errcode(45009, "api freq out of limit"), http_status(500), errcode(42001, "access_token expired"))
    bot.runtime.run_rules()
    deliver(bot, clock, passes=12, step=30)
    douyin = tickets_in(bot, "web:#douyin-ops")
    posted = cards(fake)
    assert len(posted) == len(douyin) + 3  # the three failures were really sent
    ok = posted[3:]  # the first three were answered 45009, HTTP 500 and 42001 (then retried with a new token)
    assert sorted(ticket_of(c) for c in ok) == sorted(t.ticket_no for t in douyin)  # each ticket exactly once
    assert len(fake.calls(TOKEN)) == 2  # 42001 → a new token, once
    assert [c.query["access_token"] for c in posted[2:4]] == ["tok-1", "tok-2"]
    for t in douyin:  # the stored ref is the card that landed
        place = next(m for m in bot.runtime.service.messages(t.ticket_no) if m.channel == f"wecom:{LINA}")
        task = json.loads(place.message_ref)["extra"]["task_id"]
        assert [c.body["template_card"]["task_id"] for c in ok].count(task) == 1
    before = len(fake.requests)
    deliver(bot, clock, passes=3, step=30)
    assert len(fake.requests) == before


# --- named robots: wecom:robot:<name> --------------------------------------------------------------------

NAMED = CONFIG.replace('"web:#supply-chain": ["wecom:robot"]', '"web:#supply-chain": ["wecom:robot", "wecom:robot:cs"]')
NAMED = NAMED.replace(
    "language: zh\n", "language: zh\nplatforms:\n  wecom:\n    robots:\n      cs: {webhook: cs-key}\n"
)


def test_a_named_robot_posts_its_cards_with_its_own_key(tmp_path: Path, small_db: Path, clock: Clock) -> None:
    """``wecom:robot:cs`` goes to the robot named cs (its key), ``wecom:robot`` to the default one; the two
    are paced apart, and a click on the named robot's action link supersedes its card through the same robot."""
    with (
        FakeWeCom(corp_id=CORP, robot_keys=("robot-key", "cs-key")) as fake,
        live_bot(platform_config(tmp_path, NAMED), _env(tmp_path, small_db, fake), clock=clock) as b,
    ):
        b.runtime.run_rules()
        supply = sorted(t.ticket_no for t in tickets_in(b, "web:#supply-chain"))
        assert supply
        b.settle()
        assert sorted(m.query["key"] for m in fake.calls(WEBHOOK)) == ["cs-key", "robot-key"]  # one each
        deliver(b, clock, passes=3 * len(supply) + 3)
        keys: dict[str, list[str]] = {}
        for message in fake.calls(WEBHOOK):
            keys.setdefault(message.query["key"], []).append(ticket_of(message))
        assert sorted(keys["cs-key"]) == supply and sorted(keys["robot-key"]) == supply

        message = next(m for m in fake.calls(WEBHOOK) if m.query["key"] == "cs-key")
        number = ticket_of(message)
        links = re.findall(r"\[认领\]\((http[^)]+)\)", message.body["markdown"]["content"])
        assert links, message.body
        assert httpx.post(links[0], timeout=30).status_code == 401  # a link acts only for someone logged in
        with b.http_as("张伟") as http:
            assert http.post(links[0], data={"csrf": http.headers["X-CSRF-Token"]}).status_code == 200
        deliver(b, clock, passes=4)
        again = [m for m in fake.calls(WEBHOOK) if m.query["key"] == "cs-key" and ticket_of(m) == number]
        assert len(again) == 2 and "已认领" in shown(again[1])


# --- (h) an answer's chart reaches a robot group ------------------------------------------------------------


def test_a_robot_group_gets_the_answers_chart(tmp_path: Path, small_db: Path, clock: Clock) -> None:
    """Without the app (callbacks and the robot only) an answer goes to the group robot: its text as markdown,
    then its chart as an image message (the robot sender once dropped the image)."""
    with FakeWeCom(corp_id=CORP) as fake:
        env = _env(tmp_path, small_db, fake)
        del env["WECOM_AGENT_ID"], env["WECOM_SECRET"]
        with live_bot(platform_config(tmp_path, CONFIG), env, clock=clock) as b:
            assert post(b, text_xml("上周各渠道的GMV是多少？")).status_code == 200
            robot = wait_for(lambda: [m for m in fake.calls(WEBHOOK) if m.body["msgtype"] == "image"])
            image = robot[0].body["image"]
            png = base64.b64decode(image["base64"])
            assert png.startswith(b"\x89PNG") and hashlib.md5(png).hexdigest() == image["md5"]
            texts = [m for m in fake.calls(WEBHOOK) if m.body["msgtype"] == "markdown"]
            assert texts and "天猫" in texts[0].body["markdown"]["content"]
            assert robot[0].query["key"] == "robot-key" and not fake.calls(SEND)
