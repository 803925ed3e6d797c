"""A platform's inbound HTTP endpoint without an HTTP framework: a request in, a result out.

Each platform's webhook (``adapters/<platform>/webhook.py``) verifies and parses a ``WebhookRequest`` into a
``WebhookResult``: the status and body to answer with, and the verified events to keep. The bot mounts every
platform's webhooks on its HTTP app in one place (bot/http/webhooks.py), keeping the events before it answers,
as slack-bolt's adapters turn a framework's request into a ``BoltRequest`` and a ``BoltResponse`` back.

A refused request answers with the one error shape of opsbot's HTTP API (``error_result``):
``{"error": [{"code": …, "zh": …, "en": …}]}`` — the code says what was wrong, never the exception's text.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from adapters.base import InboundEvent

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class WebhookRequest:
    """What arrived: the method, the query parameters, the headers (names in lower case) and the raw body."""

    method: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class WebhookResult:
    """What to answer, and the verified events the answer promises are kept (empty when refused)."""

    status: int = 200
    body: bytes = b""
    content_type: str = TEXT
    headers: Mapping[str, str] = field(default_factory=dict)
    events: tuple[InboundEvent, ...] = ()


WebhookHandler = Callable[[WebhookRequest], Awaitable[WebhookResult]]


def error_body(code: str, en: str, zh: str) -> bytes:
    """The one error shape of opsbot's HTTP API, as JSON bytes."""
    problem = {"code": code, "zh": zh, "en": en}
    return json.dumps({"error": [problem]}, ensure_ascii=False).encode()


def error_result(status: int, code: str, en: str, zh: str) -> WebhookResult:
    return WebhookResult(status=status, body=error_body(code, en, zh), content_type=JSON)


def invalid_signature() -> WebhookResult:
    """401: the request is not the platform's (a bad or missing signature)."""
    return error_result(401, "webhook.invalid_signature", "invalid signature", "签名无效")


def stale_request() -> WebhookResult:
    """401: a genuine signature outside the platform's replay window."""
    return error_result(401, "webhook.stale_request", "stale request", "请求已过期")


def bad_callback() -> WebhookResult:
    """400: signed, but not a callback the platform sends."""
    return error_result(400, "webhook.bad_callback", "bad callback", "回调内容无法解析")
