"""An interactive card's button callback (Stream topic ``/v1.0/card/instances/callback``) → InboundEvent.

DingTalk sends ``outTrackId`` (the card), ``userId`` (the clicker's staff id, verified by DingTalk: the Stream
connection is authenticated with the app's key and secret), ``spaceType`` / ``spaceId`` (the group's
openConversationId for ``IM_GROUP``) and ``content`` (or ``value``): a JSON text whose
``cardPrivateData.params`` are the clicked button's callback params — ``action`` and ``ticket`` on opsbot's
cards. The event id is the Stream frame's ``messageId``, so a redelivered frame is taken once by the inbox."""

from __future__ import annotations

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


def parse_card_callback(data: Mapping[str, Any], message_id: str) -> InboundEvent:
    track, user = str(data.get("outTrackId") or ""), str(data.get("userId") or "")
    params = _params(data)
    action, ticket = str(params.get("action") or ""), str(params.get("ticket") or "")
    if not (track and user and action and ticket and message_id):
        raise MalformedCallback("card callback without outTrackId, userId, messageId or action/ticket params")
    space = str(data.get("spaceId") or "")
    chat = CARD_PREFIX + space if space else CARD_PREFIX + track
    target = params.get("target")
    return InboundEvent(
        platform="dingtalk",
        event_id=f"card-{message_id}",
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
