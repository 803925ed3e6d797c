"""Decrypted WeCom callback XML → InboundEvent.

Two shapes are understood:

- the app (自建应用) callback: ``FromUserName``, ``CreateTime``, ``MsgType`` (``text`` with
  ``Content``/``MsgId``; ``event`` with ``Event=template_card_event``, ``EventKey``, ``TaskId``,
  ``ResponseCode``). An app conversation is a DM, so ``chat`` is the sender's userid.
- the group robot callback: ``ChatId``, ``ChatType`` (group/single), ``From/UserId``, ``From/Name``,
  ``Text/Content`` (starting with the robot's @-mention), ``MsgId``, ``WebhookUrl``.

Anything else (images, enter_agent …) parses to None.
"""

from __future__ import annotations

import re

from adapters.base import ButtonAction, InboundEvent, MessageRef
from adapters.wecom.keys import parse_button_key
from adapters.wecom.xmlsafe import parse_fields

_LEADING_MENTION = re.compile(r"^\s*@\S+\s*")


def parse_message(xml: str) -> InboundEvent | None:
    """The InboundEvent of one decrypted callback message, or None for kinds opsbot ignores."""
    fields = parse_fields(xml)
    if "From/UserId" in fields:
        return _robot_event(fields)
    msg_type = fields.get("MsgType", "")
    if msg_type == "text":
        return _app_text(fields)
    if msg_type == "event" and fields.get("Event") == "template_card_event":
        return _card_click(fields)
    return None


def _app_text(fields: dict[str, str]) -> InboundEvent:
    user = fields.get("FromUserName", "")
    return InboundEvent(
        platform="wecom",
        event_id=fields.get("MsgId") or f"{user}:{fields.get('CreateTime', '')}",
        chat=user,
        user=user,
        text=fields.get("Content", "").strip(),
        direct=True,
        raw=dict(fields),
    )


def _card_click(fields: dict[str, str]) -> InboundEvent:
    user = fields.get("FromUserName", "")
    task_id = fields.get("TaskId", "")
    response_code = fields.get("ResponseCode") or None
    action, value = parse_button_key(fields.get("EventKey", ""))
    extra = {"task_id": task_id}
    if response_code:
        extra["response_code"] = response_code
    ref = MessageRef(platform="wecom", chat=user, message_id=task_id, extra=extra)
    return InboundEvent(
        platform="wecom",
        event_id=f"{user}:{fields.get('CreateTime', '')}",
        chat=user,
        user=user,
        direct=True,
        action=ButtonAction(action=action, value=value, message=ref, response_token=response_code),
        raw=dict(fields),
    )


def _robot_event(fields: dict[str, str]) -> InboundEvent | None:
    if fields.get("MsgType") != "text":
        return None
    user = fields["From/UserId"]
    chat_type = fields.get("ChatType", "group")
    text = fields.get("Text/Content", "")
    if chat_type != "single":  # a group message starts with the robot's own @-mention
        text = _LEADING_MENTION.sub("", text, count=1)
    return InboundEvent(
        platform="wecom",
        event_id=fields.get("MsgId") or f"{user}:{fields.get('CreateTime', '')}",
        chat=fields.get("ChatId") or user,
        user=user,
        text=text.strip(),
        user_name=fields.get("From/Name") or None,
        direct=chat_type == "single",
        reply_url=fields.get("WebhookUrl") or None,
        raw=dict(fields),
    )
