"""DingTalk end to end: signed enterprise-app robot callbacks over real HTTP to the live bot
(``POST /dingtalk/callback``), answers through each message's sessionWebhook, ticket cards as signed actionCards
from the custom group robot, and their signed action links (``/actions/<token>``) — all DingTalk traffic goes to
a local fake DingTalk that records every request. Stream mode's handler is tested without the network (its
websocket itself is not tested offline)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.action_links import sign_action
from adapters.base import DeliveryError
from adapters.dingtalk import stream as dingtalk_stream
from adapters.dingtalk.robot import session_url
from adapters.dingtalk.signing import MAX_SKEW_MS, compute_sign, signed_webhook_url
from bot.answers.answer import make_asker
from bot.answers.message import answer_table
from bot.config.load import ConfigError, load_config
from tests.fake_dingtalk import FakeDingTalk, FakeStreamGateway, Reply, Request, errcode
from tests.live_bot import Clock, LiveBot, bot_env, deliver, live_bot, platform_config, wait_for

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
APP_SECRET = "test-app-secret"
ROBOT_SECRET = "SECtest-robot-secret"
ROBOT_WEBHOOK = "https://oapi.dingtalk.com/robot/send?access_token=tok123"
GROUP = "抖音运营群"
CONV = "cidOPS=="
LINA = "lina01"
ZHANG = "zhangwei01"
TICKET = re.compile(r"T-\d{8}-\d{4}")
CONFIG = f"""
language: zh
rules: {{dir: rules}}
channels:
  "web:#douyin-ops": ["dingtalk:{GROUP}"]
people:
  - name: 张伟
    ids: {{dingtalk: {ZHANG}}}
  - name: 李娜
    ids: {{dingtalk: {LINA}}}
  - name: 王芳
    ids: {{dingtalk: "13800000003"}}
"""


@pytest.fixture()
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture()
def fake(clock: Clock) -> Iterator[FakeDingTalk]:
    """DingTalk as the robot meets it: the sign checked against the robot's secret on the bot's clock, and
    DingTalk's own 20 messages a minute (130101 and a 10-minute throttle beyond)."""
    with FakeDingTalk(robot_secret=ROBOT_SECRET, limit_per_minute=20, now=lambda: clock().timestamp()) as f:
        yield f


def _env(tmp_path: Path, small_db: Path, fake: FakeDingTalk, robot: bool = True) -> dict[str, str]:
    robot_vars = {"DINGTALK_ROBOT_WEBHOOK": ROBOT_WEBHOOK, "DINGTALK_ROBOT_SECRET": ROBOT_SECRET} if robot else {}
    return bot_env(
        tmp_path,
        small_db,
        DINGTALK_APP_KEY="dingtestkey",
        DINGTALK_APP_SECRET=APP_SECRET,
        OPSBOT_DINGTALK_API_URL=fake.base_url,
        **robot_vars,
    )


def config_file(tmp_path: Path, text: str = CONFIG) -> Path:
    """The demo rules but the stock-out forecast (6 s a run, and #supply-chain is not mapped to DingTalk
    here), plus the test's #douyin-ops rule."""
    return platform_config(tmp_path, text, "supply_chain.yaml")


@pytest.fixture()
def bot(tmp_path: Path, small_db: Path, fake: FakeDingTalk, clock: Clock) -> Iterator[LiveBot]:
    with live_bot(config_file(tmp_path), _env(tmp_path, small_db, fake), clock=clock) as b:
        yield b


# --- callbacks as DingTalk sends them ---------------------------------------------------------------------

_ids = itertools.count(1)


def ms(bot: LiveBot) -> int:
    return int(bot.runtime.clock().timestamp() * 1000)


def callback(
    bot: LiveBot, text: str, *, user: str = ZHANG, nick: str = "张伟", conv: str = CONV, msg_id: str | None = None,
    expires_in_ms: int = 5_400_000,
) -> dict[str, Any]:  # fmt: skip
    return {
        "msgId": msg_id or f"msg{next(_ids):06d}",
        "msgtype": "text",
        "text": {"content": f" {text}"},
        "conversationType": "2",
        "conversationId": conv,
        "conversationTitle": "运营群",
        "senderId": f"$:LWCP_v1:${user}",
        "senderStaffId": user,
        "senderNick": nick,
        "chatbotUserId": "$:LWCP_v1:$bot",
        "isInAtList": True,
        "createAt": ms(bot),
        "sessionWebhook": f"https://oapi.dingtalk.com/robot/sendBySession?session={conv}",
        "sessionWebhookExpiredTime": ms(bot) + expires_in_ms,
    }


