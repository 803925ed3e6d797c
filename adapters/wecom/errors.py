"""WeCom API responses → JSON body or DeliveryError.

HTTP 429 and 5xx, transport failures, errcode -1 (system busy) and 45009 (API frequency limit) are
retryable; 40014/42001 (invalid/expired access_token) are TokenRejected, which the client answers
by fetching a new token once; every other non-zero errcode is final, with WeCom's errmsg.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.base import DeliveryError
from adapters.http_status import json_body

TOKEN_ERRCODES = frozenset({40014, 42001})
RATE_LIMITED = 45009
RETRYABLE_ERRCODES = frozenset({-1, RATE_LIMITED})
RATE_LIMIT_WAIT_S = 60.0  # WeCom's API and robot limits are per minute


class TokenRejected(DeliveryError):
    """The access_token is invalid or expired (errcode 40014/42001)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


def read_json(response: httpx.Response, what: str) -> dict[str, Any]:
    """The response body; DeliveryError for HTTP failures, non-JSON bodies and non-zero errcodes."""
    body = json_body(response, f"wecom {what}:")
    if not isinstance(body, dict):
        raise DeliveryError(f"wecom {what}: response is not a JSON object", retryable=True)
    check_errcode(body, what)
    return body


def check_errcode(body: dict[str, Any], what: str) -> None:
    try:
        code = int(body.get("errcode") or 0)
    except (TypeError, ValueError):
        raise DeliveryError(f"wecom {what}: bad errcode {body.get('errcode')!r}", retryable=True) from None
    if code == 0:
        return
    message = f"wecom {what}: errcode {code}: {body.get('errmsg', '')}"
    if code in TOKEN_ERRCODES:
        raise TokenRejected(message)
    if code == RATE_LIMITED:
        raise DeliveryError(message, retryable=True, retry_after=RATE_LIMIT_WAIT_S)
    raise DeliveryError(message, retryable=code in RETRYABLE_ERRCODES)


def transport_error(exc: httpx.HTTPError, what: str) -> DeliveryError:
    return DeliveryError(f"wecom {what}: {type(exc).__name__}: {exc}", retryable=True)
