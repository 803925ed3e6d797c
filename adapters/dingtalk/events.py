"""A DingTalk robot callback body (HTTP mode or Stream mode, the same JSON) → InboundEvent.

Both receiving paths share this, so a message is parsed the same way whichever way it arrived; the inbox
de-duplicates by ``msgId`` (a redelivered callback is taken once)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from adapters.base import InboundEvent
from adapters.dingtalk.inbound import parse_callback, session_webhook_expired

log = logging.getLogger("opsbot.dingtalk")
Submit = Callable[[InboundEvent], bool]


def parse(body: Mapping[str, Any], now: Callable[[], float]) -> InboundEvent:
    """The event of a verified callback body. MalformedCallback propagates."""
    event = parse_callback(body, now=now)
    log.info("DingTalk message %s from %s in conversation %s", event.event_id, event.user, event.chat)
    if session_webhook_expired(body, now=now):
        log.info("DingTalk message %s came with an expired sessionWebhook", event.event_id)
    return event


def take(body: Mapping[str, Any], submit: Submit, now: Callable[[], float]) -> bool:
    """Parse a verified callback body and hand it on; False when it is a repeat. MalformedCallback propagates."""
    return submit(parse(body, now))