def signed(ts_ms: int, secret: str = APP_SECRET) -> dict[str, str]:
    return {"timestamp": str(ts_ms), "sign": compute_sign(secret, ts_ms)}


_stamps = itertools.count()


def fresh_sign(bot: LiveBot) -> dict[str, str]:
    """A sign for a timestamp not used before: each (timestamp, sign) pair is accepted once."""
    return signed(ms(bot) - next(_stamps))


def post(bot: LiveBot, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    with bot.http() as http:
        return http.post(
            "/dingtalk/callback",
            content=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", **(headers if headers is not None else fresh_sign(bot))},
        )


# --- what the fake saw ----------------------------------------------------------------------------------------


def shown(request: Request) -> str:
    return json.dumps(request.body, ensure_ascii=False)


def replies(fake: FakeDingTalk, conv: str = CONV) -> list[Request]:
    return [r for r in fake.accepted("/robot/sendBySession") if r.query.get("session") == conv]


def cards(fake: FakeDingTalk) -> list[Request]:
    return [r for r in fake.accepted("/robot/send") if r.body.get("msgtype") == "actionCard"]


def ticket_of(card: Request) -> str:
    m = TICKET.search(card.body["actionCard"]["title"])
    assert m, card.body
    return m.group(0)


def douyin_tickets(bot: LiveBot) -> list[Any]:
    return [t for t in bot.runtime.service.list_tickets() if "web:#douyin-ops" in t.channels]


# --- (a) a question and its follow-up in one conversation --------------------------------------------------


def test_question_is_answered_through_the_session_webhook_and_a_follow_up_keeps_context(
    bot: LiveBot, fake: FakeDingTalk
) -> None:
    r = post(bot, callback(bot, "上周各渠道的GMV是多少？"))
    assert r.status_code == 200, r.text
    bot.settle()
    answers = wait_for(lambda: replies(fake))
    assert len(answers) == 1
    body = answers[0].body
    assert body["msgtype"] == "markdown", body
    text = body["markdown"]["text"]
    assert "抖音" in text and "天猫" in text and "成交金额" in text
    # the numbers: every cell of the governed answer's table (the same question asked of the bot's NLQ)
    answer, _ = make_asker(bot.runtime.layer).ask("上周各渠道的GMV是多少？")
    table = answer_table(answer, bot.runtime.catalog)
    assert table is not None and len(table.rows) >= 3
    for row in table.rows:  # one list line a row (DingTalk markdown has no tables), each row once
        line = next(x for x in text.splitlines() if x.startswith(f"- {row[0]}"))
        assert line.endswith(row[-1]) and text.count(row[-1]) == 1, (row, text)
    assert "|" not in text
    # the bot's public_url is 127.0.0.1, which DingTalk's servers cannot fetch a chart from: the answer says so
    assert "![" not in text and "未发送" in text and "public_url" in text, text
    assert answer.time_range is not None and str(answer.time_range.start) in text  # the period it used
    assert fake.accepted("/robot/send") == []  # answered in the conversation, not by the group robot

    r = post(bot, callback(bot, "那抖音呢"))
    assert r.status_code == 200, r.text
    bot.settle()
    answers = wait_for(lambda: (a := replies(fake)) and len(a) >= 2 and a)
    assert len(answers) == 2
    follow = shown(answers[1])
    assert "抖音" in follow and "成交金额" in follow, follow
    assert "天猫" not in follow, follow  # the follow-up narrowed the last question to 抖音


def test_an_expired_session_webhook_falls_back_to_the_group_robot(bot: LiveBot, fake: FakeDingTalk) -> None:
    assert post(bot, callback(bot, "帮助", expires_in_ms=-1000)).status_code == 200
    bot.settle()
    sent = wait_for(lambda: fake.accepted("/robot/send"))
    assert len(sent) == 1 and replies(fake) == []
    assert "认领" in shown(sent[0])
    assert sent[0].query["sign"] == compute_sign(ROBOT_SECRET, sent[0].query["timestamp"])


def test_an_expired_session_webhook_in_a_one_to_one_chat_is_not_answered_in_the_group(
    bot: LiveBot, fake: FakeDingTalk
) -> None:
    body = {**callback(bot, "帮助", expires_in_ms=-1000, conv="cidDM"), "conversationType": "1"}
    assert post(bot, body).status_code == 200
    bot.settle()
    time.sleep(0.2)
    assert fake.requests == []  # a private answer never goes to the robot's group (it is logged instead)


def test_a_clarifying_question_lists_its_choices_in_words(bot: LiveBot, fake: FakeDingTalk) -> None:
    assert post(bot, callback(bot, "各渠道的GMV")).status_code == 200  # which period?
    bot.settle()
    (answer,) = wait_for(lambda: replies(fake))
    assert "最近7天" in shown(answer) and "今天" in shown(answer)  # robots have no buttons to click


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/robot/sendBySession?session=1",
        "http://oapi.dingtalk.com/robot/sendBySession?session=1",
        "https://oapi.dingtalk.com.evil.example/robot/sendBySession?session=1",
    ],
)
def test_answers_go_only_to_dingtalk_session_webhooks(url: str) -> None:
    """The callback sign covers the timestamp, not the body: a replayed sign could bring any sessionWebhook."""
    with pytest.raises(DeliveryError) as info:
        session_url(url, None)
    assert info.value.retryable is False
    good = "https://oapi.dingtalk.com/robot/sendBySession?session=1"
    assert session_url(good, None) == good
    assert session_url(url, "http://127.0.0.1:9").startswith("http://127.0.0.1:9/")  # a configured base wins


