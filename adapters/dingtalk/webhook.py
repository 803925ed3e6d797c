"""``POST /dingtalk/callback`` — the enterprise-app robot's messages in HTTP mode, as a framework-free webhook.

The ``timestamp`` / ``sign`` headers are checked first (``CallbackVerifier``: bad sign or more than 1 h off →
401, nothing done); the body is parsed, and DingTalk gets its 200 (``{}``) once the event is kept — the
answer goes out later through the message's ``sessionWebhook``."""

from __future__ import annotations

import json
from collections.abc import Callable

from adapters.base import InvalidSignature, StaleRequest
from adapters.dingtalk.events import parse
from adapters.dingtalk.inbound import MalformedCallback
from adapters.dingtalk.signing import CallbackVerifier
from adapters.webhook import JSON, WebhookRequest, WebhookResult, bad_callback, invalid_signature, stale_request

PATH = "/dingtalk/callback"


class DingTalkWebhook:
    def __init__(self, verifier: CallbackVerifier, now: Callable[[], float]) -> None:
        self.verifier, self.now = verifier, now

    async def __call__(self, request: WebhookRequest) -> WebhookResult:
        try:
            self.verifier.verify(request.headers)
        except StaleRequest:
            return stale_request()
        except InvalidSignature:
            return invalid_signature()
        try:
            body = json.loads(request.body)
            if not isinstance(body, dict):
                raise MalformedCallback("not a JSON object")
            event = parse(body, self.now)
        except (ValueError, MalformedCallback):  # json.JSONDecodeError is a ValueError
            return bad_callback()
        return WebhookResult(body=b"{}", content_type=JSON, events=(event,))
