"""POST a JSON payload to a DingTalk robot endpoint and map every failure to a DeliveryError.

Retryable: transport errors, HTTP 429 (``Retry-After`` honoured), HTTP 5xx, ``errcode`` 130101 (sending
too fast — DingTalk then throttles the robot for 10 minutes) and -1 (system busy). Everything else
(bad token, bad sign, bad payload, other 4xx) is not retryable and carries DingTalk's ``errmsg``.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.base import DeliveryError
from adapters.http_status import json_body

SEND_TOO_FAST = 130101
SYSTEM_BUSY = -1
THROTTLE_SECONDS = 600.0  # DingTalk: a robot over its limit is throttled for 10 minutes


class NotSent(DeliveryError):
    """The request never reached DingTalk (connection refused / DNS): safe to retry, nothing was posted."""


class Throttled(DeliveryError):
    """DingTalk refused the robot for sending too fast (errcode 130101); it stays throttled for 10 minutes."""


def _check_errcode(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise DeliveryError("DingTalk answered without a JSON object", retryable=True)
    code, msg = body.get("errcode", 0), body.get("errmsg", "")
    if code in (0, "0"):
        return body
    if code == SEND_TOO_FAST:
        raise Throttled(f"DingTalk errcode {code}: {msg}", retryable=True, retry_after=THROTTLE_SECONDS)
    if code == SYSTEM_BUSY:
        raise DeliveryError(f"DingTalk errcode {code}: {msg}", retryable=True)
    raise DeliveryError(f"DingTalk errcode {code}: {msg}", retryable=False)


class DingTalkClient:
    """A thin httpx wrapper; pass ``http`` to share a connection pool or set transports in tests."""

    def __init__(self, *, http: httpx.Client | None = None, timeout: float = 5.0) -> None:
        self._http = http or httpx.Client(timeout=timeout)

    def post(self, url: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(url, json=payload)
        except httpx.ConnectError as exc:
            raise NotSent(f"DingTalk unreachable: {exc}", retryable=True) from exc
        except httpx.TransportError as exc:
            raise DeliveryError(f"DingTalk request failed: {exc}", retryable=True) from exc
        return _check_errcode(json_body(response, "DingTalk", detail=True))

    def close(self) -> None:
        self._http.close()