# --- (b) cards, (c) action links, (e) a command naming the ticket -------------------------------------------


def test_cards_action_links_and_commands(bot: LiveBot, fake: FakeDingTalk, clock: Clock) -> None:
    bot.runtime.run_rules()
    deliver(bot, clock)
    opened = douyin_tickets(bot)
    assert opened, "no #douyin-ops ticket on small_db"
    posted = cards(fake)
    assert sorted(ticket_of(c) for c in posted) == sorted(t.ticket_no for t in opened)  # one card per ticket
    assert len(fake.requests) == len(posted)  # and nothing else went to DingTalk
    for card in posted:
        assert card.query["access_token"] == "tok123"
        stamp = int(card.query["timestamp"])
        assert card.query["sign"] == compute_sign(ROBOT_SECRET, stamp)
        assert abs(stamp - ms(bot)) <= MAX_SKEW_MS
        assert "%2F" in card.raw_query or "%2B" in card.raw_query or "%3D" in card.raw_query  # sign url-encoded
        ticket = next(t for t in opened if t.ticket_no == ticket_of(card))
        if ticket.owner == "李娜":
            assert LINA in card.body["at"]["atUserIds"] and f"@{LINA}" in card.body["actionCard"]["text"]
        btns = card.body["actionCard"]["btns"]
        assert {b["title"] for b in btns} >= {"认领", "关闭"}
        assert all(re.fullmatch(re.escape(bot.url) + r"/actions/[^/]+", b["actionURL"]) for b in btns)
    assert any(LINA in c.body["at"]["atUserIds"] for c in posted)
    before = len(fake.requests)
    deliver(bot, clock, passes=3)
    assert len(fake.requests) == before  # another settle posts nothing

    # (c) the Ack link: a confirm page naming the ticket, then 李娜 confirms
    card = posted[0]
    number = ticket_of(card)
    ack = next(b["actionURL"] for b in card.body["actionCard"]["btns"] if b["title"] == "认领")
    anonymous = httpx.get(ack, timeout=30)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/auth/login?next=%2Factions")
    with bot.http_as("李娜") as http:
        page = http.get(ack)
        assert page.status_code == 200 and number in page.text and "认领" in page.text
        assert "待处理" in page.text and "<b>李娜</b>" in page.text  # where it stands; who is acting
        assert bot.runtime.service.get(number).ticket.status == "open"  # looking changes nothing
        done = http.post(ack, data={"csrf": http.headers["X-CSRF-Token"]})
    assert done.status_code == 200, done.text
    history = bot.runtime.service.get(number)
    assert history.ticket.status == "acknowledged"
    event = history.events[-1]
    assert (event.action, event.actor, event.platform) == ("ack", "李娜", "dingtalk")
    deliver(bot, clock, passes=3)
    versions = [c for c in cards(fake) if ticket_of(c) == number]
    assert len(versions) == 2 and "已认领" in shown(versions[1])  # robots cannot edit: a superseding card

    # (e) a command in the conversation naming the ticket
    r = post(bot, callback(bot, f"关闭 {number} 已补货", user=LINA, nick="李娜"))
    assert r.status_code == 200, r.text
    bot.settle()
    history = bot.runtime.service.get(number)
    assert history.ticket.status == "closed"
    assert history.events[-1].note == "已补货" and history.events[-1].platform == "dingtalk"
    assert history.events[-1].actor == "李娜"
    confirm = wait_for(lambda: replies(fake))
    assert len(confirm) == 1 and number in shown(confirm[0])
    deliver(bot, clock, passes=3)
    versions = [c for c in cards(fake) if ticket_of(c) == number]
    assert len(versions) == 3 and "已关闭" in shown(versions[2])


