"""Signed, expiring action links for platforms without callback buttons (DingTalk robot actionCards …).

A token carries ``(action, value, user_hint, expires_at)`` as compact JSON, base64url-encoded, followed by
``.`` and the base64url HMAC-SHA256 of that encoded payload (key = opsbot's link secret, with a fixed
domain prefix). Anyone holding the link can click it, so the ``user_hint`` is only a hint (who the card
was addressed to); the handler behind ``action_url`` must still identify the clicking person.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from urllib.parse import quote

from adapters.base import InvalidSignature, StaleRequest

_DOMAIN = b"opsbot-action-link-v1."


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str | bytes, payload: str) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return _b64e(hmac.new(key, _DOMAIN + payload.encode("ascii"), hashlib.sha256).digest())


def sign_action(secret: str | bytes, action: str, value: str, user_hint: str, expires_at: int) -> str:
    """A URL-safe token for one button click; ``expires_at`` is in epoch seconds."""
    if not secret:
        raise ValueError("action link secret is empty")
    body = json.dumps([action, value, user_hint, int(expires_at)], ensure_ascii=False, separators=(",", ":"))
    payload = _b64e(body.encode())
    return f"{payload}.{_mac(secret, payload)}"


def verify_action(secret: str | bytes, token: str, now: float) -> tuple[str, str, str]:
    """``(action, value, user_hint)`` of a genuine, unexpired token; InvalidSignature / StaleRequest otherwise."""
    payload, _, mac = token.partition(".")
    if not payload or not mac or not hmac.compare_digest(_mac(secret, payload), mac):
        raise InvalidSignature("action link signature does not match")
    try:
        fields = json.loads(_b64d(payload))
    except (binascii.Error, ValueError) as exc:  # signed but undecodable: only with a leaked key or a bug
        raise InvalidSignature("action link payload is malformed") from exc
    if not (isinstance(fields, list) and len(fields) == 4 and isinstance(fields[3], int)):
        raise InvalidSignature("action link payload is malformed")
    action, value, user_hint, expires_at = fields
    if now >= expires_at:
        raise StaleRequest("action link has expired")
    return str(action), str(value), str(user_hint)


def action_url(base_url: str, token: str) -> str:
    """``{base_url}/{token}`` — the route serving it (in ``bot/``) verifies the token and performs the action."""
    return f"{base_url.rstrip('/')}/{quote(token, safe='')}"
