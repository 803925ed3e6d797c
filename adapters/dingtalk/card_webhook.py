"""``POST /dingtalk/card/callback`` — interactive card clicks over HTTP (cards created with ``callbackType: HTTP``
and the ``callbackRouteKey`` this URL is registered under), as a framework-free webhook.

The ``x-ddpaas-signature-timestamp`` / ``x-ddpaas-signature`` headers are checked first
(``CardCallbackVerifier``: a missing, forged, reused or more than 1 h old signature → 401 and one log line,
nothing done); the body (``{type: actionCallback, outTrackId, userId, content, …}``) is parsed by the same
``parse_card_callback`` as a Stream click, so a click is one event however it arrives, and DingTalk gets its 200
(``{}``: no new card data — the card is updated by the delivery that follows the ticket step) once the event is
kept."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from adapters.base import InvalidSignature, StaleRequest
from adapters.dingtalk.card_callback import parse_card_callback
from adapters.dingtalk.inbound import MalformedCallback
from adapters.dingtalk.signing import CardCallbackVerifier
from adapters.webhook import JSON, WebhookRequest, WebhookResult, bad_callback, invalid_signature, stale_request

CARD_PATH = "/dingtalk/card/callback"
log = logging.getLogger("opsbot.dingtalk.cards")


ChatOf = Callable[[str], str | None]  # outTrackId → the card's chat (card:<openConversationId>), None if unknown


class CardCallbackWebhook:
    """``chat_of`` names the group of a card: an HTTP callback carries the card's ``outTrackId`` but not its
    group (the Stream one does, as ``spaceId``)."""

    def __init__(self, verifier: CardCallbackVerifier, chat_of: ChatOf) -> None:
        self.verifier, self.chat_of = verifier, chat_of

    async def __call__(self, request: WebhookRequest) -> WebhookResult:
        try:
            self.verifier.verify(request.headers)
        except StaleRequest as e:
            log.warning("refused a DingTalk card callback: %s", e)
            return stale_request()
        except InvalidSignature as e:
            log.warning("refused a DingTalk card callback: %s", e)
            return invalid_signature()
        try:
            body = json.loads(request.body)
            if not isinstance(body, dict):
                raise MalformedCallback("not a JSON object")
            track = str(body.get("outTrackId") or "")
            chat = await asyncio.to_thread(self.chat_of, track) if track and not body.get("spaceId") else None
            event = parse_card_callback(body, chat)
        except (ValueError, MalformedCallback) as e:  # json.JSONDecodeError is a ValueError
            log.warning("ignoring a signed DingTalk card callback: %s", e)
            return bad_callback()
        return WebhookResult(body=b"{}", content_type=JSON, events=(event,))
