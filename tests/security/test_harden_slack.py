"""Slack requests that carry a valid signature but are not what Slack sends: 400 with a short error,
never a 500 with a traceback; and nothing reaches the bot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_slack import FakeSlack
from tests.live_bot import Clock, LiveBot, live_bot, platform_config
from tests.test_slack_bot import CONFIG, NOW, _env, post

MALFORMED_JSON = [
    "{not json",
    "[1, 2, 3]",
    '"just a string"',
    '{"type": "event_callback", "event": "not an object"}',
    '{"type": "event_callback", "event": {"type": "message", "user": {"id": "U1"}, "text": "hi"}}',
    '{"type": "event_callback", "event": {"type": "app_mention", "text": 5, "channel": []}}',
    '{"type": "event_callback", "event": {"type": "app_mention", "text": "hi", "channel": "C1", "ts": {}}}',
]
MALFORMED_FORM = [
    "payload=%7Bnot+json",
    "payload=%5B1%2C2%5D",
    "payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%22x%22%7D",
    "command=%2Fopsbot&text=%FF%FE",
]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, small_db: Path) -> Iterator[LiveBot]:
    tmp_path = tmp_path_factory.mktemp("slack")
    with (
        FakeSlack() as fake,
        live_bot(platform_config(tmp_path, CONFIG), _env(tmp_path, small_db, fake), clock=Clock(NOW)) as b,
    ):
        yield b


@pytest.mark.parametrize("body", MALFORMED_JSON)
def test_a_signed_malformed_json_body_is_a_400(bot: LiveBot, body: str) -> None:
    response = post(bot, body)
    assert response.status_code == 400, response.text
    assert "Traceback" not in response.text and len(response.content) < 300


@pytest.mark.parametrize("body", MALFORMED_FORM)
def test_a_signed_malformed_form_body_is_a_400(bot: LiveBot, body: str) -> None:
    response = post(bot, body, form=True)
    assert response.status_code == 400, response.text
    assert "Traceback" not in response.text and len(response.content) < 300
