"""The WeCom AI bot adapter's parts against the local fake gateway and WeCom's crypto: the connection's
subscription, refusal, backoff and hand-over; the bodies it parses; the callback crypto (JSON, receiveid "")."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.base import DeliveryError, InvalidSignature
from adapters.wecom import crypto
from adapters.wecom.aibot import frames
from adapters.wecom.aibot.callback import AiBotCallback
from adapters.wecom.aibot.connection import AiBotConnection, backoff_delay
from adapters.wecom.aibot.inbound import MalformedAiBotBody, parse_body, with_quoted_ticket
from tests.fake_wecom_aibot import FakeAiBotGateway
from tests.live_bot import wait_for

AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"


@pytest.fixture()
def gateway() -> Iterator[FakeAiBotGateway]:
    with FakeAiBotGateway() as g:
        yield g


def connection(gateway: FakeAiBotGateway, got: list[dict[str, Any]], secret: str = "aibot-secret") -> AiBotConnection:
    return AiBotConnection(
        gateway.url, "aibot-ops", secret, got.append, heartbeat_s=0.05, backoff_s=0.02, backoff_max_s=0.1,
        answer_timeout_s=2,
    )  # fmt: skip


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff_delay(n, 1.0, 30.0) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff_delay(10_000, 1.0, 30.0) == 30


def test_subscribes_heartbeats_delivers_callbacks_and_answers_requests(gateway: FakeAiBotGateway) -> None:
    got: list[dict[str, Any]] = []
    conn = connection(gateway, got)
    conn.start()
    try:
        assert conn.subscribed.wait(5) and gateway.subscribes == 1
        wait_for(lambda: gateway.pings >= 3, timeout=5)
        rid = gateway.push({"msgid": "m1", "chattype": "single", "from": {"userid": "u"}, "msgtype": "text",
                            "text": {"content": "帮助"}})  # fmt: skip
        wait_for(lambda: got)
        assert frames.rid_of(got[0]) == rid and got[0]["cmd"] == frames.MSG_CALLBACK
        answer = conn.request(frames.RESPOND, {"msgtype": "stream", "stream": {"id": "s", "finish": True}}, rid)
        assert answer["errcode"] == 0
        with pytest.raises(DeliveryError) as refused:  # an update under a req_id that is no click's
            conn.request(frames.RESPOND_UPDATE, {"response_type": "update_template_card", "template_card": {}}, rid)
        assert refused.value.retryable is False
    finally:
        conn.stop()
    assert conn._thread is not None and not conn._thread.is_alive()
    with pytest.raises(DeliveryError) as down:
        conn.request(frames.SEND, {"chatid": "c", "msgtype": "markdown", "markdown": {"content": "x"}})
    assert down.value.retryable is True  # not connected: try again later


def test_a_refused_subscription_is_retried_with_backoff_and_never_subscribes(gateway: FakeAiBotGateway) -> None:
    conn = connection(gateway, [], secret="wrong")
    conn.start()
    try:
        wait_for(lambda: gateway.refusals >= 3, timeout=5)
        assert not conn.subscribed.is_set() and gateway.subscribes == 0
    finally:
        conn.stop()


def test_a_disconnected_event_stops_reconnecting(gateway: FakeAiBotGateway) -> None:
    conn = connection(gateway, [])
    conn.start()
    try:
        assert conn.subscribed.wait(5)
        gateway.raw({"cmd": frames.EVENT_CALLBACK, "headers": {"req_id": "r-x"},
                     "body": {"msgid": "d1", "msgtype": "event", "event": {"eventtype": "disconnected_event"}}})  # fmt: skip
        wait_for(lambda: conn._thread is not None and not conn._thread.is_alive(), timeout=5)
        assert gateway.subscribes == 1  # another connection has the bot: this one does not fight back
    finally:
        conn.stop()


def test_bodies() -> None:
    click = {"msgid": "e1", "chatid": "wrG", "chattype": "group", "from": {"userid": "ZhangWei"}, "msgtype": "event",
             "event": {"eventtype": "template_card_event", "event_key": "ack:T-20261120-0001", "task_id": "t1"}}  # fmt: skip
    event = parse_body(click, "req-1")
    assert event is not None and event.action is not None
    assert (event.user, event.chat, event.event_id) == ("ZhangWei", "aibot:wrG", "aibot-e1")
    assert (event.action.action, event.action.value, event.action.response_token) == ("ack", "T-20261120-0001", "req-1")
    assert event.action.message is not None and event.action.message.message_id == "t1"
    said = {"msgid": "m2", "chattype": "single", "from": {"userid": "LiNa"}, "msgtype": "text",
            "text": {"content": "那抖音呢"}}  # fmt: skip
    dm = parse_body(said, "req-2")
    assert dm is not None and dm.direct and dm.chat == "aibot:LiNa" and dm.text == "那抖音呢"
    assert parse_body({**said, "msgtype": "event", "event": {"eventtype": "enter_chat"}}, "r") is None
    with pytest.raises(MalformedAiBotBody):
        parse_body({"msgid": "m3", "msgtype": "text"}, "r")  # no from.userid: nobody to act as
    assert with_quoted_ticket("关闭 已补货", "T-20261120-0001") == "关闭 T-20261120-0001 已补货"
    assert with_quoted_ticket("关闭 T-20261120-0002", "T-20261120-0001") == "关闭 T-20261120-0002"


def test_callback_crypto_is_wecoms_with_json_and_an_empty_receiveid() -> None:
    now = time.time()
    cb = AiBotCallback("tok", AES_KEY, max_age_s=300, clock=lambda: now)
    body = {"msgid": "m", "from": {"userid": "u"}, "msgtype": "text", "text": {"content": "hi"}}
    cipher = crypto.encrypt(AES_KEY, json.dumps(body), "")
    stamp = str(int(now))
    query = {"msg_signature": crypto.signature("tok", stamp, "n", cipher), "timestamp": stamp, "nonce": "n"}
    assert cb.decrypt(query, json.dumps({"encrypt": cipher}).encode()) == body
    with pytest.raises(InvalidSignature):  # signed with another token
        cb.decrypt(
            {**query, "msg_signature": crypto.signature("x", stamp, "n", cipher)},
            json.dumps({"encrypt": cipher}).encode(),
        )
    other = crypto.encrypt(AES_KEY, json.dumps(body), "wx-corp")  # the app's receiveid, not the AI bot's
    query2 = {**query, "msg_signature": crypto.signature("tok", stamp, "n", other)}
    with pytest.raises(InvalidSignature):
        cb.decrypt(query2, json.dumps({"encrypt": other}).encode())
    old = str(int(now) - 3600)
    with pytest.raises(InvalidSignature):  # StaleRequest is an InvalidSignature
        cb.decrypt(
            {**query, "timestamp": old, "msg_signature": crypto.signature("tok", old, "n", cipher)},
            json.dumps({"encrypt": cipher}).encode(),
        )
