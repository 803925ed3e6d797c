"""Slack end to end: signed Events API / slash command / interactivity requests over real HTTP to the live bot
(uvicorn, bolt behind ``POST /slack/events``), and the real slack_sdk WebClient answering through a local fake
Slack Web API that records every call."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from adapters.base import InvalidSignature, StaleRequest
from adapters.slack.verify import SlackVerifier
from tests.fake_slack import BOT_ID, BOT_USER, Call, FakeSlack, rate_limited, server_error
from tests.live_bot import Clock, LiveBot, bot_env, deliver, live_bot, platform_config, wait_for

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
SECRET = "test-signing-secret"
OPS = "C_OPS"
LINA = "U02LINA"
CONFIG = f"""
language: zh
rules: {{dir: rules}}
channels:
  "web:#douyin-ops": ["slack:{OPS}"]
people:
  - name: 张伟
    ids: {{slack: U01ZHANG}}
  - name: 李娜
    ids: {{slack: {LINA}}}
  - name: 王芳
    ids: {{slack: U03WANG}}
"""


@pytest.fixture()
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as f:
        yield f


@pytest.fixture()
def clock() -> Clock:
    return Clock(NOW)


def _env(tmp_path: Path, small_db: Path, fake: FakeSlack, secret: str = SECRET) -> dict[str, str]:
    return bot_env(
        tmp_path,
        small_db,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=secret,
        OPSBOT_SLACK_API_URL=fake.base_url,
    )


@pytest.fixture()
def bot(tmp_path: Path, small_db: Path, fake: FakeSlack, clock: Clock) -> Iterator[LiveBot]:
    with live_bot(platform_config(tmp_path, CONFIG), _env(tmp_path, small_db, fake), clock=clock) as b:
        yield b


# --- requests as Slack sends them ---------------------------------------------------------------------------

_ids = itertools.count(1)


def signed(body: str, ts: float, secret: str = SECRET) -> dict[str, str]:
    stamp = str(int(ts))
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": SlackVerifier(secret).sign(stamp, body)}


def post(bot: LiveBot, body: str, *, form: bool = False, headers: dict[str, str] | None = None) -> httpx.Response:
    ts = bot.runtime.clock().timestamp()
    kind = "application/x-www-form-urlencoded" if form else "application/json"
    all_headers = {"Content-Type": kind, **signed(body, ts), **(headers or {})}
    with bot.http() as http:
        return http.post("/slack/events", content=body.encode(), headers=all_headers)


def envelope(event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "ZZZZZZWSxiZZZ2yIvs3peJ",
            "team_id": "T0FAKE",
            "api_app_id": "A0FAKE",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": 1700000000,
            "authorizations": [{"team_id": "T0FAKE", "user_id": BOT_USER, "is_bot": True}],
        },
        ensure_ascii=False,
    )


def mention(text: str, ts: str, channel: str = "C1", user: str = "U01ZHANG", thread: str | None = None) -> str:
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": channel}
    if thread:
        event["thread_ts"] = thread
    return envelope(event)


def message(text: str, ts: str, *, thread: str | None, channel: str = "C1", user: str = "U01ZHANG", **more: Any) -> str:
    event = {"type": "message", "channel": channel, "channel_type": "channel", "user": user, "text": text, "ts": ts}
    if thread:
        event["thread_ts"] = thread
    return envelope({**event, **more})


def click(action: str, value: str, card_ts: str, user: str = LINA, name: str = "lina") -> str:
    ts = str(card_ts)
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": name, "name": name, "team_id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "token": "ZZZZZZWSxiZZZ2yIvs3peJ",
        "container": {"type": "message", "message_ts": ts, "channel_id": OPS, "is_ephemeral": False},
        "trigger_id": f"{next(_ids)}.1.abc",
        "team": {"id": "T0FAKE", "domain": "fake"},
        "channel": {"id": OPS, "name": "douyin-ops"},
        "message": {"type": "message", "ts": ts, "text": "card", "bot_id": BOT_ID},
        "response_url": "https://hooks.slack.com/actions/T0FAKE/1/xyz",
        "actions": [
            {
                "type": "button",
                "action_id": action,
                "block_id": "b1",
                "value": value,
                "text": {"type": "plain_text", "text": action},
                "action_ts": "1700000999.000001",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)})


def slash(text: str, response_url: str, channel: str = "C1") -> str:
    return urlencode(
        {
            "token": "ZZZZZZWSxiZZZ2yIvs3peJ",
            "team_id": "T0FAKE",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": "U01ZHANG",
            "user_name": "zhangwei",
            "command": "/opsbot",
            "text": text,
            "response_url": response_url,
            "trigger_id": f"{next(_ids)}.2.def",
        }
    )


# --- what the fake saw ----------------------------------------------------------------------------------------


def shown(call: Call) -> str:
    """Everything a user sees of a posted/updated message: fallback text and the blocks."""
    blocks = call.body.get("blocks")
    parsed = json.loads(blocks) if isinstance(blocks, str) else blocks or []
    return str(call.body.get("text", "")) + json.dumps(parsed, ensure_ascii=False)


def buttons(call: Call) -> list[dict[str, Any]]:
    blocks = call.body.get("blocks")
    parsed = json.loads(blocks) if isinstance(blocks, str) else blocks or []
    return [e for b in parsed if b.get("type") == "actions" for e in b["elements"]]


def ticket_of(call: Call) -> str:
    return str(buttons(call)[0]["value"])


def cards(fake: FakeSlack) -> list[Call]:
    """The ticket cards the fake accepted in C_OPS."""
    return [c for c in fake.posts(OPS) if buttons(c) and fake.ts_of(c)]


# --- (a) ask by @-mention, follow up in the thread without one -----------------------------------------------


def test_mention_is_answered_in_its_thread_and_a_plain_reply_follows_up(bot: LiveBot, fake: FakeSlack) -> None:
    root = "1700000100.000100"
    r = post(bot, mention("上周各渠道的GMV是多少？", root))
    assert r.status_code == 200, r.text
    # Slack also sends the `message` copy of a mention, and the bot sees its own posts: both ignored
    assert post(bot, message(f"<@{BOT_USER}> 上周各渠道的GMV是多少？", root, thread=None)).status_code == 200
    bot.settle()
    answers = wait_for(lambda: fake.posts("C1"))
    assert len(answers) == 1
    assert answers[0].body.get("thread_ts") == root
    assert "抖音" in shown(answers[0]) and "天猫" in shown(answers[0]) and "成交金额" in shown(answers[0])

    own = message("GMV 结果", "1700000100.000150", thread=root, user=BOT_USER, bot_id=BOT_ID)
    assert post(bot, own).status_code == 200
    edit = message("x", "1700000100.000160", thread=root, subtype="message_changed")
    assert post(bot, edit).status_code == 200
    r = post(bot, message("那抖音呢", "1700000100.000200", thread=root))
    assert r.status_code == 200, r.text
    bot.settle()
    answers = wait_for(lambda: (a := fake.posts("C1")) and len(a) >= 2 and a)
    assert len(answers) == 2
    follow = answers[1]
    assert follow.body.get("thread_ts") == root
    assert "抖音" in shown(follow), shown(follow)
    # the chart went up through files_upload_v2's three steps, into the same thread
    steps = [c.method for c in fake.calls if c.method.startswith("files.") or c.method == "upload"]
    assert steps[:3] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    assert b"\x89PNG" in fake.calls_to("upload")[0].raw
    done = fake.calls_to("files.completeUploadExternal")[0].body
    assert (done["channel_id"], done["thread_ts"]) == ("C1", root)
    assert fake.calls_to("auth.test") == []  # the bot's own id came from the envelopes' authorizations

    # a plain message in a thread the bot has no part in is left alone
    assert post(bot, message("午饭吃什么", "1700000300.000200", thread="1700000300.000100")).status_code == 200
    bot.settle()
    assert len(fake.posts("C1")) == 2


# --- (b) cards, (c) button clicks, (d) thread commands ------------------------------------------------------


def test_cards_buttons_and_thread_commands(bot: LiveBot, fake: FakeSlack, clock: Clock) -> None:
    bot.runtime.run_rules()
    deliver(bot, clock)
    opened = [t for t in bot.runtime.service.list_tickets() if "web:#douyin-ops" in t.channels]
    assert opened, "no #douyin-ops ticket on small_db"
    posted = cards(fake)
    assert sorted(ticket_of(c) for c in posted) == sorted(t.ticket_no for t in opened)  # one card per ticket
    for card in posted:
        ticket = next(t for t in opened if t.ticket_no == ticket_of(card))
        if ticket.owner == "李娜":
            assert f"<@{LINA}>" in shown(card)
        assert {b["action_id"] for b in buttons(card)} >= {"ack", "close"}
        assert all(b["value"] == ticket.ticket_no for b in buttons(card) if not b.get("url"))
    assert any(f"<@{LINA}>" in shown(c) for c in posted)
    before = len(fake.calls)
    deliver(bot, clock, passes=3)
    assert [c.method for c in fake.calls[before:]] == []  # another settle posts nothing

    # (c) 李娜 clicks Ack on the first card → that card is updated in place
    card = posted[0]
    number, ts = ticket_of(card), fake.ts_of(card)
    assert ts is not None
    r = post(bot, click("ack", number, ts), form=True)
    assert r.status_code == 200, r.text
    deliver(bot, clock, passes=3)
    updates = [c for c in fake.calls_to("chat.update") if c.body.get("ts") == ts]
    assert len(updates) == 1 and updates[0].body.get("channel") == OPS
    assert "已认领" in shown(updates[0]), shown(updates[0])
    history = bot.runtime.service.get(number)
    assert history.ticket.status == "acknowledged"
    ack = history.events[-1]
    assert (ack.action, ack.actor, ack.platform) == ("ack", "李娜", "slack")

    # (d) a plain reply in the card's thread: closed with the note, the card updated again
    r = post(bot, message("关闭 已补货", "1700000500.000100", thread=ts, channel=OPS, user=LINA))
    assert r.status_code == 200, r.text
    deliver(bot, clock, passes=3)
    history = bot.runtime.service.get(number)
    assert history.ticket.status == "closed"
    assert history.events[-1].note == "已补货" and history.events[-1].platform == "slack"
    updates = [c for c in fake.calls_to("chat.update") if c.body.get("ts") == ts]
    assert len(updates) == 2 and "已关闭" in shown(updates[-1])
    confirm = [c for c in fake.posts(OPS) if c.body.get("thread_ts") == ts]
    assert len(confirm) == 1 and number in shown(confirm[0])
    assert len(cards(fake)) == len(posted)  # still one card per ticket


# --- (e) signatures ----------------------------------------------------------------------------------------


def test_bad_or_stale_signatures_are_rejected_and_change_nothing(bot: LiveBot, fake: FakeSlack) -> None:
    body = mention("上周各渠道的GMV是多少？", "1700000600.000100")
    now = bot.runtime.clock().timestamp()
    good = signed(body, now)
    cases = {
        "tampered": {**good, "X-Slack-Signature": good["X-Slack-Signature"][:-1] + "0"},
        "other secret": signed(body, now, secret="not-the-secret"),
        "missing": {},
        "stale": signed(body, now - 301),
        "future": signed(body, now + 301),
    }
    with bot.http() as http:
        for name, headers in cases.items():
            r = http.post("/slack/events", content=body, headers={"Content-Type": "application/json", **headers})
            assert r.status_code == 401, name
        r = http.post("/slack/events", content=click("ack", "T-1", "1.2"), headers=signed("x", now))
        assert r.status_code == 401
    bot.settle()
    assert fake.calls == [] and bot.runtime.service.list_tickets() == []


# the official example of protocols.md, through SlackVerifier with an injected clock and through the live app
OFFICIAL_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
OFFICIAL_TS = 1531420618
OFFICIAL_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
OFFICIAL_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
OFFICIAL_HEADERS = {"X-Slack-Request-Timestamp": str(OFFICIAL_TS), "X-Slack-Signature": OFFICIAL_SIGNATURE}


def test_official_signing_example_with_an_injected_clock() -> None:
    verifier = SlackVerifier(OFFICIAL_SECRET, now=lambda: OFFICIAL_TS + 10)
    assert verifier.sign(str(OFFICIAL_TS), OFFICIAL_BODY) == OFFICIAL_SIGNATURE
    verifier.verify(OFFICIAL_HEADERS, OFFICIAL_BODY.encode())
    with pytest.raises(StaleRequest):
        SlackVerifier(OFFICIAL_SECRET, now=lambda: OFFICIAL_TS + 301).verify(OFFICIAL_HEADERS, OFFICIAL_BODY)
    with pytest.raises(InvalidSignature):
        verifier.verify(OFFICIAL_HEADERS, OFFICIAL_BODY.replace("roadrunner", "coyote"))


@pytest.mark.parametrize(("offset", "status"), [(10, 200), (301, 401)])
def test_official_example_over_http(tmp_path: Path, small_db: Path, fake: FakeSlack, offset: int, status: int) -> None:
    """The official request sent to the live app whose clock is the example's time (+10 s → taken and
    answered in the channel; +301 s → 401)."""
    when = Clock(dt.datetime.fromtimestamp(OFFICIAL_TS + offset, dt.UTC))
    env = _env(tmp_path, small_db, fake, secret=OFFICIAL_SECRET)
    with live_bot(platform_config(tmp_path, CONFIG), env, clock=when) as b, b.http() as http:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **OFFICIAL_HEADERS}
        r = http.post("/slack/events", content=OFFICIAL_BODY, headers=headers)
        assert r.status_code == status, r.text
        b.settle()
        if status == 200:
            answer = wait_for(lambda: fake.posts("G8PSS9T3V"))
            assert len(answer) == 1 and "thread_ts" not in answer[0].body
        else:
            assert fake.posts() == []


# --- (f) retries ----------------------------------------------------------------------------------------------


def test_a_redelivered_event_is_answered_once(bot: LiveBot, fake: FakeSlack) -> None:
    body = mention("上周各渠道的GMV是多少？", "1700000700.000100")
    assert post(bot, body).status_code == 200
    for n in (1, 2):
        retry = {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}
        assert post(bot, body, headers=retry).status_code == 200
    bot.settle()
    time.sleep(0.2)
    bot.settle()
    assert len(fake.posts("C1")) == 1


# --- (g) rate limits and server errors -------------------------------------------------------------------


def test_429_and_500_are_retried_and_the_card_is_delivered_once(bot: LiveBot, fake: FakeSlack, clock: Clock) -> None:
    fake.script("chat.postMessage", rate_limited("1"), server_error())
    bot.runtime.run_rules()
    deliver(bot, clock)
    failed = [c for c in fake.posts(OPS) if not fake.ts_of(c)]
    assert len(failed) == 2  # the 429 and the 500 were really sent
    opened = [t for t in bot.runtime.service.list_tickets() if "web:#douyin-ops" in t.channels]
    assert sorted(ticket_of(c) for c in cards(fake)) == sorted(t.ticket_no for t in opened)


# --- (h) url_verification and the slash command ---------------------------------------------------------


def test_url_verification_and_slash_command(bot: LiveBot, fake: FakeSlack) -> None:
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge, "type": "url_verification"})
    r = post(bot, body)
    assert r.status_code == 200 and challenge in r.text

    hook = fake.response_url()
    started = time.monotonic()
    r = post(bot, slash("帮助", hook), form=True)
    assert r.status_code == 200 and r.text == "", r.text  # an empty ack: the answer comes separately
    assert time.monotonic() - started < 1.0
    bot.settle()
    answer = wait_for(lambda: fake.calls_to("response_url"))
    assert len(answer) == 1 and answer[0].body["response_type"] == "in_channel"
    assert "认领" in shown(answer[0]) and "关闭" in shown(answer[0]), shown(answer[0])
    assert fake.posts() == []  # answered through the response_url, not posted


def test_mention_copies_are_dropped_even_without_authorizations(bot: LiveBot, fake: FakeSlack) -> None:
    """An envelope without ``authorizations``: the bot asks auth.test once who it is, and still drops the
    ``message`` copy of a mention made in a thread (answering the ``app_mention`` once)."""
    root = "1700000800.000100"

    def bare(body: str) -> str:
        doc = json.loads(body)
        del doc["authorizations"]
        return json.dumps(doc, ensure_ascii=False)

    assert post(bot, bare(mention("帮助", "1700000800.000200", thread=root))).status_code == 200
    copy = message(f"<@{BOT_USER}> 帮助", "1700000800.000200", thread=root)
    assert post(bot, bare(copy)).status_code == 200
    bot.settle()
    answers = wait_for(lambda: fake.posts("C1"))
    time.sleep(0.2)
    bot.settle()
    assert len(fake.posts("C1")) == 1 and answers[0].body.get("thread_ts") == root
    assert len(fake.calls_to("auth.test")) == 1
