"""Slack request verification: `v0=` HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret,
rejected when the timestamp is more than 300 s from now. The check itself is slack_sdk's SignatureVerifier;
this module only injects the clock and turns its boolean into our exceptions."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from slack_sdk.signature import Clock, SignatureVerifier

from adapters.base import InvalidSignature, StaleRequest

MAX_SKEW_SECONDS = 300
TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"


class _FnClock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


class SlackVerifier:
    """Verifies one request's headers and raw body; ``now`` (epoch seconds) is injectable for tests."""

    def __init__(self, signing_secret: str, *, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._verifier = SignatureVerifier(signing_secret, clock=_FnClock(now))

    def verify(self, headers: Mapping[str, str], body: bytes | str) -> None:
        """Return if the request is Slack's; raise StaleRequest (replay window) or InvalidSignature."""
        lowered = {k.lower(): v for k, v in headers.items()}
        timestamp = lowered.get(TIMESTAMP_HEADER)
        signature = lowered.get(SIGNATURE_HEADER)
        if not timestamp or not signature:
            raise InvalidSignature("missing X-Slack-Request-Timestamp or X-Slack-Signature")
        try:
            ts = int(timestamp)
        except ValueError as err:
            raise InvalidSignature(f"bad X-Slack-Request-Timestamp: {timestamp!r}") from err
        if abs(self._now() - ts) > MAX_SKEW_SECONDS:
            raise StaleRequest(f"request timestamp {ts} is more than {MAX_SKEW_SECONDS} s from now")
        if not self._verifier.is_valid(body=body, timestamp=timestamp, signature=signature):
            raise InvalidSignature("X-Slack-Signature does not match")

    def sign(self, timestamp: str, body: bytes | str) -> str:
        """The signature Slack would send (for tests and local tools)."""
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body)
        assert signature is not None
        return signature
