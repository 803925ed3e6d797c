"""``GET/POST /wecom/callback`` — the WeCom app's callback URL, as a framework-free webhook.

GET is the URL verification (``msg_signature``, ``timestamp``, ``nonce``, ``echostr`` → the decrypted
echostr as plain text). POST carries an encrypted message: verified and decrypted (a bad signature → 401,
nothing done), parsed, and answered at once with an empty 200 (WeCom retries after 5 s) once its event is
kept. Clicks carry no MsgId, so they are de-duplicated by FromUserName + CreateTime + EventKey.
"""

from __future__ import annotations

import dataclasses

from adapters.base import InboundEvent, InvalidSignature, StaleRequest
from adapters.webhook import WebhookRequest, WebhookResult, bad_callback, invalid_signature, stale_request
from adapters.wecom.callback import WeComCallback

PATH = "/wecom/callback"


def event_key(event: InboundEvent) -> InboundEvent:
    """Clicks are deduplicated by FromUserName + CreateTime + EventKey (they carry no MsgId)."""
    if event.action is None:
        return event
    raw = event.raw
    key = f"{raw.get('FromUserName', event.user)}:{raw.get('CreateTime', '')}:{raw.get('EventKey', '')}"
    return dataclasses.replace(event, event_id=key)


class WeComWebhook:
    """The callback URL: ``verify`` answers GET, ``__call__`` answers POST."""

    def __init__(self, callback: WeComCallback) -> None:
        self.callback = callback

    async def verify(self, request: WebhookRequest) -> WebhookResult:
        try:
            echo = self.callback.verify_url(request.query)
        except StaleRequest:
            return stale_request()
        except InvalidSignature:
            return invalid_signature()
        return WebhookResult(body=echo.encode())

    async def __call__(self, request: WebhookRequest) -> WebhookResult:
        if request.method == "GET":
            return await self.verify(request)
        try:
            event = self.callback.parse(request.query, request.body)
        except StaleRequest:
            return stale_request()
        except InvalidSignature:
            return invalid_signature()
        except ValueError:
            return bad_callback()
        return WebhookResult(events=(event_key(event),) if event is not None else ())
