"""WeCom adapter: callback crypto against the official vector, callback parsing, rendering, and the real
client/robot/adapter over HTTP against a local fake WeCom server (tests/fake_wecom.py)."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator

import httpx
import pytest

from adapters.base import (
    Button,
    DeliveryError,
    Image,
    InvalidSignature,
    Mention,
    Message,
    MessageRef,
    StaleRequest,
    Table,
)
from adapters.wecom import crypto
from adapters.wecom.adapter import WeComAdapter, WeComCallback
from adapters.wecom.client import WeComClient
from adapters.wecom.inbound import parse_message
from adapters.wecom.keys import button_key, new_task_id, parse_button_key
from adapters.wecom.render import (
    APP_MARKDOWN_LIMIT,
    MARKDOWN_LIMIT,
    horizontal_content,
    markdown,
    robot_payload,
    robot_text,
    template_card,
)
from adapters.wecom.robot import RobotSender
from adapters.wecom.robot_adapter import WeComRobotAdapter
from adapters.wecom.xmlsafe import UnsafeXML, parse_fields
from bot.config.load import load_config
from tests.fake_wecom import SEND, TOKEN, UPDATE, WEBHOOK, FakeWeCom, errcode, http_status

# The official worked example (WeCom 加解密 docs).
CORP_ID = "wx5823bf96d3bd56c7"
TOKEN_V = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SIGNATURE = "477715d11cdb4164915debcba66cb864d751f3e6"
TIMESTAMP = "1409659813"
NONCE = "1372623149"
ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3"
    "TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gs"
    "ijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUa"
    "x5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIG"
    "HBZZIs2pDBS8R07+qN+E7Q=="
)


def outer_body(encrypted: str, agent_id: str = "218") -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><AgentID><![CDATA[{agent_id}]]></AgentID>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    ).encode()


def signed(xml: str, *, timestamp: str = "1763795000", nonce: str = "n0nce") -> tuple[dict[str, str], bytes]:
    """Query parameters and body of a callback POST carrying ``xml``, encrypted and signed like WeCom does."""
    encrypted = crypto.encrypt(AES_KEY, xml, CORP_ID)
    params = {
        "msg_signature": crypto.signature(TOKEN_V, timestamp, nonce, encrypted),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    return params, outer_body(encrypted)


CARD_CLICK_XML = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
    "<CreateTime>1763795001</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>"
    "<EventKey><![CDATA[ack:T-20261122-0001]]></EventKey><TaskId><![CDATA[opsbot-task-1]]></TaskId>"
    "<CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[rc-click-9]]></ResponseCode>"
    "<AgentID>218</AgentID></xml>"
)


# -- crypto -------------------------------------------------------------------------------------
def test_official_vector_signature_and_plaintext() -> None:
    assert crypto.signature(TOKEN_V, TIMESTAMP, NONCE, ENCRYPT) == SIGNATURE
    crypto.check_signature(TOKEN_V, TIMESTAMP, NONCE, ENCRYPT, SIGNATURE)
    fields = parse_fields(crypto.decrypt(AES_KEY, ENCRYPT, CORP_ID))
    assert fields["Content"] == "hello"
    assert fields["FromUserName"] == "mycreate"
    assert fields["ToUserName"] == CORP_ID
    assert fields["MsgId"] == "4561255354251345929"
    assert fields["AgentID"] == "218"


def test_official_vector_through_the_callback() -> None:
    callback = WeComCallback(TOKEN_V, AES_KEY, CORP_ID)
    params = {"msg_signature": SIGNATURE, "timestamp": TIMESTAMP, "nonce": NONCE}
    event = callback.parse(params, outer_body(ENCRYPT))
    assert event is not None
    assert (event.platform, event.event_id, event.chat, event.user, event.text, event.direct) == (
        "wecom",
        "4561255354251345929",
        "mycreate",
        "mycreate",
        "hello",
        True,
    )


def test_official_vector_rejects_wrong_corp_and_token() -> None:
    with pytest.raises(InvalidSignature, match="receiveid"):
        crypto.decrypt(AES_KEY, ENCRYPT, "wx-someone-else")
    with pytest.raises(InvalidSignature):
        crypto.check_signature("other-token", TIMESTAMP, NONCE, ENCRYPT, SIGNATURE)
    params = {"msg_signature": SIGNATURE, "timestamp": str(int(TIMESTAMP) + 1), "nonce": NONCE}
    with pytest.raises(InvalidSignature):
        WeComCallback(TOKEN_V, AES_KEY, CORP_ID).parse(params, outer_body(ENCRYPT))


def test_encrypt_round_trip_with_injected_prefix_and_block_padding() -> None:
    message = "<xml><Content><![CDATA[下周哪些SKU会断货?]]></Content></xml>"
    a = crypto.encrypt(AES_KEY, message, CORP_ID, random_prefix=lambda n: b"\x01" * n)
    b = crypto.encrypt(AES_KEY, message, CORP_ID, random_prefix=lambda n: b"\x01" * n)
    c = crypto.encrypt(AES_KEY, message, CORP_ID)
    assert a == b != c  # deterministic only with an injected prefix
    assert crypto.decrypt(AES_KEY, a, CORP_ID) == crypto.decrypt(AES_KEY, c, CORP_ID) == message
    assert len(base64.b64decode(a)) % 32 == 0  # PKCS#7 to 32-byte blocks
    # a plaintext that is already a multiple of 32 bytes gets a full 32-byte pad block
    exact = "x" * (64 - 16 - 4 - len(CORP_ID))
    assert len(base64.b64decode(crypto.encrypt(AES_KEY, exact, CORP_ID))) == 96
    assert crypto.decrypt(AES_KEY, crypto.encrypt(AES_KEY, exact, CORP_ID), CORP_ID) == exact


def test_tampered_ciphertext_is_rejected() -> None:
    raw = bytearray(base64.b64decode(ENCRYPT))
    raw[-1] ^= 0x55  # breaks the padding of the last block
    tampered = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(InvalidSignature):
        crypto.decrypt(AES_KEY, tampered, CORP_ID)
    with pytest.raises(InvalidSignature):
        crypto.decrypt(AES_KEY, "not base64!!", CORP_ID)
    with pytest.raises(InvalidSignature):
        crypto.decrypt(AES_KEY, ENCRYPT[:-4], CORP_ID)  # truncated: not a whole number of blocks
    with pytest.raises(ValueError):
        crypto.aes_key("short")


def test_verify_url_returns_the_decrypted_echostr() -> None:
    echostr = crypto.encrypt(AES_KEY, "4823791732614287", CORP_ID)
    params = {
        "msg_signature": crypto.signature(TOKEN_V, TIMESTAMP, NONCE, echostr),
        "timestamp": TIMESTAMP,
        "nonce": NONCE,
        "echostr": echostr,
    }
    callback = WeComCallback(TOKEN_V, AES_KEY, CORP_ID)
    assert callback.verify_url(params) == "4823791732614287"
    with pytest.raises(InvalidSignature):
        callback.verify_url({**params, "msg_signature": "0" * 40})
    with pytest.raises(InvalidSignature, match="echostr"):
        callback.verify_url({k: v for k, v in params.items() if k != "echostr"})


def test_replay_window_when_configured() -> None:
    params, body = signed("<xml><MsgType>text</MsgType><FromUserName>u</FromUserName><Content>hi</Content></xml>")
    fresh = WeComCallback(TOKEN_V, AES_KEY, CORP_ID, max_age_s=300, clock=lambda: 1763795100.0)
    assert fresh.parse(params, body) is not None
    late = WeComCallback(TOKEN_V, AES_KEY, CORP_ID, max_age_s=300, clock=lambda: 1763796000.0)
    with pytest.raises(StaleRequest):
        late.parse(params, body)


# -- inbound parsing ----------------------------------------------------------------------------
def test_encrypted_template_card_click_parses_to_a_button_action() -> None:
    params, body = signed(CARD_CLICK_XML)
    event = WeComCallback(TOKEN_V, AES_KEY, CORP_ID).parse(params, body)
    assert event is not None and event.action is not None
    assert event.event_id == "zhangsan:1763795001"  # events dedupe by FromUserName + CreateTime
    assert (event.user, event.chat, event.direct) == ("zhangsan", "zhangsan", True)
    assert (event.action.action, event.action.value) == ("ack", "T-20261122-0001")
    assert event.action.response_token == "rc-click-9"
    assert event.action.message == MessageRef(
        platform="wecom",
        chat="zhangsan",
        message_id="opsbot-task-1",
        extra={"task_id": "opsbot-task-1", "response_code": "rc-click-9"},
    )


def test_encrypted_text_message_parses() -> None:
    xml = (
        "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName>"
        "<CreateTime>1763795002</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[  GMV by channel last week ]]></Content><MsgId>777</MsgId><AgentID>218</AgentID></xml>"
    )
    event = WeComCallback(TOKEN_V, AES_KEY, CORP_ID).parse(*signed(xml))
    assert event is not None
    assert (event.event_id, event.chat, event.user, event.text, event.action) == (
        "777",
        "lisi",
        "lisi",
        "GMV by channel last week",
        None,
    )


def test_group_robot_callback_parses_with_chat_and_reply_url() -> None:
    xml = (
        "<xml><WebhookUrl><![CDATA[https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc]]></WebhookUrl>"
        "<ChatId><![CDATA[wrkSFfCgAA]]></ChatId><ChatType>group</ChatType>"
        "<From><UserId>zhangsan</UserId><Name><![CDATA[张三]]></Name><Alias><![CDATA[zs]]></Alias></From>"
        "<MsgType>text</MsgType><Text><Content><![CDATA[@运营助手 认领]]></Content></Text><MsgId>abcd</MsgId></xml>"
    )
    event = parse_message(xml)
    assert event is not None
    assert (event.chat, event.user, event.user_name, event.text, event.direct, event.event_id) == (
        "wrkSFfCgAA",
        "zhangsan",
        "张三",
        "认领",
        False,
        "abcd",
    )
    assert event.reply_url == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"


def test_ignored_kinds_parse_to_none() -> None:
    image = "<xml><FromUserName>u</FromUserName><MsgType>image</MsgType><PicUrl>x</PicUrl><MsgId>1</MsgId></xml>"
    enter = "<xml><FromUserName>u</FromUserName><MsgType>event</MsgType><Event>enter_agent</Event></xml>"
    assert parse_message(image) is None
    assert parse_message(enter) is None


@pytest.mark.parametrize(
    "doc",
    [
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
        '<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml/>',
        '<xml><!ENTITY x SYSTEM "http://evil"></xml>',
        "<xml><unclosed></xml>",
    ],
)
def test_unsafe_or_malformed_xml_is_refused(doc: str) -> None:
    with pytest.raises(UnsafeXML):
        parse_fields(doc)
    with pytest.raises(InvalidSignature):  # through the callback as well (UnsafeXML is an InvalidSignature)
        WeComCallback(TOKEN_V, AES_KEY, CORP_ID).parse(*signed(doc))


def test_button_keys_and_task_ids() -> None:
    assert button_key("ack", "T-20261122-0001") == "ack:T-20261122-0001"
    assert parse_button_key("snooze:T-1:2h") == ("snooze", "T-1:2h")
    assert parse_button_key("close") == ("close", "")
    with pytest.raises(ValueError):
        button_key("a:b", "x")
    task_id = new_task_id("ticket T/1")
    assert len(task_id) <= 128 and all(c.isalnum() or c in "_-@" for c in task_id)
    assert new_task_id() != new_task_id()


# -- rendering ----------------------------------------------------------------------------------
TICKET = Message(
    text="Available stock covers < 3 days for 4 bestsellers",
    title="[P2] Stockout risk",
    table=Table(columns=("SKU", "days"), rows=(("SKU-1", "1.5"), ("SKU-2", "2.0"))),
    buttons=(
        Button(action="ack", label="认领", value="T-20261122-0001", style="primary"),
        Button(action="close", label="关闭", value="T-20261122-0001", style="danger"),
        Button(action="snooze", label="稍后", value="T-20261122-0001"),
    ),
    mentions=(Mention("zhangsan", "张三"),),
    footer="rule: stock_cover_days < 3",
)


def test_template_card_button_interaction() -> None:
    card = template_card(TICKET, "task-1")
    assert card["card_type"] == "button_interaction"
    assert card["task_id"] == "task-1"
    assert card["main_title"] == {"title": "[P2] Stockout risk", "desc": "rule: stock_cover_days < 3"}
    assert card["sub_title_text"] == TICKET.text
    assert card["horizontal_content_list"] == [
        {"keyname": "SKU-1", "value": "1.5"},
        {"keyname": "SKU-2", "value": "2.0"},
    ]
    assert card["button_list"] == [
        {"text": "认领", "style": 1, "key": "ack:T-20261122-0001"},
        {"text": "关闭", "style": 3, "key": "close:T-20261122-0001"},
        {"text": "稍后", "style": 2, "key": "snooze:T-20261122-0001"},
    ]


def test_horizontal_content_from_a_wide_table_uses_the_first_row() -> None:
    table = Table(columns=("metric", "value", "change"), rows=(("GMV", "1.2M", "+3%"), ("orders", "9k", "-1%")))
    assert horizontal_content(table) == [
        {"keyname": "metric", "value": "GMV"},
        {"keyname": "value", "value": "1.2M"},
        {"keyname": "change", "value": "+3%"},
    ]
    assert horizontal_content(None) == []


def test_markdown_truncates_to_the_byte_limit_with_a_marker() -> None:
    long = Message(text="t", markdown="断货" * 3000)
    out = markdown(long, limit=MARKDOWN_LIMIT)
    assert len(out.encode()) <= MARKDOWN_LIMIT
    assert out.endswith("…(truncated)")
    assert len(markdown(long).encode()) <= APP_MARKDOWN_LIMIT  # an app markdown message: 2048 bytes
    short = markdown(TICKET, mentions=True)
    assert short.startswith("**［P2］ Stockout risk**")  # brackets made inert: no link can form
    assert "**SKU\u3000\u3000days**" in short and "SKU-1\u30001.5" in short  # aligned lines, no pipes
    assert short.endswith("<@zhangsan>")
    assert "<@" not in markdown(TICKET)


def test_robot_payloads() -> None:
    assert robot_text(Message(text="hi", mentions=(Mention("zhangsan"),))) == {
        "msgtype": "text",
        "text": {"content": "hi", "mentioned_list": ["zhangsan"]},
    }
    assert robot_payload(TICKET)["msgtype"] == "markdown"  # callback buttons need an app: markdown instead
    linked = Message(text="open", title="T-1", buttons=(Button("view", "查看", "T-1", url="https://ops/x"),))
    card = robot_payload(linked)
    assert card["msgtype"] == "template_card"
    assert card["template_card"]["card_type"] == "text_notice"
    assert card["template_card"]["card_action"] == {"type": 1, "url": "https://ops/x"}
    assert robot_payload(Message(text="plain"))["msgtype"] == "text"


# -- the client, robot and adapter over HTTP against the fake server ---------------------------
@pytest.fixture()
def fake() -> Iterator[FakeWeCom]:
    with FakeWeCom() as server:
        yield server


@pytest.fixture()
def client(fake: FakeWeCom) -> Iterator[WeComClient]:
    c = WeComClient(fake.corp_id, fake.secret, 1000002, base_url=fake.base_url)
    yield c
    c.close()


def configured_url(env: dict[str, str]) -> str | None:
    """The API URL the configuration gives the client (adapters read no environment themselves)."""
    config = load_config(None, {"WECOM_ROBOT_WEBHOOK": "robot-key", "OPSBOT_SECRET": "s" * 32, **env})
    assert config.wecom is not None
    return config.wecom.api_url


def test_base_url_from_the_environment(fake: FakeWeCom) -> None:
    c = WeComClient(fake.corp_id, fake.secret, 1, base_url=configured_url({"OPSBOT_WECOM_API_URL": fake.base_url}))
    assert c.base_url == fake.base_url
    assert c.access_token() == "tok-1"
    assert WeComClient("c", "s", 1, base_url=configured_url({})).base_url == "https://qyapi.weixin.qq.com"
    c.close()


def test_token_is_cached_until_expiry(fake: FakeWeCom) -> None:
    now = [1000.0]
    c = WeComClient(fake.corp_id, fake.secret, 1, base_url=fake.base_url, clock=lambda: now[0])
    c.send_text(["zhangsan"], "one")
    c.send_text(["zhangsan"], "two")
    assert len(fake.calls(TOKEN)) == 1
    assert fake.calls(TOKEN)[0].query == {"corpid": fake.corp_id, "corpsecret": fake.secret}
    now[0] += 7200 - 300 + 1  # within the refresh margin before expiry
    c.send_text(["zhangsan"], "three")
    assert len(fake.calls(TOKEN)) == 2
    assert [r.query["access_token"] for r in fake.calls(SEND)] == ["tok-1", "tok-1", "tok-2"]
    c.close()


@pytest.mark.parametrize("expire", [True, False])
def test_rejected_token_is_refreshed_and_the_call_retried_once(
    fake: FakeWeCom, client: WeComClient, expire: bool
) -> None:
    client.send_text(["zhangsan"], "warm up")
    if expire:
        fake.expire_tokens()  # → 42001
    else:
        fake.valid_tokens.clear()  # → 40014
    body = client.send_text(["zhangsan"], "after")
    assert body["errcode"] == 0
    tokens = [r.query["access_token"] for r in fake.calls(SEND)]
    assert tokens[1] == tokens[0] != tokens[2]
    assert len(fake.calls(TOKEN)) == 2


def test_token_rejected_twice_is_a_retryable_error(fake: FakeWeCom, client: WeComClient) -> None:
    fake.push(SEND, errcode(42001, "access_token expired"), errcode(42001, "access_token expired"))
    with pytest.raises(DeliveryError, match="42001") as info:
        client.send_text(["zhangsan"], "x")
    assert info.value.retryable
    assert len(fake.calls(SEND)) == 2  # one retry, not a loop


def test_bad_credentials_are_final(fake: FakeWeCom) -> None:
    c = WeComClient(fake.corp_id, "wrong", 1, base_url=fake.base_url)
    with pytest.raises(DeliveryError, match="40001") as info:
        c.send_text(["u"], "x")
    assert not info.value.retryable
    c.close()


def test_send_text_markdown_and_card_payloads(fake: FakeWeCom, client: WeComClient) -> None:
    client.send_text(["zhangsan", "lisi"], "hello")
    client.send_markdown(["zhangsan"], "**bold**")
    answer = client.send_template_card(["zhangsan"], template_card(TICKET, "task-1"))
    text, md, card = (r.body for r in fake.calls(SEND))
    assert text == {"touser": "zhangsan|lisi", "msgtype": "text", "agentid": 1000002, "text": {"content": "hello"}}
    assert md["markdown"] == {"content": "**bold**"}
    assert card["msgtype"] == "template_card" and card["template_card"]["task_id"] == "task-1"
    assert answer["response_code"].startswith("rc-")


@pytest.mark.parametrize(
    ("reply", "retryable", "retry_after", "match"),
    [
        (errcode(45009, "api freq out of limit"), True, 60.0, "45009"),
        (http_status(429, retry_after="7"), True, 7.0, "HTTP 429"),
        (http_status(500), True, None, "HTTP 500"),
        (http_status(503, retry_after="2.5"), True, 2.5, "HTTP 503"),
        (errcode(-1, "system busy"), True, None, "system busy"),
        (errcode(81013, "user & party & tag all invalid"), False, None, "81013: user & party & tag all invalid"),
        (http_status(404), False, None, "HTTP 404"),
    ],
)
def test_failures_are_classified(
    fake: FakeWeCom, client: WeComClient, reply: object, retryable: bool, retry_after: float | None, match: str
) -> None:
    fake.push(SEND, reply)  # type: ignore[arg-type]
    with pytest.raises(DeliveryError, match=match) as info:
        client.send_text(["zhangsan"], "x")
    assert (info.value.retryable, info.value.retry_after) == (retryable, retry_after)


def test_unreachable_server_is_retryable() -> None:
    c = WeComClient("c", "s", 1, base_url="http://127.0.0.1:9", http=httpx.Client(timeout=1.0))
    with pytest.raises(DeliveryError) as info:
        c.access_token()
    assert info.value.retryable
    c.close()


def test_adapter_sends_a_card_and_updates_it(fake: FakeWeCom, client: WeComClient) -> None:
    adapter = WeComAdapter(client, task_ids=lambda: "task-42")
    ref = adapter.send("zhangsan", TICKET)
    assert ref.platform == "wecom" and ref.chat == "zhangsan"
    assert ref.extra["task_id"] == "task-42"
    assert ref.extra["response_code"].startswith("rc-")
    sent = fake.calls(SEND)[-1].body
    assert sent["template_card"]["button_list"][0]["key"] == "ack:T-20261122-0001"

    acked = Message(text="Acknowledged by 张三", title="[P2] Stockout risk", buttons=TICKET.buttons[1:])
    updated = adapter.update(ref, acked)
    body = fake.calls(UPDATE)[-1].body
    assert body["response_code"] == ref.extra["response_code"]
    assert body["userids"] == ["zhangsan"] and body["agentid"] == 1000002
    assert body["template_card"]["task_id"] == "task-42"
    assert [b["key"] for b in body["template_card"]["button_list"]] == [
        "close:T-20261122-0001",
        "snooze:T-20261122-0001",
    ]
    assert "response_code" not in updated.extra  # usable once

    with pytest.raises(DeliveryError, match="response_code") as info:
        adapter.update(updated, acked)
    assert not info.value.retryable
    adapter.update(updated, Message(text="已关闭\nby lisi"), response_code="rc-click-9")  # the code from a click
    assert fake.calls(UPDATE)[-1].body["button"] == {"replace_name": "已关闭"}
    assert fake.calls(UPDATE)[-1].body["response_code"] == "rc-click-9"


def test_adapter_sends_text_and_markdown(fake: FakeWeCom, client: WeComClient) -> None:
    adapter = WeComAdapter(client)
    ref = adapter.send("zhangsan|lisi", Message(text="hi"), thread="ignored")
    assert fake.calls(SEND)[-1].body["msgtype"] == "text"
    assert ref.message_id.startswith("msg-") and ref.extra == {}
    adapter.send("zhangsan", Message(text="x", table=Table(("a", "b"), (("1", "2"),))))
    assert fake.calls(SEND)[-1].body["msgtype"] == "markdown"


def test_adapter_click_round_trip(fake: FakeWeCom, client: WeComClient) -> None:
    """A click parsed from a callback carries what update() needs."""
    event = WeComCallback(TOKEN_V, AES_KEY, CORP_ID).parse(*signed(CARD_CLICK_XML))
    assert event is not None and event.action is not None and event.action.message is not None
    WeComAdapter(client).update(event.action.message, TICKET)
    body = fake.calls(UPDATE)[-1].body
    assert (body["response_code"], body["template_card"]["task_id"]) == ("rc-click-9", "opsbot-task-1")


def test_robot_sender(fake: FakeWeCom) -> None:
    robot = RobotSender(base_url=fake.base_url)
    robot.send_text("robot-key", "hi", mentioned_list=["zhangsan", "@all"])
    robot.send_markdown("robot-key", "**x**")
    robot.post("robot-key", robot_payload(TICKET))
    calls = fake.calls(WEBHOOK)
    assert [c.query["key"] for c in calls] == ["robot-key"] * 3
    assert calls[0].body == {"msgtype": "text", "text": {"content": "hi", "mentioned_list": ["zhangsan", "@all"]}}
    assert calls[1].body == {"msgtype": "markdown", "markdown": {"content": "**x**"}}
    assert calls[2].body["msgtype"] == "markdown"
    assert not fake.calls(TOKEN)  # robots need no access token
    with pytest.raises(DeliveryError, match="93000") as info:
        robot.send_text("wrong-key", "x")
    assert not info.value.retryable
    fake.push(WEBHOOK, errcode(45009, "api freq out of limit"))
    with pytest.raises(DeliveryError) as info:
        robot.send_text("robot-key", "x")
    assert info.value.retryable and info.value.retry_after == 60.0
    robot.close()


def test_robot_adapter_posts_message_and_image(fake: FakeWeCom) -> None:
    adapter = WeComRobotAdapter(RobotSender(base_url=fake.base_url))
    png = b"\x89PNG\r\n\x1a\n fake"  # the PNG signature: WeCom takes only JPG or PNG
    ref = adapter.send("robot-key", Message(text="GMV", title="GMV by channel", image=Image(png, "chart")))
    text, image = (c.body for c in fake.calls(WEBHOOK))
    assert text["msgtype"] == "markdown" and text["markdown"]["content"].startswith("**GMV by channel**")
    assert image == {
        "msgtype": "image",
        "image": {"base64": base64.b64encode(png).decode(), "md5": hashlib.md5(png).hexdigest()},
    }
    with pytest.raises(DeliveryError) as info:
        adapter.update(ref, Message(text="x"))
    assert not info.value.retryable
    adapter.sender.close()


def test_fake_server_is_fast() -> None:
    start = time.monotonic()
    with FakeWeCom() as server:
        c = WeComClient(server.corp_id, server.secret, 1, base_url=server.base_url)
        for _ in range(5):
            c.send_text(["u"], "x")
        c.close()
    assert time.monotonic() - start < 5
