"""An interactive card's button callback → InboundEvent, the same for both ways DingTalk delivers it: the Stream
topic ``/v1.0/card/instances/callback`` and the HTTP callback URL registered under a ``callbackRouteKey``.

DingTalk sends ``outTrackId`` (the card), ``userId`` (the clicker's staff id, verified by DingTalk: the Stream
connection is authenticated with the app's key and secret, the HTTP callback signed with the registered
apiSecret), ``spaceType`` / ``spaceId`` (the group's openConversationId for ``IM_GROUP``; absent over HTTP,
where the caller names the card's chat) and ``content`` (or ``value``): a JSON text whose
``cardPrivateData.params`` are the clicked button's callback params — ``action``, ``ticket`` and ``v`` (the
card state the button was on) on opsbot's cards.

Neither way carries an id of the click itself (Stream has only its frame's ``messageId``), so the event id is
made from what the click is: the card, the clicker and the button's params. A click redelivered — as the same
frame, a retried HTTP callback, or through both ways — is one event to the inbox; a click on the card's next
state is a new one (its buttons carry a new ``v``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from adapters.base import ButtonAction, InboundEvent, MessageRef
from adapters.dingtalk.cards import CARD_PREFIX
from adapters.dingtalk.inbound import MalformedCallback

TOPIC = "/v1.0/card/instances/callback"


def _params(data: Mapping[str, Any]) -> dict[str, Any]:
    raw = data.get("content") or data.get("value") or "{}"
    try:
        doc = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as e:
        raise MalformedCallback("card callback content is not JSON") from e
    private = doc.get("cardPrivateData") if isinstance(doc, dict) else None
    params = private.get("params") if isinstance(private, dict) else None
    return params if isinstance(params, dict) else {}


def click_id(track: str, user: str, params: Mapping[str, Any]) -> str:
    """The click's event id: the card, the clicker and the button's params (``v`` included), hashed."""
    what = json.dumps([track, user, params], ensure_ascii=False, sort_keys=True, default=str)
    return "card-" + hashlib.sha256(what.encode()).hexdigest()[:32]


def parse_card_callback(data: Mapping[str, Any], chat: str | None = None) -> InboundEvent:
    """``chat``: the card's ``card:<openConversationId>`` when the callback does not name its group (``spaceId``
    is absent from HTTP callbacks) — the caller knows where it posted the card."""
    track, user = str(data.get("outTrackId") or ""), str(data.get("userId") or "")
    params = _params(data)
    action, ticket = str(params.get("action") or ""), str(params.get("ticket") or "")
    if not (track and user and action and ticket):
        raise MalformedCallback("card callback without outTrackId, userId or action/ticket params")
    space = str(data.get("spaceId") or "")
    chat = CARD_PREFIX + space if space else chat or CARD_PREFIX + track
    target = params.get("target")
    return InboundEvent(
        platform="dingtalk",
        event_id=click_id(track, user, params),
        chat=chat,
        user=user,
        direct=False,
        action=ButtonAction(
            action=action,
            value=ticket,
            message=MessageRef(platform="dingtalk", chat=chat, message_id=track),
            target=str(target) if target else None,
        ),
        raw=dict(data),
    )
