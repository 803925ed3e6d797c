"""Secrets never reach the log: the live bot talks to a fake WeCom (token, app messages, group robot)
with every log record captured, and none of the configured secrets or issued tokens shows up."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config.redact import Redactor, config_secrets, install
from tests.fake_wecom import SEND, TOKEN, WEBHOOK, FakeWeCom
from tests.live_bot import Clock, deliver, live_bot, platform_config, wait_for
from tests.test_wecom_bot import AES_KEY, CONFIG, NOW, TOKEN_V, _env, post, text_xml


@pytest.fixture()
def restore_logging() -> Iterator[None]:
    previous = logging.getLogRecordFactory()
    try:
        yield
    finally:
        logging.setLogRecordFactory(previous)


def test_a_full_run_logs_no_secret(
    tmp_path: Path, small_db: Path, caplog: pytest.LogCaptureFixture, restore_logging: None
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = Clock(NOW)
    with FakeWeCom(corp_id="ww-corp") as fake:
        env = _env(tmp_path, small_db, fake)
        with live_bot(platform_config(tmp_path, CONFIG), env, clock=clock) as bot:
            install(config_secrets(bot.runtime.config))
            assert post(bot, text_xml("上周抖音GMV")).status_code == 200
            wait_for(lambda: fake.calls(SEND))
            bot.runtime.run_rules()
            deliver(bot, clock, passes=3)
            wait_for(lambda: fake.calls(WEBHOOK))
    assert fake.calls(TOKEN) and fake.calls(SEND) and fake.calls(WEBHOOK)
    log = "\n".join(caplog.messages) + caplog.text
    assert "corpsecret=***" in log and "access_token=***" in log  # the requests were logged, masked
    for secret in (fake.secret, "robot-key", TOKEN_V, AES_KEY, env["WECOM_ROBOT_WEBHOOK"], "access_token=tok-"):
        assert secret not in log, secret


def test_the_masks() -> None:
    redact = Redactor(["a-configured-secret"])
    line = (
        "GET https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=abc123 "
        "POST https://oapi.dingtalk.com/robot/send?access_token=tt99&timestamp=1&sign=zz%3D "
        "Authorization: Bearer eyJhbGciOi.abc-def token xoxb-123-456-abc "
        "postgresql://bot:pa55word@db:5432/shop and a-configured-secret"
    )
    out = redact(line)
    for leaked in ("abc123", "tt99", "zz%3D", "eyJhbGciOi", "xoxb-123", "pa55word", "a-configured-secret"):
        assert leaked not in out, out
    assert "corpid=ww1" in out and "timestamp=1" in out and "db:5432/shop" in out


def test_a_traceback_is_masked_too(caplog: pytest.LogCaptureFixture, restore_logging: None) -> None:
    install(["sekrit-value-1"])
    try:
        raise RuntimeError("failed https://x/robot/send?key=sekrit-value-1")
    except RuntimeError:
        logging.getLogger("opsbot.test").exception("delivery failed for key=%s", "sekrit-value-1")
    assert "sekrit-value-1" not in caplog.text
    assert "key=***" in caplog.text
