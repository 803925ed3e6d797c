"""DingTalk interactive card clicks over HTTP, end to end and offline: with ``card_callback`` the bot registers
``<public_url>/dingtalk/card/callback`` under the route key with the apiSecret at start (the local fake's
``/v1.0/card/callbacks/register``), creates its cards with ``callbackType: HTTP`` and that route key, and a click
comes back as DingTalk POSTs it — signed with the registered apiSecret in ``x-ddpaas-signature``. 张伟's signed
click acks the ticket as 张伟 and updates the same card; a forged or unsigned click is 401 and changes nothing; a
replayed or redelivered click is applied once. Plus the verification on its own (hypothesis: any tampered
field is refused)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.base import InvalidSignature, StaleRequest
from adapters.dingtalk.signing import CARD_SIGNATURE, CARD_TIMESTAMP, CardCallbackVerifier, card_sign
from bot.config.load import ConfigError, load_config
from tests.fake_dingtalk import FakeDingTalk, FakeStreamGateway
from tests.live_bot import Clock, deliver, live_bot, wait_for
from tests.test_dingtalk_bot import CONFIG, CONV, LINA, ZHANG, _env, clock, config_file, douyin_tickets, fake

__all__ = ["clock", "fake"]  # the fixtures, re-used

ROUTE, SECRET = "opsbot-tickets", "card-callback-secret"
CARD_TOPIC = "/v1.0/card/instances/callback"
HTTP_CARDS = (
    "platforms:\n  dingtalk:\n    stream: true\n    card_template_id: tpl-opsbot.schema\n"
    f"    card_callback:\n      route_key: {ROUTE}\n      api_secret: ${{CARD_SECRET}}\n"
)
HTTP_CONFIG = CONFIG.replace('["dingtalk:抖音运营群"]', f'["dingtalk:card:{CONV}"]') + HTTP_CARDS


def _post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(url, content=body, headers=headers, timeout=10)


def test_a_signed_click_over_http_acks_as_the_clicker_once_and_a_forged_one_is_refused(
    tmp_path: Path, small_db: Path, fake: FakeDingTalk, clock: Clock
) -> None:
    pytest.importorskip("dingtalk_stream")
    env = {**_env(tmp_path, small_db, fake), "CARD_SECRET": SECRET}
    with FakeStreamGateway() as gateway:
        fake.stream_endpoint = gateway.url
        with live_bot(config_file(tmp_path, HTTP_CONFIG), env, clock=clock) as b:
            info = b.runtime.parts["dingtalk"].info
            assert info["cards"] == "interactive" and info["card_callback"] == b.url + "/dingtalk/card/callback"
            assert fake.card_routes == {ROUTE: (b.url + "/dingtalk/card/callback", SECRET)}  # registered at start

            b.runtime.run_rules()
            deliver(b, clock)
            tickets = douyin_tickets(b)
            created = fake.card_requests(FakeDingTalk.CREATE_CARD)
            assert tickets and len(created) == len(tickets)
            number = tickets[0].ticket_no
            card = next(c for c in created if number in c.body["cardData"]["cardParamMap"]["title"])
            track = card.body["outTrackId"]
            assert (card.body["callbackType"], card.body["callbackRouteKey"]) == ("HTTP", ROUTE)
            button = next(
                x for x in json.loads(card.body["cardData"]["cardParamMap"]["buttons"]) if x["action"] == "ack"
            )
            params = {k: button[k] for k in ("action", "ticket", "v")}
            now_ms = int(clock().timestamp() * 1000)

            # forged (another secret), unsigned, stale: 401, and nothing happens
            url, body, headers = fake.click_over_http(track, LINA, params, timestamp_ms=now_ms, secret="not-it")
            assert _post(url, body, headers).status_code == 401
            unsigned = {k: v for k, v in headers.items() if not k.startswith("x-ddpaas")}
            assert _post(url, body, unsigned).status_code == 401
            url, body, headers = fake.click_over_http(track, LINA, params, timestamp_ms=now_ms - 2 * 3_600_000)
            assert _post(url, body, headers).status_code == 401
            url, _, headers = fake.click_over_http(track, LINA, params, timestamp_ms=now_ms - 1)
            assert _post(url, b'{"type": "actionCallback"}', headers).status_code == 400  # signed, but no click
            b.settle()
            assert b.runtime.service.get(number).ticket.status != "acknowledged"

            # 张伟's signed click; the same request replayed (401: its signature is used), and DingTalk retrying
            # the click with a new signature (200, but the same click: applied once)
            url, body, headers = fake.click_over_http(track, ZHANG, params, timestamp_ms=now_ms)
            answer = _post(url, body, headers)
            assert answer.status_code == 200 and answer.json() == {}
            assert _post(url, body, headers).status_code == 401
            url, body, headers = fake.click_over_http(track, ZHANG, params, timestamp_ms=now_ms + 1)
            assert _post(url, body, headers).status_code == 200
            # ... and the same click over the Stream connection too (one click id, whichever way it comes)
            assert gateway.connected.wait(15)
            gateway.send_callback(json.loads(body), message_id="card-frame-1", topic=CARD_TOPIC)
            wait_for(lambda: gateway.acks)
            b.settle()
            history = b.runtime.service.get(number)
            assert history.ticket.status == "acknowledged"
            assert [(e.actor, e.platform) for e in history.events if e.action == "ack"] == [("张伟", "dingtalk")]
            deliver(b, clock, passes=3)
            updates = fake.card_requests(FakeDingTalk.UPDATE_CARD)
            assert [u.body["outTrackId"] for u in updates] == [track]  # the same card, updated in place
            assert "已认领" in fake.cards[track]["markdown"] + fake.cards[track]["title"]
            assert len(fake.card_requests(FakeDingTalk.CREATE_CARD)) == len(tickets)  # no new card

            # 李娜 clicks 认领 on the acknowledged card: refused, and told so in the card's group (an HTTP callback
            # does not name the group; the bot knows where it posted the card)
            url, body, headers = fake.click_over_http(track, LINA, params, timestamp_ms=now_ms + 2)
            assert _post(url, body, headers).status_code == 200
            told = wait_for(lambda: fake.card_requests(FakeDingTalk.GROUP_MESSAGE))
            assert told[0].body["openConversationId"] == CONV and number in told[0].body["msgParam"]
            assert [e.actor for e in b.runtime.service.get(number).events if e.action == "ack"] == ["张伟"]


def test_card_callback_keys_are_checked(tmp_path: Path, small_db: Path, fake: FakeDingTalk) -> None:
    env = {**_env(tmp_path, small_db, fake), "CARD_SECRET": SECRET}
    path = config_file(tmp_path, HTTP_CONFIG)
    config = load_config(path, env)
    assert config.dingtalk is not None and config.dingtalk.card_callback is not None
    assert config.dingtalk.card_callback.route_key == ROUTE and SECRET not in repr(config.dingtalk)
    assert not [w for w in config.warnings if "card_template_id" in str(w)]  # HTTP instead of stream: no warning
    with pytest.raises(ConfigError, match="CARD_SECRET"):
        load_config(path, {k: v for k, v in env.items() if k != "CARD_SECRET"})
    path.write_text(HTTP_CONFIG.replace(f"      route_key: {ROUTE}\n", ""), encoding="utf-8")
    with pytest.raises(ConfigError, match="route_key"):
        load_config(path, env)
    path.write_text(HTTP_CONFIG.replace("api_secret:", "apisecret:"), encoding="utf-8")
    with pytest.raises(ConfigError, match="apisecret"):
        load_config(path, env)
    path.write_text(HTTP_CONFIG.replace("    card_template_id: tpl-opsbot.schema\n", ""), encoding="utf-8")
    with pytest.raises(ConfigError, match="card_callback"):
        load_config(path, env)


NOW_MS = 1_795_000_000_000


def _verifier() -> CardCallbackVerifier:
    return CardCallbackVerifier(SECRET, now=lambda: NOW_MS / 1000)


def test_the_card_signature_is_dingtalks_calc_signature() -> None:
    # the documented calc_signature(api_secret, ts), as DingTalk's page gives it in Python
    digest = hmac.new(b"mySecret", str(1595925864847).encode("utf-8"), digestmod=hashlib.sha256).digest()
    assert card_sign("mySecret", 1595925864847) == base64.b64encode(digest).decode("utf-8")
    _verifier().verify({CARD_TIMESTAMP: str(NOW_MS), CARD_SIGNATURE: card_sign(SECRET, NOW_MS)})


@settings(max_examples=150, deadline=None)
@given(
    field=st.sampled_from(["timestamp", "signature", "secret"]),
    change=st.text(min_size=1, max_size=12),
)
def test_any_tampered_field_is_refused(field: str, change: str) -> None:
    timestamp, secret = str(NOW_MS), SECRET
    sign = card_sign(secret, timestamp)
    if field == "timestamp":
        timestamp += change
    elif field == "signature":
        sign = sign[: len(sign) // 2] + change + sign[len(sign) // 2 :]
    else:
        secret += change
        sign = card_sign(secret, timestamp)
    with pytest.raises((InvalidSignature, StaleRequest)):
        _verifier().verify({CARD_TIMESTAMP: timestamp, CARD_SIGNATURE: sign})


@given(skew_ms=st.integers(min_value=3_600_001, max_value=10**12), later=st.booleans())
def test_a_genuine_signature_outside_the_hour_is_stale(skew_ms: int, later: bool) -> None:
    timestamp = NOW_MS + skew_ms if later else NOW_MS - skew_ms
    with pytest.raises(StaleRequest):
        _verifier().verify({CARD_TIMESTAMP: str(timestamp), CARD_SIGNATURE: card_sign(SECRET, timestamp)})


def test_a_signature_is_accepted_once() -> None:
    verifier = _verifier()
    headers = {CARD_TIMESTAMP: str(NOW_MS - 5), CARD_SIGNATURE: card_sign(SECRET, NOW_MS - 5)}
    verifier.verify(headers)
    with pytest.raises(InvalidSignature):
        verifier.verify(headers)
