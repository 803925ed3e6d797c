"""Posting, replying and updating as the AI bot, over its long connection.

- ``send``: ``aibot_send_msg`` to ``chatid`` (a group's chatid, or a person's userid): a ticket card (a message
  with buttons) as a ``button_interaction`` template card with a new ``task_id`` (the ref's id), anything else
  as markdown.
- ``update``: ``aibot_respond_update_msg`` under the ``req_id`` of a click on that card (WeCom allows it within
  5 s of the click) — the same card, in place, for everyone in the chat.
- ``reply``: ``aibot_respond_msg`` under the question's ``req_id`` (a finished ``stream`` message), which WeCom
  shows as the bot's reply to that message.
"""

from __future__ import annotations

import uuid
from typing import Any

from adapters.base import DeliveryError, Message, MessageRef, Platform
from adapters.wecom.aibot import frames
from adapters.wecom.aibot.connection import AiBotConnection
from adapters.wecom.aibot.inbound import aibot_chat
from adapters.wecom.keys import new_task_id
from adapters.wecom.render import markdown, template_card

STREAM_LIMIT = 20_000  # bytes of a stream reply's content (WeCom: at most 20480)
SEND_LIMIT = 4096  # bytes of a pushed markdown message


def _chatid(chat: str) -> str:
    chatid = aibot_chat(chat)
    if chatid is None:
        raise DeliveryError(f"wecom:{chat} is no aibot:<chatid> chat", retryable=False)
    return chatid


class AiBotAdapter:
    platform: Platform = "wecom"

    def __init__(self, connection: AiBotConnection) -> None:
        self.connection = connection

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        body: dict[str, Any] = {"chatid": _chatid(chat)}
        if message.buttons:
            ticket = next((b.value for b in message.buttons if b.value), "card")
            task_id = new_task_id(ticket)
            body.update(msgtype="template_card", template_card=template_card(message, task_id))
        else:
            task_id = f"msg-{uuid.uuid4().hex}"
            body.update(msgtype="markdown", markdown={"content": markdown(message, limit=SEND_LIMIT)})
        self.connection.request(frames.SEND, body)
        return MessageRef(platform="wecom", chat=chat, message_id=task_id, extra={"task_id": task_id})

    def update(self, ref: MessageRef, message: Message, click_req_id: str) -> MessageRef:
        task_id = ref.extra.get("task_id") or ref.message_id
        body = {"response_type": "update_template_card", "template_card": template_card(message, task_id)}
        self.connection.request(frames.RESPOND_UPDATE, body, click_req_id)
        return ref

    def reply(self, chat: str, message: Message, req_id: str | None) -> MessageRef:
        """Answer the message of ``req_id`` in its chat; without one (or when WeCom refuses it: too late),
        post the answer to the chat."""
        if req_id:
            sid = f"s-{uuid.uuid4().hex}"
            stream = {"id": sid, "finish": True, "content": markdown(message, limit=STREAM_LIMIT)}
            try:
                self.connection.request(frames.RESPOND, {"msgtype": "stream", "stream": stream}, req_id)
                return MessageRef(platform="wecom", chat=chat, message_id=sid)
            except DeliveryError as e:
                if e.retryable:
                    raise
        return self.send(chat, message)