# --- (d) tampered and expired links ---------------------------------------------------------------------


def test_tampered_or_expired_links_change_nothing(bot: LiveBot, fake: FakeDingTalk, clock: Clock) -> None:
    bot.runtime.run_rules()
    deliver(bot, clock)
    card = cards(fake)[0]
    number = ticket_of(card)
    ack = next(b["actionURL"] for b in card.body["actionCard"]["btns"] if b["title"] == "认领")
    base, token = ack.rsplit("/", 1)
    payload, mac = token.split(".")
    forged = sign_action("not-the-secret", "close", number, "dingtalk:李娜", int(time.time()) + 3600)
    expired = sign_action(bot.runtime.config.secret, "ack", number, "dingtalk:李娜", int(time.time()) - 10)
    sent = len(fake.requests)
    with bot.http_as("李娜") as http:
        form = {"csrf": http.headers["X-CSRF-Token"]}
        for bad in (f"{payload}.{mac[:-2]}xx", f"{payload}x.{mac}", forged):
            assert http.get(f"{base}/{bad}").status_code == 401
            assert http.post(f"{base}/{bad}", data=form).status_code == 401
        assert http.get(f"{base}/{expired}").status_code == 410
        assert http.post(f"{base}/{expired}", data=form).status_code == 410
        assert http.post(f"{base}/{forged}").status_code == 401  # the token is checked before the form
        assert http.post(ack, data={"csrf": "not-this-sessions"}).status_code == 403  # a genuine link, a forged form
        nowhere = sign_action(
            bot.runtime.config.secret, "ack", "T-20990101-9999", "dingtalk:李娜", int(time.time()) + 60
        )
        assert http.get(f"{base}/{nowhere}").status_code == 404
        assert http.post(f"{base}/{nowhere}", data=form).status_code == 404
    deliver(bot, clock, passes=3)
    assert bot.runtime.service.get(number).ticket.status == "open"
    assert [e.action for e in bot.runtime.service.get(number).events if e.action in ("ack", "close")] == []
    assert len(fake.requests) == sent


# --- (f) signatures -------------------------------------------------------------------------------------


def test_bad_or_stale_signatures_are_rejected_and_change_nothing(bot: LiveBot, fake: FakeDingTalk) -> None:
    body = callback(bot, "上周各渠道的GMV是多少？")
    now = ms(bot)
    good = signed(now)
    cases = {
        "tampered": {**good, "sign": good["sign"][:-2] + "A="},
        "other secret": signed(now, secret="not-the-secret"),
        "missing": {},
        "no timestamp": {"sign": good["sign"]},
        "stale": signed(now - MAX_SKEW_MS - 1000),
        "future": signed(now + MAX_SKEW_MS + 1000),
    }
    for name, headers in cases.items():
        assert post(bot, body, headers).status_code == 401, name
    bot.settle()
    assert fake.requests == [] and bot.runtime.service.list_tickets() == []
    assert post(bot, body, signed(now - MAX_SKEW_MS + 60_000)).status_code == 200  # 59 min old: still fine


