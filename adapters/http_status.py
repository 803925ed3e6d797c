"""How the JSON webhook platforms (DingTalk, WeCom) fail at the HTTP level, as DeliveryErrors."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.base import DeliveryError


def retry_after(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds, None when absent or not a number."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def json_body(response: httpx.Response, who: str, *, detail: bool = False) -> Any:
    """The decoded body of a 2xx/3xx response. 429 and 5xx are retryable (with Retry-After), other
    4xx are not (``detail`` adds the start of the body), a body that is not JSON is retryable.
    ``who`` starts every message, e.g. "DingTalk" or "wecom send:"."""
    status = response.status_code
    if status == 429 or status >= 500:
        raise DeliveryError(f"{who} HTTP {status}", retryable=True, retry_after=retry_after(response))
    if status >= 400:
        extra = f": {response.text[:200]}" if detail else ""
        raise DeliveryError(f"{who} HTTP {status}{extra}", retryable=False)
    try:
        return response.json()
    except ValueError as exc:
        raise DeliveryError(f"{who} answered with invalid JSON", retryable=True) from exc
