"""One error shape over HTTP (bot/http/errors.py): every error of the API, the web chat and the platforms'
webhooks is JSON ``{"error": [{"code", "zh", "en", …}]}``; only the action-link pages (opened in a browser)
are HTML, and no answer echoes an exception's text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live_bot import WEB_CONFIG, LiveBot, bot_env, live_bot, write_config

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"


@pytest.fixture()
def bot(tmp_path: Path, small_db: Path) -> Iterator[LiveBot]:
    env = bot_env(
        tmp_path, small_db,
        WECOM_CORP_ID="ww-corp", WECOM_TOKEN="opsbot-token", WECOM_ENCODING_AES_KEY=AES_KEY,
        DINGTALK_APP_KEY="ding-key", DINGTALK_APP_SECRET="ding-secret",
        SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="slack-secret", OPSBOT_SLACK_API_URL="http://127.0.0.1:9",
    )  # fmt: skip
    with live_bot(write_config(tmp_path, WEB_CONFIG), env, clock=lambda: NOW) as b:
        yield b


def problems(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    """The problems of an error in the one shape, checked."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    doc = response.json()
    assert set(doc) == {"error"} and doc["error"], doc
    for problem in doc["error"]:
        assert {"code", "zh", "en"} <= set(problem), problem
        assert all(isinstance(problem[k], str) and problem[k] for k in ("code", "zh", "en")), problem
    return list(doc["error"])


def test_every_http_error_has_one_shape(bot: LiveBot) -> None:
    with bot.http() as anon:
        assert problems(anon.post("/api/query", json={}), 401)[0]["code"] == "auth.login_required"
        assert problems(anon.get("/web/api/chats"), 401)[0]["code"] == "auth.login_required"
    with bot.http_as("张伟") as http:
        assert problems(http.post("/web/api/chats", headers={"X-CSRF-Token": "x"}), 403)[0]["code"] == "auth.csrf"
        assert problems(http.post("/api/query", json={"metrics": ["nope"]}), 400)[0]["code"]
        assert problems(http.post("/api/query", json={}), 422)[0]["code"] == "request.invalid"
        assert problems(http.get("/no/such/path"), 404)[0]["code"] == "http.404"
        assert problems(http.delete("/health"), 405)[0]["code"] == "http.405"
        assert problems(http.get("/web/static/nope.js"), 404)[0]["code"] == "web.no_file"
        assert problems(http.get("/web/api/tickets/T-19990101-0001"), 404)[0]["code"] == "tickets.unknown"
        action = {"message_id": "w-42", "action": "ack", "value": "T-1"}
        assert problems(http.post("/web/api/actions", json=action), 404)[0]["code"] == "web.no_message"
        message = {"chat": "#general", "text": "hi", "thread": "w-999999"}
        assert problems(http.post("/web/api/messages", json=message), 400)[0]["code"] == "web.not_a_thread"
        bad = http.post("/web/api/messages", content=b"not json", headers={"content-type": "application/json"})
        assert problems(bad, 422)[0]["code"] == "request.invalid"


def test_webhooks_refuse_in_the_same_shape_without_echoing_exceptions(bot: LiveBot) -> None:
    with bot.http() as http:
        forged = {"msg_signature": "x", "timestamp": "1", "nonce": "n", "echostr": "e"}
        for response in (
            http.get("/wecom/callback", params=forged),
            http.post("/wecom/callback", params=forged, content=b"<xml><Encrypt>x</Encrypt></xml>"),
            http.post("/wecom/callback", content=b"<xml><Encrypt>x</Encrypt></xml>"),
            http.post("/dingtalk/callback", json={}, headers={"timestamp": "1", "sign": "x"}),
            http.post("/slack/events", content=b"{}"),
        ):
            (problem,) = problems(response, 401)
            assert problem["code"] in ("webhook.invalid_signature", "webhook.stale_request")
            assert "wecom:" not in response.text and "Encrypt" not in response.text  # no exception text


def test_action_link_pages_stay_html(bot: LiveBot) -> None:
    with bot.http_as("张伟") as http:
        page = http.get("/actions/forged.token")
        assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")


def test_an_internal_error_is_500_in_the_same_shape_and_logged_not_shown(small_db: Path) -> None:
    from fastapi.testclient import TestClient

    from bot.http.app import create_app
    from metrics.catalog.load import load_catalog
    from metrics.service import SemanticLayer
    from metrics.warehouse import Warehouse

    def broken_health() -> dict[str, Any]:
        raise RuntimeError("secret internals")

    layer = SemanticLayer(load_catalog(), Warehouse(small_db))
    try:
        with TestClient(create_app(layer, broken_health), raise_server_exceptions=False) as client:
            response = client.get("/health")
            assert problems(response, 500)[0]["code"] == "internal"
            assert "secret internals" not in response.text
    finally:
        layer.warehouse.close()