def test_robot_signing_vector() -> None:
    """The robot sign (base64 HMAC-SHA256 of "timestamp\\nsecret", URL-encoded in the query), on a fixed vector
    cross-checked with ``openssl dgst -sha256 -hmac`` (protocols.md gives the formula, no DingTalk vector)."""
    secret, stamp = "SEC0123456789abcdef", 1763798400000
    assert compute_sign(secret, stamp) == "0KWCcvdc2zzxjF/IUEoZi1oBhewg5SXWxfyrZTePzS8="
    url = signed_webhook_url(ROBOT_WEBHOOK, secret, now=lambda: stamp / 1000)
    assert url == (
        "https://oapi.dingtalk.com/robot/send?access_token=tok123&timestamp=1763798400000"
        "&sign=0KWCcvdc2zzxjF%2FIUEoZi1oBhewg5SXWxfyrZTePzS8%3D"
    )


# --- (g) redelivery, (h) robot errors --------------------------------------------------------------------


def test_the_same_msg_id_twice_is_handled_once(bot: LiveBot, fake: FakeDingTalk) -> None:
    body = callback(bot, "上周各渠道的GMV是多少？", msg_id="msgSAME")
    assert post(bot, body).status_code == 200
    assert post(bot, body).status_code == 200
    bot.settle()
    time.sleep(0.2)
    bot.settle()
    assert len(replies(fake)) == 1


def test_429_and_500_from_the_robot_are_retried_and_each_card_is_delivered_once(
    bot: LiveBot, fake: FakeDingTalk, clock: Clock
) -> None:
    fake.push(Reply(status=429, body={"errcode": 429, "errmsg": "too many"}, headers={"Retry-After": "1"}))
    fake.push(Reply(status=500, body={"errcode": -1, "errmsg": "busy"}))
    bot.runtime.run_rules()
    deliver(bot, clock)
    sent = [r for r in fake.requests if r.path == "/robot/send"]
    posted = cards(fake)
    assert len(sent) == len(posted) + 2  # the 429 and the 500 were really sent
    assert sorted(ticket_of(c) for c in posted) == sorted(t.ticket_no for t in douyin_tickets(bot))


def test_send_too_fast_throttles_the_robot_for_ten_minutes_and_every_card_still_arrives_once(
    tmp_path: Path, small_db: Path, fake: FakeDingTalk, clock: Clock
) -> None:
    """DingTalk answers 130101 once: the robot keeps off DingTalk for the 10-minute throttle (the other cards
    due meanwhile are held back without a request), then every card is posted exactly once."""
    two_groups = CONFIG.replace(
        f'"web:#douyin-ops": ["dingtalk:{GROUP}"]',
        f'"web:#douyin-ops": ["dingtalk:{GROUP}"]\n  "web:#cs": ["dingtalk:客服群"]',
    )
    fake.push(errcode(130101, "send too fast, exceed 20 times per minute"))
    with live_bot(config_file(tmp_path, two_groups), _env(tmp_path, small_db, fake), clock=clock) as b:
        b.runtime.run_rules()
        tickets = [t for t in b.runtime.service.list_tickets() if {"web:#douyin-ops", "web:#cs"} & set(t.channels)]
        assert len(tickets) >= 2
        b.settle()
        assert len(fake.rejected(130101)) == 1 and len(fake.requests) == 1  # the others waited
        deliver(b, clock, passes=24)  # two minutes on: still inside DingTalk's 10-minute throttle
        assert len(fake.requests) == 1
        clock.advance(600)
        deliver(b, clock)
        assert sorted(ticket_of(c) for c in cards(fake)) == sorted(t.ticket_no for t in tickets)
        assert len(fake.rejected(130101)) == 1
        owners = {t.ticket_no: t.owner for t in tickets}
        assert {"王芳", "李娜"} <= set(owners.values())
        for card in cards(fake):  # 王芳's id is a mobile number: atMobiles; 李娜's a staff id: atUserIds
            if owners[ticket_of(card)] == "王芳":
                assert card.body["at"]["atMobiles"] == ["13800000003"], card.body
            if owners[ticket_of(card)] == "李娜":
                assert card.body["at"]["atUserIds"] == [LINA], card.body


