"""Secrets never reach a log line: a log-record factory masks every record as it is made, whatever
logger it comes from (ours, httpx, uvicorn, the platform SDKs) and its traceback too.

Masked: the values of query parameters that carry credentials (WeCom ``corpsecret`` and
``access_token``, robot webhook ``key``, DingTalk ``sign`` …), ``Bearer`` tokens, Slack tokens,
passwords inside URLs, and the value of every secret in the configuration."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable
from typing import Any

from bot.config.schema import Config
from metrics.engines.url import parse_url

MASK = "***"
_PARAMS = re.compile(
    r"(?i)\b(corpsecret|access_token|appsecret|app_secret|secret|key|sign|signature|msg_signature|token|"
    r"password|api_key|client_secret|code)=([^&\s\"'<>]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
_SLACK = re.compile(r"\bxox[abposr]-[A-Za-z0-9-]+")
_URL_PASSWORD = re.compile(r"(://[^/\s:@]+):[^@\s/]+@")
_SHORTEST = 6  # a configured value shorter than this would mask ordinary words


def config_secrets(config: Config) -> tuple[str, ...]:
    """Every secret value the configuration holds."""
    values: list[str | None] = [config.secret, config.llm.model.api_key if config.llm.model else None]
    if config.slack:
        values += [config.slack.bot_token, config.slack.signing_secret]
    if config.dingtalk:
        d = config.dingtalk
        values += [d.app_secret, d.robot_webhook, d.robot_secret]
        values += [v for r in d.robots.values() for v in (r.webhook, r.secret)]
    if config.wecom:
        w = config.wecom
        values += [w.secret, w.token, w.encoding_aes_key, w.robot_webhook]
        values += [v for r in w.robots.values() for v in (r.webhook, r.secret)]
    with contextlib.suppress(Exception):  # a bad URL is reported elsewhere; nothing to mask here
        values.append(parse_url(config.warehouse).password)
    return tuple(sorted({v for v in values if v and len(v) >= _SHORTEST}, key=len, reverse=True))


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = tuple(sorted({s for s in secrets if len(s) >= _SHORTEST}, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = _PARAMS.sub(lambda m: f"{m.group(1)}={MASK}", text)
        text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
        text = _SLACK.sub(f"xox-{MASK}", text)
        return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{MASK}@", text)


def install(secrets: Iterable[str] = ()) -> Redactor:
    """Mask every log record made from now on in this process (idempotent: the latest secrets win)."""
    redact = Redactor(secrets)
    base = getattr(logging.getLogRecordFactory(), "opsbot_base", logging.getLogRecordFactory())

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it itself, unmasked args dropped
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    factory.opsbot_base = base  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
    return redact
