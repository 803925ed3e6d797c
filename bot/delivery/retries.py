"""Sending an answer with retries: a retryable platform failure (429, 5xx, a timeout) is tried again
after the platform's Retry-After (or a growing pause); a permanent one is logged, not retried."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from adapters.base import DeliveryError

log = logging.getLogger("opsbot.outbound")
T = TypeVar("T")
ATTEMPTS = 5
MAX_WAIT_S = 30.0


def with_retries(
    send: Callable[[], T], *, what: str, attempts: int = ATTEMPTS, sleep: Callable[[float], None] = time.sleep
) -> T | None:
    """``send()``'s result, or None when every attempt failed (each failure is logged)."""
    for attempt in range(attempts):
        try:
            return send()
        except DeliveryError as e:
            if not e.retryable or attempt == attempts - 1:
                log.error("%s failed for good: %s", what, e)
                return None
            wait = min(MAX_WAIT_S, e.retry_after if e.retry_after is not None else 0.5 * 2**attempt)
            log.warning("%s failed (%s); retrying in %.1f s", what, e, wait)
            sleep(wait)
    return None