def test_the_robots_20_a_minute_is_kept_and_a_card_over_it_waits_rather_than_drops(
    bot: LiveBot, fake: FakeDingTalk, clock: Clock
) -> None:
    """20 answers through the group robot (expired session webhooks) use the robot's minute; the card that
    follows is held back by opsbot (a retryable DeliveryError with retry_after, no request to DingTalk) and
    posted once the minute has passed. The fake, like DingTalk, would answer 130101 to a 21st message."""
    for i in range(20):
        assert post(bot, callback(bot, "帮助", expires_in_ms=-1000, msg_id=f"help{i}")).status_code == 200
    bot.settle()
    assert len(wait_for(lambda: (a := fake.accepted("/robot/send")) and len(a) == 20 and a)) == 20
    bot.runtime.run_rules()
    bot.settle()
    assert len(fake.requests) == 20 and cards(fake) == []  # held back locally
    pending = bot.runtime.service.pending_outbox(clock() + dt.timedelta(seconds=61))
    assert pending and all("20 messages/minute" in (p.last_error or "") for p in pending)
    clock.advance(61)
    deliver(bot, clock)
    assert sorted(ticket_of(c) for c in cards(fake)) == sorted(t.ticket_no for t in douyin_tickets(bot))
    assert fake.rejected(130101) == []  # DingTalk's limit was never hit


def test_a_robot_with_the_wrong_secret_is_refused_and_its_card_is_parked_not_retried(
    tmp_path: Path, small_db: Path, fake: FakeDingTalk, clock: Clock
) -> None:
    env = {**_env(tmp_path, small_db, fake), "DINGTALK_ROBOT_SECRET": "SECnot-the-robots-secret"}
    with live_bot(config_file(tmp_path), env, clock=clock) as b:
        b.runtime.run_rules()
        deliver(b, clock, passes=3)
        refused = fake.rejected(310000)
        assert len(refused) == len(douyin_tickets(b)) >= 1 and cards(fake) == []
        deliver(b, clock, passes=6)
        assert len(fake.rejected(310000)) == len(refused)  # a permanent failure: parked with its error
        assert b.runtime.service.pending_outbox(clock()) == []


# --- Stream mode's handler, and its switch -----------------------------------------------------------------


def test_stream_handler_uses_the_same_parser_and_answers_through_the_session_webhook(
    bot: LiveBot, fake: FakeDingTalk
) -> None:
    """What the ChatbotHandler does with a Stream message's data (the websocket itself is not tested offline)."""
    now = lambda: bot.runtime.clock().timestamp()  # noqa: E731
    data = callback(bot, "帮助", conv="cidSTREAM")
    assert dingtalk_stream.handle(data, bot.runtime.submit, now) is True
    assert dingtalk_stream.handle(data, bot.runtime.submit, now) is False  # a redelivery
    assert dingtalk_stream.handle({"not": "a message"}, bot.runtime.submit, now) is False
    bot.settle()
    answers = wait_for(lambda: replies(fake, "cidSTREAM"))
    assert len(answers) == 1 and "认领" in shown(answers[0])


STREAM_ON = "platforms:\n  dingtalk:\n    stream: true\n"


def test_stream_switch_in_the_config(tmp_path: Path, small_db: Path, fake: FakeDingTalk) -> None:
    env = _env(tmp_path, small_db, fake)
    config_file(tmp_path)

    def yaml(name: str, extra: str) -> Path:
        path = tmp_path / name
        path.write_text(CONFIG + extra, encoding="utf-8")
        return path

    on = yaml("on.yaml", STREAM_ON)
    config = load_config(on, env)
    assert config.dingtalk is not None and config.dingtalk.stream is True
    assert load_config(yaml("off.yaml", ""), env).dingtalk.stream is False  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="stream"):
        load_config(yaml("bad.yaml", "platforms:\n  dingtalk:\n    stream: yes-please\n"), env)
    # with the SDK Stream mode runs (its gateway here: the fake, which refuses it); without, only HTTP.
    # Either way the signed HTTP callback still answers, and the bot stops promptly.
    with live_bot(on, env) as b:
        assert b.runtime.parts["dingtalk"].info["mode"] == ("stream" if dingtalk_stream.available() else "http")
        assert post(b, callback(b, "帮助")).status_code == 200
        b.settle()
        assert wait_for(lambda: replies(fake))
        started = time.monotonic()
    assert time.monotonic() - started < 10
    assert not stream_threads()


