"""DingTalk's two HMAC-SHA256 schemes (docs/protocols.md, DingTalk).

* Custom group robot (outbound): ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" + secret)))``
  with ``timestamp`` in milliseconds, both added as query parameters of the webhook URL.
* Enterprise-app robot callback (inbound, HTTP mode): headers ``timestamp`` (ms) and
  ``sign = base64(HMAC-SHA256(key=appSecret, msg=timestamp + "\\n" + appSecret))`` — NOT URL-encoded; rejected
  when the timestamp is more than one hour off.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from adapters.base import InvalidSignature, StaleRequest
from adapters.dingtalk.once import SeenSigns

MAX_SKEW_MS = 3_600_000  # DingTalk: a request more than 1 h off is rejected


def compute_sign(secret: str, timestamp_ms: int | str) -> str:
    """base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")) — the raw sign, not URL-encoded."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def now_ms(now: Callable[[], float] = time.time) -> int:
    return int(now() * 1000)


def signed_webhook_url(webhook_url: str, secret: str, *, now: Callable[[], float] = time.time) -> str:
    """The robot webhook URL (``…/robot/send?access_token=…``) with ``timestamp`` and ``sign`` appended.

    ``urlencode`` quotes the base64 sign (``+``, ``/``, ``=``), which is the URL-encoding DingTalk requires."""
    timestamp = now_ms(now)
    parts = urlsplit(webhook_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("timestamp", "sign")]
    query += [("timestamp", str(timestamp)), ("sign", compute_sign(secret, timestamp))]
    return urlunsplit(parts._replace(query=urlencode(query)))


class CallbackVerifier:
    """Verifies an enterprise-app robot callback's ``timestamp`` and ``sign`` headers."""

    def __init__(self, app_secret: str, *, now: Callable[[], float] = time.time, max_skew_ms: int = MAX_SKEW_MS):
        if not app_secret:
            raise ValueError("DingTalk appSecret is empty")
        self._secret = app_secret
        self._now = now
        self._max_skew_ms = max_skew_ms
        self._seen = SeenSigns(max_skew_ms)

    def verify(self, headers: Mapping[str, str]) -> None:
        """Raise InvalidSignature (missing/mismatching sign, or a sign already used) or StaleRequest
        (timestamp more than 1 h off)."""
        lower = {k.lower(): v for k, v in headers.items()}
        timestamp, sign = lower.get("timestamp", ""), lower.get("sign", "")
        if not (timestamp.isascii() and timestamp.isdigit()) or not sign:
            raise InvalidSignature("DingTalk callback without a numeric timestamp and a sign header")
        expected = compute_sign(self._secret, timestamp)
        if not hmac.compare_digest(expected.encode(), sign.encode()):
            raise InvalidSignature("DingTalk callback sign does not match")
        if abs(now_ms(self._now) - int(timestamp)) > self._max_skew_ms:
            raise StaleRequest(f"DingTalk callback timestamp {timestamp} is more than 1 h off")
        self._seen.first_use(timestamp, sign, now_ms(self._now))


CARD_TIMESTAMP = "x-ddpaas-signature-timestamp"
CARD_SIGNATURE = "x-ddpaas-signature"


def card_sign(api_secret: str, timestamp_ms: int | str) -> str:
    """An interactive card HTTP callback's ``x-ddpaas-signature``: base64(HMAC-SHA256(key=apiSecret,
    msg=timestamp)) — the ``apiSecret`` given to ``POST /v1.0/card/callbacks/register``."""
    digest = hmac.new(api_secret.encode(), str(timestamp_ms).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class CardCallbackVerifier:
    """Verifies an interactive card HTTP callback's ``x-ddpaas-signature-timestamp`` / ``x-ddpaas-signature``
    headers (DingTalk, 互动卡片 › 事件回调 › 回调签名验证). The sign covers the timestamp only, so as with the robot
    callback a timestamp more than 1 h off is refused and each (timestamp, sign) pair is accepted once."""

    def __init__(self, api_secret: str, *, now: Callable[[], float] = time.time, max_skew_ms: int = MAX_SKEW_MS):
        if not api_secret:
            raise ValueError("DingTalk card callback apiSecret is empty")
        self._secret = api_secret
        self._now = now
        self._max_skew_ms = max_skew_ms
        self._seen = SeenSigns(max_skew_ms)

    def verify(self, headers: Mapping[str, str]) -> None:
        """Raise InvalidSignature (missing/mismatching sign, or one already used) or StaleRequest (more than 1 h
        off)."""
        lower = {k.lower(): v for k, v in headers.items()}
        timestamp, sign = lower.get(CARD_TIMESTAMP, ""), lower.get(CARD_SIGNATURE, "")
        if not (timestamp.isascii() and timestamp.isdigit()) or not sign:
            raise InvalidSignature("DingTalk card callback without a numeric timestamp and a signature header")
        if not hmac.compare_digest(card_sign(self._secret, timestamp).encode(), sign.encode()):
            raise InvalidSignature("DingTalk card callback signature does not match")
        if abs(now_ms(self._now) - int(timestamp)) > self._max_skew_ms:
            raise StaleRequest(f"DingTalk card callback timestamp {timestamp} is more than 1 h off")
        self._seen.first_use(timestamp, sign, now_ms(self._now))
