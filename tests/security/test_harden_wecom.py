"""WeCom callbacks through the live bot: a genuine signature is not enough — the timestamp must be within
five minutes of now (a captured callback cannot be replayed days later), and the decrypted message must be
addressed to the configured corp and app."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.wecom import crypto
from tests.fake_wecom import FakeWeCom
from tests.live_bot import Clock, LiveBot, live_bot, platform_config
from tests.test_wecom_bot import AES_KEY, CONFIG, CORP, LINA, NOW, TOKEN_V, _env

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, small_db: Path) -> Iterator[LiveBot]:
    tmp_path = tmp_path_factory.mktemp("wecom")
    with (
        FakeWeCom(corp_id=CORP) as fake,
        live_bot(platform_config(tmp_path, CONFIG), _env(tmp_path, small_db, fake), clock=Clock(NOW)) as b,
    ):
        yield b


def _xml(*, to: str = CORP, agent: str = "1000002") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{LINA}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[帮助]]></Content><MsgId>{990000 + next(_ids)}</MsgId>"
        f"<AgentID>{agent}</AgentID></xml>"
    )


def _post(bot: LiveBot, xml: str, *, age_s: float = 0) -> httpx.Response:
    encrypted = crypto.encrypt(AES_KEY, xml, CORP)
    stamp, nonce = str(int(time.time() - age_s)), f"h{next(_ids)}"
    params = {"msg_signature": crypto.signature(TOKEN_V, stamp, nonce, encrypted), "timestamp": stamp, "nonce": nonce}
    body = f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    with bot.http() as http:
        return http.post("/wecom/callback", params=params, content=body.encode())


def test_a_fresh_callback_is_answered(bot: LiveBot) -> None:
    assert _post(bot, _xml(), age_s=60).status_code == 200


@pytest.mark.parametrize("age_s", [7 * 86400, 301, -400])
def test_a_callback_outside_five_minutes_is_refused(bot: LiveBot, age_s: float) -> None:
    response = _post(bot, _xml(), age_s=age_s)
    assert response.status_code == 401, response.text


def test_a_callback_verification_outside_the_window_is_refused(bot: LiveBot) -> None:
    echo = crypto.encrypt(AES_KEY, "echo-123", CORP)
    stamp, nonce = str(int(time.time() - 7 * 86400)), "v1"
    params = {
        "msg_signature": crypto.signature(TOKEN_V, stamp, nonce, echo),
        "timestamp": stamp,
        "nonce": nonce,
        "echostr": echo,
    }
    with bot.http() as http:
        assert http.get("/wecom/callback", params=params).status_code == 401


@pytest.mark.parametrize("xml", [_xml(to="ww-other-corp"), _xml(agent="1000099")])
def test_a_message_for_another_corp_or_app_is_refused(bot: LiveBot, xml: str) -> None:
    assert _post(bot, xml).status_code == 401


_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><ToUserName>&b;</ToUserName><Encrypt>x</Encrypt></xml>'
)


@pytest.mark.parametrize(
    "body",
    [
        _LAUGHS.encode("utf-16"),
        _LAUGHS.encode("utf-16-le"),
        '<?xml version="1.0" encoding="UTF-16"?><xml><Encrypt>x</Encrypt></xml>'.encode("utf-16"),
    ],
)
def test_an_xml_body_in_another_encoding_is_refused(bot: LiveBot, body: bytes) -> None:
    stamp = str(int(time.time()))
    params = {"msg_signature": "0" * 40, "timestamp": stamp, "nonce": "x"}
    with bot.http() as http:
        response = http.post("/wecom/callback", params=params, content=body)
    assert response.status_code in (400, 401), response.text


def test_the_xml_checks_see_the_decoded_text() -> None:
    from adapters.wecom.xmlsafe import UnsafeXML, parse_fields

    for body in (_LAUGHS.encode("utf-16"), b"\xef\xbb\xbf" + _LAUGHS.replace("UTF-16", "UTF-8").encode()):
        with pytest.raises(UnsafeXML):
            parse_fields(body)
    assert parse_fields("<xml><A>一</A></xml>".encode()) == {"A": "一"}