def stream_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "dingtalk-stream" and t.is_alive()]


def test_stream_client_starts_and_stops_without_a_connection(fake: FakeDingTalk) -> None:
    """The background thread's lifecycle only: the SDK is absent, or its gateway (the fake) refuses the
    connection, so it waits to reconnect; ``stop`` ends it promptly. No request leaves 127.0.0.1."""
    client = dingtalk_stream.StreamClient(
        "dingtestkey", APP_SECRET, lambda event: True, time.time, base_url=fake.base_url
    )
    client.start()
    time.sleep(0.3)
    started = time.monotonic()
    client.stop()
    assert time.monotonic() - started < 5
    assert client._thread is not None and not client._thread.is_alive()
    assert all(r.path == FakeDingTalk.GATEWAY for r in fake.requests)


# --- Stream mode through the real SDK (skipped where dingtalk-stream, the optional extra, is not installed) --


def stream_frame(data: dict[str, Any], message_id: str) -> dict[str, Any]:
    """A CALLBACK frame as DingTalk's Stream gateway sends a robot message."""
    headers = {"topic": "/v1.0/im/bot/messages/get", "messageId": message_id, "contentType": "application/json"}
    return {"specVersion": "1.0", "type": "CALLBACK", "headers": headers, "data": json.dumps(data)}


def test_the_sdk_chatbot_handler_takes_a_message_and_acks_it(bot: LiveBot, fake: FakeDingTalk) -> None:
    sdk = pytest.importorskip("dingtalk_stream")
    handler = dingtalk_stream.chatbot_handler(bot.runtime.submit, lambda: bot.runtime.clock().timestamp())
    assert isinstance(handler, sdk.ChatbotHandler)
    message = sdk.CallbackMessage.from_dict(stream_frame(callback(bot, "帮助", conv="cidSDK"), "frame-1"))
    ack = asyncio.run(handler.raw_process(message))
    assert ack.code == 200 and ack.headers.message_id == "frame-1"
    bot.settle()
    answers = wait_for(lambda: replies(fake, "cidSDK"))
    assert len(answers) == 1 and "认领" in shown(answers[0])


def test_stream_mode_over_a_live_websocket(tmp_path: Path, small_db: Path, fake: FakeDingTalk, clock: Clock) -> None:
    """The whole Stream path offline: the SDK opens its connection at the gateway (the fake, through
    OPSBOT_DINGTALK_API_URL), a robot message arrives as a CALLBACK frame over a real WebSocket, the answer goes
    out through the sessionWebhook, the frame is acked, a redelivered frame is handled once, and the bot stops."""
    pytest.importorskip("dingtalk_stream")
    with FakeStreamGateway() as gateway:
        fake.stream_endpoint = gateway.url
        path = config_file(tmp_path)
        path.write_text(CONFIG + STREAM_ON, encoding="utf-8")
        with live_bot(path, _env(tmp_path, small_db, fake), clock=clock) as b:
            assert b.runtime.parts["dingtalk"].info["mode"] == "stream"
            assert gateway.connected.wait(15)
            opened = [r for r in fake.requests if r.path == FakeDingTalk.GATEWAY]
            assert opened and opened[0].body["clientId"] == "dingtestkey"
            assert opened[0].body["subscriptions"] == [{"type": "CALLBACK", "topic": "/v1.0/im/bot/messages/get"}]
            data = callback(b, "上周各渠道的GMV是多少？", conv="cidWS", msg_id="msgWS")
            gateway.send_callback(data, message_id="frame-1")
            gateway.send_callback(data, message_id="frame-2")  # DingTalk redelivers the same msgId
            acks = wait_for(lambda: len(gateway.acks) >= 2 and gateway.acks)
            assert {a["headers"]["messageId"] for a in acks} == {"frame-1", "frame-2"}
            assert all(a["code"] == 200 for a in acks)
            b.settle()
            answers = wait_for(lambda: replies(fake, "cidWS"))
            time.sleep(0.2)
            b.settle()
            assert len(replies(fake, "cidWS")) == 1 and "抖音" in shown(answers[0])
            started = time.monotonic()
        assert time.monotonic() - started < 10
        assert not stream_threads()


