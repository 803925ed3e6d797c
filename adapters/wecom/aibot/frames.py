"""The long connection's frames (WebSocket text frames of JSON), as WeCom documents them
(developer.work.weixin.qq.com/document/path/101463; the official aibot SDKs send the same):

- every frame is ``{cmd, headers: {req_id}, body}``; an answer to a frame we sent has no ``cmd``, the same
  ``req_id`` and ``errcode`` / ``errmsg``;
- we send ``aibot_subscribe`` (``body: {bot_id, secret}``) first, then ``ping`` every 30 s (no body);
  ``aibot_respond_msg`` (reply to a message, the message's ``req_id``), ``aibot_respond_update_msg`` (update
  the clicked template card, the click event's ``req_id``, within 5 s of the event) and ``aibot_send_msg``
  (post first into a chat: ``body: {chatid, msgtype, …}``, a new ``req_id``);
- WeCom sends ``aibot_msg_callback`` (a message) and ``aibot_event_callback`` (an event: ``enter_chat``,
  ``template_card_event``, ``feedback_event``, ``disconnected_event`` when another connection took over).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

SUBSCRIBE = "aibot_subscribe"
PING = "ping"
RESPOND = "aibot_respond_msg"
RESPOND_UPDATE = "aibot_respond_update_msg"
SEND = "aibot_send_msg"
MSG_CALLBACK = "aibot_msg_callback"
EVENT_CALLBACK = "aibot_event_callback"
CALLBACKS = (MSG_CALLBACK, EVENT_CALLBACK)
DISCONNECTED = "disconnected_event"
DEFAULT_URL = "wss://openws.work.weixin.qq.com"


def req_id(cmd: str) -> str:
    """A new request id, prefixed by its command (as the SDKs do, so answers can be told apart in logs)."""
    return f"{cmd}_{uuid.uuid4().hex}"


def frame(cmd: str, rid: str, body: dict[str, Any] | None = None) -> str:
    doc: dict[str, Any] = {"cmd": cmd, "headers": {"req_id": rid}}
    if body is not None:
        doc["body"] = body
    return json.dumps(doc, ensure_ascii=False)


def subscribe(bot_id: str, secret: str) -> tuple[str, str]:
    rid = req_id(SUBSCRIBE)
    return rid, frame(SUBSCRIBE, rid, {"bot_id": bot_id, "secret": secret})


def ping() -> tuple[str, str]:
    rid = req_id(PING)
    return rid, frame(PING, rid)


def parse(text: str | bytes) -> dict[str, Any]:
    """A received frame; ValueError when it is not a JSON object with ``headers.req_id``."""
    doc = json.loads(text)
    if not isinstance(doc, dict) or not isinstance(doc.get("headers"), dict):
        raise ValueError("not an aibot frame")
    if not isinstance(doc["headers"].get("req_id"), str):
        raise ValueError("aibot frame without headers.req_id")
    return doc


def rid_of(doc: dict[str, Any]) -> str:
    return str(doc["headers"]["req_id"])


def event_type(body: dict[str, Any]) -> str:
    event = body.get("event")
    return str(event.get("eventtype") or "") if isinstance(event, dict) else ""
