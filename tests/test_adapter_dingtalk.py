"""DingTalk adapter: both HMAC schemes, callback parsing, rendering, action links, and the real robot client
over HTTP against a local fake DingTalk server (tests/fake_dingtalk.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest
from fake_dingtalk import FakeDingTalk, Reply, errcode

from adapters.action_links import action_url, sign_action, verify_action
from adapters.base import Adapter, Button, DeliveryError, Image, InvalidSignature, Mention, Message, StaleRequest, Table
from adapters.dingtalk.adapter import DingTalkAdapter
from adapters.dingtalk.inbound import MalformedCallback, parse_callback, session_webhook_expired
from adapters.dingtalk.ratelimit import RateLimiter
from adapters.dingtalk.render import render
from adapters.dingtalk.robot import DingTalkRobot, rebase
from adapters.dingtalk.signing import CallbackVerifier, compute_sign, signed_webhook_url
from bot.config.load import load_config

ROBOT_SECRET = "SEC0123456789abcdef"
TS = 1763798400000  # 2025-11-22 08:00:00 UTC, in ms
# base64(HMAC-SHA256(key=secret, msg="1763798400000\nSEC0123456789abcdef")), cross-checked with `openssl dgst -hmac`
ROBOT_SIGN = "0KWCcvdc2zzxjF/IUEoZi1oBhewg5SXWxfyrZTePzS8="
ROBOT_SIGN_URLENCODED = "0KWCcvdc2zzxjF%2FIUEoZi1oBhewg5SXWxfyrZTePzS8%3D"
APP_SECRET = "app-secret-XYZ"
APP_TS = "1763798400123"
APP_SIGN = "WrI8MkjVZJNxEAfC1I2InCmlPOKseKNhOEHRMYDDhUA="
WEBHOOK = "https://oapi.dingtalk.com/robot/send?access_token=tok123"


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def reference_sign(secret: str, timestamp: int | str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --- signing -----------------------------------------------------------------------------------------------


def test_fixed_vectors() -> None:
    assert reference_sign(ROBOT_SECRET, TS) == ROBOT_SIGN
    assert compute_sign(ROBOT_SECRET, TS) == ROBOT_SIGN
    assert quote_plus(ROBOT_SIGN) == ROBOT_SIGN_URLENCODED
    assert compute_sign(APP_SECRET, APP_TS) == APP_SIGN


def test_signed_webhook_url_keeps_token_and_urlencodes_sign() -> None:
    url = signed_webhook_url(WEBHOOK, ROBOT_SECRET, now=Clock(TS / 1000))
    assert url == f"{WEBHOOK}&timestamp={TS}&sign={ROBOT_SIGN_URLENCODED}"


@pytest.mark.parametrize("secret", ["s", "SECxyz+/=", "密钥"])
def test_compute_sign_matches_reference(secret: str) -> None:
    assert compute_sign(secret, 1_700_000_000_000) == reference_sign(secret, 1_700_000_000_000)


def test_callback_verify_accepts_genuine_within_an_hour() -> None:
    for skew_s in (0, 3599, -3599):
        verifier = CallbackVerifier(APP_SECRET, now=Clock(int(APP_TS) / 1000 + skew_s))
        verifier.verify({"Timestamp": APP_TS, "Sign": APP_SIGN})  # header names are case-insensitive


def test_callback_verify_rejects_stale() -> None:
    for skew_s in (3601, -3601):
        verifier = CallbackVerifier(APP_SECRET, now=Clock(int(APP_TS) / 1000 + skew_s))
        with pytest.raises(StaleRequest):
            verifier.verify({"timestamp": APP_TS, "sign": APP_SIGN})


@pytest.mark.parametrize(
    "headers",
    [
        {"timestamp": APP_TS, "sign": APP_SIGN.replace("W", "X", 1)},  # tampered sign
        {"timestamp": str(int(APP_TS) + 1), "sign": APP_SIGN},  # tampered timestamp
        {"timestamp": APP_TS, "sign": quote_plus(APP_SIGN)},  # URL-encoded: the inbound sign is not
        {"timestamp": APP_TS},
        {"sign": APP_SIGN},
        {"timestamp": "abc", "sign": APP_SIGN},
    ],
)
def test_callback_verify_rejects_tampered(headers: dict[str, str]) -> None:
    verifier = CallbackVerifier(APP_SECRET, now=Clock(int(APP_TS) / 1000))
    with pytest.raises(InvalidSignature) as info:
        verifier.verify(headers)
    assert not isinstance(info.value, StaleRequest)


def test_callback_signed_with_other_secret_is_invalid() -> None:
    verifier = CallbackVerifier(APP_SECRET, now=Clock(int(APP_TS) / 1000))
    with pytest.raises(InvalidSignature):
        verifier.verify({"timestamp": APP_TS, "sign": reference_sign("other", APP_TS)})


# --- inbound -----------------------------------------------------------------------------------------------

NOW_S = 1_763_798_400.0
BOT_ID = "$:LWCP_v1:$botbotbot"


def group_callback(**override: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "conversationId": "cidG5xOe0Zw8a3==",
        "atUsers": [{"dingtalkId": BOT_ID}, {"dingtalkId": "$:LWCP_v1:$lisi", "staffId": "lisi01"}],
        "chatbotCorpId": "ding9f50b15bccd16741",
        "chatbotUserId": BOT_ID,
        "msgId": "msgU9p0Ln2bK8rA==",
        "senderNick": "张三",
        "isAdmin": False,
        "senderStaffId": "zhangsan01",
        "sessionWebhookExpiredTime": int(NOW_S * 1000) + 5_400_000,
        "createAt": int(NOW_S * 1000) - 100,
        "senderCorpId": "ding9f50b15bccd16741",
        "conversationType": "2",
        "senderId": "$:LWCP_v1:$zhangsan",
        "conversationTitle": "运营值班群",
        "isInAtList": True,
        "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=abc123",
        "text": {"content": "@opsbot 下周哪些SKU会断货? @lisi01"},
        "robotCode": "dingrobot123",
        "msgtype": "text",
    }
    body.update(override)
    return body


def test_parse_group_callback() -> None:
    event = parse_callback(group_callback(), bot_names=["opsbot"], now=Clock(NOW_S))
    assert event.platform == "dingtalk"
    assert event.event_id == "msgU9p0Ln2bK8rA=="
    assert event.chat == "cidG5xOe0Zw8a3=="
    assert event.user == "zhangsan01"
    assert event.user_name == "张三"
    assert event.text == "下周哪些SKU会断货? @lisi01"
    assert event.mentions == ("lisi01",)  # the bot itself is not a mention
    assert event.direct is False
    assert event.reply_url == "https://oapi.dingtalk.com/robot/sendBySession?session=abc123"
    assert event.raw["robotCode"] == "dingrobot123"


def test_parse_single_chat_callback_already_stripped() -> None:
    body = group_callback(
        conversationType="1", conversationId="cidSingle==", atUsers=[], text={"content": " GMV by channel last week"}
    )
    event = parse_callback(body, now=Clock(NOW_S))
    assert event.direct is True
    assert event.chat == "cidSingle=="
    assert event.text == "GMV by channel last week"
    assert event.mentions == ()


def test_parse_rich_text_and_sender_fallback() -> None:
    body = group_callback(
        msgtype="richText", content={"richText": [{"text": "认领 "}, {"downloadCode": "x"}, {"text": "T-12"}]}
    )
    del body["senderStaffId"]
    event = parse_callback(body, now=Clock(NOW_S))
    assert event.text == "认领 T-12"
    assert event.user == "$:LWCP_v1:$zhangsan"


def test_expired_session_webhook_is_not_offered() -> None:
    body = group_callback(sessionWebhookExpiredTime=int(NOW_S * 1000) - 1)
    event = parse_callback(body, now=Clock(NOW_S))
    assert event.reply_url is None
    assert session_webhook_expired(body, now=Clock(NOW_S))
    assert not session_webhook_expired(group_callback(), now=Clock(NOW_S))


@pytest.mark.parametrize("missing", ["msgId", "conversationId", "conversationType"])
def test_malformed_callback(missing: str) -> None:
    body = group_callback()
    del body[missing]
    with pytest.raises(MalformedCallback):
        parse_callback(body, now=Clock(NOW_S))


# --- render ------------------------------------------------------------------------------------------------


def test_render_plain_text_with_mentions() -> None:
    payload = render(Message(text="已认领", mentions=(Mention("13800138000"), Mention("lisi01"))))
    assert payload == {
        "msgtype": "text",
        "text": {"content": "已认领\n@13800138000 @lisi01"},
        "at": {"atMobiles": ["13800138000"], "atUserIds": ["lisi01"], "isAtAll": False},
    }


def test_render_markdown_with_table_footer_and_mentions() -> None:
    message = Message(
        text="GMV by channel",
        title="GMV 上周",
        markdown="**GMV** by channel, 2026-11-09 – 2026-11-15",
        table=Table(columns=("channel", "GMV"), rows=(("Douyin", "1,234"), ("Tmall|JD", "99"))),
        footer="口径: GMV = sum(order_amount)",
        mentions=(Mention("lisi01"),),
    )
    payload = render(message)
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"] == "GMV 上周"
    # DingTalk markdown has no tables: the rows are list lines, values lined up; markup in strings is inert
    assert payload["markdown"]["text"] == (
        "### GMV 上周\n\n**GMV** by channel, 2026-11-09 – 2026-11-15\n\n"
        "**channel\u3000\u3000GMV**\n- Douyin\u3000\u2002\u30001,234\n- Tmall｜JD\u300099\n\n"
        "> 口径: GMV = sum(order_amount)\n\n@lisi01"
    )
    assert payload["at"]["atUserIds"] == ["lisi01"]


def test_render_markdown_title_falls_back_to_first_line_and_image_alt() -> None:
    payload = render(Message(text="first line\nsecond", image=Image(png=b"x", alt="GMV chart")))
    assert payload["markdown"]["title"] == "first line"
    assert (
        "chart “GMV chart” not sent: a DingTalk robot shows only images it can fetch by URL"
        in (payload["markdown"]["text"])
    )
    with_url = render(Message(text="first line", image=Image(png=b"x", alt="GMV chart")), "https://bot/files/1.png")
    assert "![GMV chart](https://bot/files/1.png)" in with_url["markdown"]["text"]


def test_render_action_card_uses_link_buttons_only() -> None:
    buttons = (
        Button("ack", "认领", "T-7", style="primary", url="https://ops.example.com/a/tok1"),
        Button("close", "关闭", "T-7", url="https://ops.example.com/a/tok2"),
        Button("assign", "指派", "T-7"),  # no url: not clickable on a robot card
    )
    payload = render(Message(text="库存告急", title="T-7 库存不足", buttons=buttons))
    assert payload["msgtype"] == "actionCard"
    card = payload["actionCard"]
    assert card["title"] == "T-7 库存不足"
    assert card["text"] == "### T-7 库存不足\n\n库存告急"
    assert card["btnOrientation"] == "1"
    assert card["btns"] == [
        {"title": "认领", "actionURL": "https://ops.example.com/a/tok1"},
        {"title": "关闭", "actionURL": "https://ops.example.com/a/tok2"},
    ]
    three = (*buttons[:2], Button("snooze", "稍后", "T-7", url="https://ops.example.com/a/tok3"))
    assert render(Message(text="x", buttons=three))["actionCard"]["btnOrientation"] == "0"


def test_render_buttons_without_urls_fall_back() -> None:
    assert render(Message(text="hi", buttons=(Button("ack", "认领", "T-1"),)))["msgtype"] == "text"


# --- action links ------------------------------------------------------------------------------------------

LINK_SECRET = "link-secret"


def test_action_link_round_trip() -> None:
    token = sign_action(LINK_SECRET, "ack", "T-42", "zhangsan01", expires_at=2_000)
    assert verify_action(LINK_SECRET, token, now=1_999.5) == ("ack", "T-42", "zhangsan01")
    url = action_url("https://ops.example.com/dingtalk/action/", token)
    assert url == f"https://ops.example.com/dingtalk/action/{token}"
    assert all(c.isalnum() or c in "-_." for c in token)


def test_action_link_unicode_value() -> None:
    token = sign_action(LINK_SECRET, "close", "已补货 T-1", "", expires_at=10)
    assert verify_action(LINK_SECRET, token, now=0) == ("close", "已补货 T-1", "")


def test_action_link_expired() -> None:
    token = sign_action(LINK_SECRET, "ack", "T-42", "u", expires_at=2_000)
    with pytest.raises(StaleRequest):
        verify_action(LINK_SECRET, token, now=2_000)


def test_action_link_tampered() -> None:
    token = sign_action(LINK_SECRET, "ack", "T-42", "u", expires_at=2_000)
    payload, mac = token.split(".")
    forged = base64.urlsafe_b64encode(b'["close","T-42","u",2000]').rstrip(b"=").decode()
    later = base64.urlsafe_b64encode(b'["ack","T-42","u",999999]').rstrip(b"=").decode()
    for bad in (f"{forged}.{mac}", f"{later}.{mac}", f"{payload}.{mac[:-2]}AA", payload, "", "."):
        with pytest.raises(InvalidSignature) as info:
            verify_action(LINK_SECRET, bad, now=0)
        assert not isinstance(info.value, StaleRequest)
    with pytest.raises(InvalidSignature):
        verify_action("other-secret", token, now=0)


# --- rate limiter ------------------------------------------------------------------------------------------


def test_rate_limiter_sliding_minute() -> None:
    clock = Clock(100.0)
    limiter = RateLimiter(now=clock)
    for i in range(20):
        clock.t = 100.0 + i
        assert limiter.acquire() is None
    clock.t = 130.0
    assert limiter.acquire() == pytest.approx(30.0)  # the first send (t=100) frees its slot at t=160
    clock.t = 160.0
    assert limiter.acquire() is None
    assert limiter.acquire() == pytest.approx(1.0)


# --- the robot over real HTTP ------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeDingTalk]:
    with FakeDingTalk() as server:
        yield server


def make_robot(fake: FakeDingTalk, clock: Clock, secret: str | None = ROBOT_SECRET) -> DingTalkRobot:
    return DingTalkRobot(WEBHOOK, secret, base_url=fake.base_url, now=clock)


def test_rebase() -> None:
    assert rebase(WEBHOOK, "http://127.0.0.1:9/prefix/") == "http://127.0.0.1:9/prefix/robot/send?access_token=tok123"
    assert rebase(WEBHOOK, None) == WEBHOOK


def test_robot_sends_signed_markdown(fake: FakeDingTalk) -> None:
    robot = make_robot(fake, Clock(TS / 1000))
    robot.send(Message(text="GMV", title="GMV 上周", markdown="**1,234**"))
    (request,) = fake.requests
    assert request.path == "/robot/send"
    assert request.query == {"access_token": "tok123", "timestamp": str(TS), "sign": ROBOT_SIGN}
    assert f"sign={ROBOT_SIGN_URLENCODED}" in request.raw_query
    assert reference_sign(ROBOT_SECRET, request.query["timestamp"]) == request.query["sign"]
    assert request.headers["content-type"].startswith("application/json")
    assert request.body["msgtype"] == "markdown"
    assert request.body["markdown"] == {"title": "GMV 上周", "text": "### GMV 上周\n\n**1,234**"}


def test_robot_sends_action_card(fake: FakeDingTalk) -> None:
    token = sign_action(LINK_SECRET, "ack", "T-7", "zhangsan01", expires_at=int(TS / 1000) + 86400)
    button = Button("ack", "认领", "T-7", url=action_url("https://ops.example.com/a", token))
    make_robot(fake, Clock(TS / 1000)).send(Message(text="库存告急", title="T-7", buttons=(button,)))
    body = fake.requests[0].body
    assert body["msgtype"] == "actionCard"
    assert body["actionCard"]["btns"] == [{"title": "认领", "actionURL": f"https://ops.example.com/a/{token}"}]


def test_robot_without_secret_sends_unsigned(fake: FakeDingTalk) -> None:
    make_robot(fake, Clock(TS / 1000), secret=None).send(Message(text="hi"))
    assert fake.requests[0].query == {"access_token": "tok123"}


def test_base_url_from_env(fake: FakeDingTalk) -> None:
    """OPSBOT_DINGTALK_API_URL reaches the robot through the configuration (adapters read no environment)."""
    config = load_config(
        None, {"DINGTALK_ROBOT_WEBHOOK": WEBHOOK, "OPSBOT_DINGTALK_API_URL": fake.base_url, "OPSBOT_SECRET": "s" * 32}
    )
    assert config.dingtalk is not None
    DingTalkRobot(WEBHOOK, ROBOT_SECRET, base_url=config.dingtalk.api_url, now=Clock(TS / 1000)).send(
        Message(text="hi")
    )
    assert fake.requests[0].body == {
        "msgtype": "text",
        "text": {"content": "hi"},
        "at": {"atMobiles": [], "atUserIds": [], "isAtAll": False},
    }


def test_send_too_fast_is_retryable(fake: FakeDingTalk) -> None:
    fake.push(errcode(130101, "send too fast, exceed 20 times per minute"))
    with pytest.raises(DeliveryError) as info:
        make_robot(fake, Clock(TS / 1000)).send(Message(text="hi"))
    assert info.value.retryable is True
    assert info.value.retry_after == 600.0
    assert "send too fast" in str(info.value)


@pytest.mark.parametrize(
    ("reply", "retryable", "retry_after"),
    [
        (Reply(status=429, body={"errcode": 130101, "errmsg": "too fast"}, headers={"Retry-After": "7"}), True, 7.0),
        (Reply(status=500, body={"errcode": -1, "errmsg": "boom"}), True, None),
        (Reply(status=503, body=b"<html>unavailable</html>"), True, None),
        (errcode(-1, "系统繁忙"), True, None),
        (errcode(310000, "sign not match"), False, None),
        (errcode(300001, "token is not exist"), False, None),
        (Reply(status=404, body={"errcode": 404, "errmsg": "not found"}), False, None),
    ],
)
def test_error_mapping(fake: FakeDingTalk, reply: Reply, retryable: bool, retry_after: float | None) -> None:
    fake.push(reply)
    with pytest.raises(DeliveryError) as info:
        make_robot(fake, Clock(TS / 1000)).send(Message(text="hi"))
    assert info.value.retryable is retryable
    assert info.value.retry_after == retry_after


def test_non_retryable_carries_errmsg(fake: FakeDingTalk) -> None:
    fake.push(errcode(310000, "keywords not in content"))
    with pytest.raises(DeliveryError, match="310000: keywords not in content"):
        make_robot(fake, Clock(TS / 1000)).send(Message(text="hi"))


def test_local_limit_refuses_21st_message_in_a_minute(fake: FakeDingTalk) -> None:
    clock = Clock(TS / 1000)
    robot = make_robot(fake, clock)
    for _ in range(20):
        robot.send(Message(text="hi"))
        clock.t += 1
    with pytest.raises(DeliveryError) as info:
        robot.send(Message(text="21st"))
    assert info.value.retryable is True
    assert info.value.retry_after == pytest.approx(40.0)
    assert len(fake.requests) == 20  # the 21st never left opsbot
    clock.t = TS / 1000 + 60
    robot.send(Message(text="21st, later"))
    assert len(fake.requests) == 21


def test_unreachable_does_not_use_a_slot() -> None:
    clock = Clock(TS / 1000)
    robot = DingTalkRobot(WEBHOOK, ROBOT_SECRET, base_url="http://127.0.0.1:9", now=clock)  # port 9: discard, closed
    for _ in range(25):
        with pytest.raises(DeliveryError) as info:
            robot.send(Message(text="hi"))
        assert info.value.retryable is True
        assert info.value.retry_after is None


def test_reply_through_session_webhook(fake: FakeDingTalk) -> None:
    event = parse_callback(group_callback(), bot_names=["opsbot"], now=Clock(NOW_S))
    assert event.reply_url is not None
    adapter = DingTalkAdapter({}, base_url=fake.base_url)
    ref = adapter.reply(event.reply_url, event.chat, Message(text="3 SKUs"))
    (request,) = fake.requests
    assert request.path == "/robot/sendBySession"
    assert request.query == {"session": "abc123"}
    assert request.body["text"] == {"content": "3 SKUs"}
    assert ref.chat == event.chat


def test_adapter_send_and_update_posts_anew(fake: FakeDingTalk) -> None:
    adapter: Adapter = DingTalkAdapter({"ops-group": make_robot(fake, Clock(TS / 1000))})
    ref = adapter.send("ops-group", Message(text="T-7 open"))
    new = adapter.update(ref, Message(text="T-7 acknowledged by 张三"))
    assert ref.platform == new.platform == "dingtalk"
    assert new.chat == "ops-group" and new.message_id != ref.message_id
    assert new.extra == {"supersedes": ref.message_id}
    assert [r.body["text"]["content"] for r in fake.requests] == ["T-7 open", "T-7 acknowledged by 张三"]


def test_adapter_unknown_chat() -> None:
    with pytest.raises(DeliveryError) as info:
        DingTalkAdapter({}).send("nowhere", Message(text="hi"))
    assert info.value.retryable is False
