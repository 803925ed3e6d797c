"""slack_sdk failures → DeliveryError: rate limits and server/connection trouble are retryable (the outbox
retries, honouring ``retry_after``); everything else (channel_not_found, not_in_channel, invalid_auth …)
is not, and carries Slack's error code in the message."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError, SlackClientError

from adapters.base import DeliveryError

RETRYABLE_CODES = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


def from_api_error(method: str, err: SlackApiError) -> DeliveryError:
    status = int(getattr(err.response, "status_code", 0) or 0)
    data = err.response.data if isinstance(err.response.data, dict) else {}
    code = str(data.get("error") or f"http_{status}")
    if status == 429 or code == "ratelimited":
        return DeliveryError(f"slack {method}: ratelimited", retryable=True, retry_after=_retry_after(err))
    retryable = status >= 500 or code in RETRYABLE_CODES
    return DeliveryError(f"slack {method}: {code}", retryable=retryable)


def from_transport_error(method: str, err: Exception) -> DeliveryError:
    """Connection refused/reset, timeouts, an upload rejected by the file server: worth another try."""
    kind = "client error" if isinstance(err, SlackClientError) else type(err).__name__
    return DeliveryError(f"slack {method}: {kind}: {err}", retryable=True)


def _retry_after(err: SlackApiError) -> float | None:
    headers = {str(k).lower(): v for k, v in (err.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
