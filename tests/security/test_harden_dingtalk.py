"""DingTalk's HTTP callback sign covers the timestamp, not the body: each (timestamp, sign) pair is
accepted once, so a captured pair cannot carry another body within its hour."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.base import InvalidSignature
from adapters.dingtalk.once import SeenSigns
from tests.fake_dingtalk import FakeDingTalk
from tests.live_bot import Clock, LiveBot, live_bot
from tests.test_dingtalk_bot import NOW, ROBOT_SECRET, _env, callback, config_file, fresh_sign, post, replies


@pytest.fixture()
def bot(tmp_path: Path, small_db: Path) -> Iterator[tuple[LiveBot, FakeDingTalk]]:
    clock = Clock(NOW)
    with (
        FakeDingTalk(robot_secret=ROBOT_SECRET, now=lambda: clock().timestamp()) as fake,
        live_bot(config_file(tmp_path), _env(tmp_path, small_db, fake), clock=clock) as b,
    ):
        yield b, fake


def test_a_replayed_sign_with_another_body_is_refused(bot: tuple[LiveBot, FakeDingTalk]) -> None:
    b, fake = bot
    headers = fresh_sign(b)
    assert post(b, callback(b, "帮助"), headers).status_code == 200
    forged = callback(b, "上周各渠道的GMV是多少？", conv="cidATTACKER")
    response = post(b, forged, headers)
    assert response.status_code == 401, response.text
    b.settle()
    assert replies(fake, "cidATTACKER") == []
    assert post(b, callback(b, "帮助")).status_code == 200  # a fresh pair is fine


def test_seen_signs_forget_pairs_once_their_window_has_passed() -> None:
    seen = SeenSigns(window_ms=1000, max_entries=3)
    seen.first_use("5000", "s1", now_ms=5000)
    with pytest.raises(InvalidSignature):
        seen.first_use("5000", "s1", now_ms=5500)
    seen.first_use("5000", "s1", now_ms=6001)  # outside its window: the time check refuses it instead
    for i in range(5):  # more than the table holds: the oldest pairs make room
        seen.first_use(str(7000 + i), "s", now_ms=7000)
    with pytest.raises(InvalidSignature):
        seen.first_use("7004", "s", now_ms=7000)
    seen.first_use("7000", "s", now_ms=7000)  # evicted (the time window still bounds it)
