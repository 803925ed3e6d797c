"""DingTalk end to end: signed enterprise-app robot callbacks over real HTTP to the live bot
(``POST /dingtalk/callback``), answers through each message's sessionWebhook, ticket cards as signed actionCards
from the custom group robot, and their signed action links (``/actions/<token>``) — all DingTalk traffic goes to
a local fake DingTalk that records every request. Stream mode's handler is tested without the network (its
websocket itself is not tested offline)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.action_links import sign_action
from adapters.dingtalk.signing import MAX_SKEW_MS, compute_sign, signed_webhook_url
from alerts.rules.load import default_rules_dir
from bot import dingtalk_stream
from bot.config import ConfigError, load_config
from tests.fake_dingtalk import FakeDingTalk, Reply, Request
from tests.live_bot import LiveBot, live_bot, write_config

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
APP_SECRET = "test-app-secret"
ROBOT_SECRET = "SECtest-robot-secret"
ROBOT_WEBHOOK = "https://oapi.dingtalk.com/robot/send?access_token=tok123"
GROUP = "抖音运营群"
CONV = "cidOPS=="
LINA = "lina01"
ZHANG = "zhangwei01"
TICKET = re.compile(r"T-\d{8}-\d{4}")
# the demo rules, plus one that always fires in #douyin-ops (owner 李娜): small_db trips none of the demo's there
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


class Clock:
    """The bot's clock: pinned, moved on by the test (pacing and retry waits pass without sleeping)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture()
def fake() -> Iterator[FakeDingTalk]:
    with FakeDingTalk() as f:
        yield f


@pytest.fixture()
def clock() -> Clock:
    return Clock(NOW)


def _env(tmp_path: Path, small_db: Path, fake: FakeDingTalk, robot: bool = True) -> dict[str, str]:
    env = {
        "OPSBOT_WAREHOUSE": str(small_db),
        "OPSBOT_DATA_DIR": str(tmp_path / "data"),
        "DINGTALK_APP_KEY": "dingtestkey",
        "DINGTALK_APP_SECRET": APP_SECRET,
        "OPSBOT_DINGTALK_API_URL": fake.base_url,
    }
    if robot:
        env.update(DINGTALK_ROBOT_WEBHOOK=ROBOT_WEBHOOK, DINGTALK_ROBOT_SECRET=ROBOT_SECRET)
    return env


def config_file(tmp_path: Path, text: str = CONFIG) -> Path:
    rules = tmp_path / "rules"
    if not rules.exists():
        shutil.copytree(default_rules_dir(), rules)
        (rules / "douyin_test.yaml").write_text(DOUYIN_RULE, encoding="utf-8")
    return write_config(tmp_path, text)


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


def post(bot: LiveBot, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    with bot.http() as http:
        return http.post(
            "/dingtalk/callback",
            content=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", **(headers if headers is not None else signed(ms(bot)))},
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


def wait_for(fn: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (got := fn()):
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)
    return got


def deliver(bot: LiveBot, clock: Clock, passes: int = 12) -> None:
    """Delivery passes with the clock moved past the robot's pacing and any Retry-After."""
    for _ in range(passes):
        clock.advance(5)
        bot.settle()


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
    assert "抖音" in shown(answers[0]) and "天猫" in shown(answers[0]) and "成交金额" in shown(answers[0])
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
    with httpx.Client(timeout=30) as http:
        page = http.get(ack)
        assert page.status_code == 200 and number in page.text and "认领" in page.text
        assert bot.runtime.service.get(number).ticket.status == "open"  # looking changes nothing
        done = http.post(ack, data={"who": "李娜"})
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
    with httpx.Client(timeout=30) as http:
        for bad in (f"{payload}.{mac[:-2]}xx", f"{payload}x.{mac}", forged):
            assert http.get(f"{base}/{bad}").status_code == 401
            assert http.post(f"{base}/{bad}", data={"who": "李娜"}).status_code == 401
        assert http.get(f"{base}/{expired}").status_code == 410
        assert http.post(f"{base}/{expired}", data={"who": "李娜"}).status_code == 410
        assert http.post(ack, data={"who": "  "}).status_code == 400  # a genuine link, but nobody named
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


def test_stream_switch_in_the_config(tmp_path: Path, small_db: Path, fake: FakeDingTalk) -> None:
    env = _env(tmp_path, small_db, fake)
    config_file(tmp_path)

    def yaml(name: str, extra: str) -> Path:
        path = tmp_path / name
        path.write_text(CONFIG + extra, encoding="utf-8")
        return path

    on = yaml("on.yaml", "platforms:\n  dingtalk:\n    stream: true\n")
    config = load_config(on, env)
    assert config.dingtalk is not None and config.dingtalk.stream is True
    assert load_config(yaml("off.yaml", ""), env).dingtalk.stream is False  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="stream"):
        load_config(yaml("bad.yaml", "platforms:\n  dingtalk:\n    stream: yes-please\n"), env)
    if not dingtalk_stream.available():  # without the SDK the bot keeps the HTTP callback
        with live_bot(on, env) as b:
            assert b.runtime.parts["dingtalk"].info["mode"] == "http"
            assert post(b, callback(b, "帮助")).status_code == 200


def test_stream_client_starts_and_stops_without_a_connection() -> None:
    """The background thread's lifecycle only (offline: the SDK is absent or cannot connect, so it waits to
    reconnect); ``stop`` ends it promptly."""
    client = dingtalk_stream.StreamClient("dingtestkey", APP_SECRET, lambda event: True, time.time)
    client.start()
    time.sleep(0.2)
    started = time.monotonic()
    client.stop()
    assert time.monotonic() - started < 5
    assert client._thread is not None and not client._thread.is_alive()