# --- named robots: one per group --------------------------------------------------------------------------

CS_WEBHOOK, CS_SECRET = "https://oapi.dingtalk.com/robot/send?access_token=tok-cs", "SECcs-robot-secret"
NAMED = CONFIG.replace(
    f'"web:#douyin-ops": ["dingtalk:{GROUP}"]',
    f'"web:#douyin-ops": ["dingtalk:{GROUP}", "dingtalk:客服群", "dingtalk:备用群"]',
).replace(
    "language: zh\n",
    "language: zh\nplatforms:\n  dingtalk:\n    robots:\n"
    "      客服群: {webhook: '${CS_WEBHOOK}', secret: '${CS_SECRET}'}\n",
)


def test_a_named_robot_posts_its_group_and_each_robot_is_paced_on_its_own(
    tmp_path: Path, small_db: Path, fake: FakeDingTalk, clock: Clock
) -> None:
    """``dingtalk:客服群`` is posted by the robot named so, signed with its own secret (the fake checks it);
    the other two groups by the default robot, which is one sender: its 3 s spacing holds across both."""
    fake.secrets["tok-cs"] = CS_SECRET
    env = _env(tmp_path, small_db, fake) | {"CS_WEBHOOK": CS_WEBHOOK, "CS_SECRET": CS_SECRET}
    with live_bot(config_file(tmp_path, NAMED), env, clock=clock) as b:
        assert b.runtime.parts["dingtalk"].info["robots"] == "客服群"
        b.runtime.run_rules()
        opened = sorted(t.ticket_no for t in douyin_tickets(b))
        assert opened
        b.settle()
        tokens = [c.query["access_token"] for c in cards(fake)]
        assert sorted(tokens) == ["tok-cs", "tok123"]  # one post per robot in the first pass, the rest paced
        deliver(b, clock, passes=30)
        by_token: dict[str, list[str]] = {}
        for card in cards(fake):
            by_token.setdefault(card.query["access_token"], []).append(ticket_of(card))
        assert sorted(by_token["tok-cs"]) == opened  # one card per ticket in 客服群
        assert sorted(by_token["tok123"]) == sorted(opened * 2)  # and one in each of the default robot's groups
        assert fake.rejected(310000) == [] and fake.rejected(130101) == []

        # a click on the named robot's card: the superseding card comes from the same robot
        card = next(c for c in cards(fake) if c.query["access_token"] == "tok-cs")
        number = ticket_of(card)
        ack = next(x["actionURL"] for x in card.body["actionCard"]["btns"] if x["title"] == "认领")
        with b.http_as("李娜") as http:
            assert http.post(ack, data={"csrf": http.headers["X-CSRF-Token"]}).status_code == 200
        deliver(b, clock, passes=6)
        again = [c for c in cards(fake) if c.query["access_token"] == "tok-cs" and ticket_of(c) == number]
        assert len(again) == 2 and "已认领" in shown(again[1])


def test_without_a_default_robot_an_unknown_group_is_skipped_with_the_nearest_name(
    tmp_path: Path, small_db: Path, fake: FakeDingTalk
) -> None:
    text = NAMED.replace('"dingtalk:备用群"', '"dingtalk:客服"')
    env = _env(tmp_path, small_db, fake, robot=False) | {"CS_WEBHOOK": CS_WEBHOOK, "CS_SECRET": CS_SECRET}
    config = load_config(config_file(tmp_path, text), env)
    assert config.channels["web:#douyin-ops"] == ("dingtalk:客服群",)
    warned = "\n".join(str(w) for w in config.warnings)
    assert f"dingtalk:{GROUP} skipped — DingTalk has no robot_webhook or a robot named '{GROUP}'" in warned
    assert "dingtalk:客服 skipped" in warned and "did you mean 客服群?" in warned
