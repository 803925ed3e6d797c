"""The web chat as an Adapter: ``send`` stores a bot message (or card) and publishes it, ``update`` replaces one."""

from __future__ import annotations

from typing import Any

from adapters.base import DeliveryError, Message, MessageRef, Platform
from adapters.web.codec import message_body, message_kind
from adapters.web.hub import Hub
from adapters.web.store import WebStore

BOT_NAME = "opsbot"


class WebAdapter:
    platform: Platform = "web"

    def __init__(self, store: WebStore, hub: Hub, *, bot_name: str = BOT_NAME) -> None:
        self.store = store
        self.hub = hub
        self.bot_name = bot_name

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        row = self.store.add(chat, self.bot_name, message_kind(message, thread), message_body(message), thread=thread)
        self.publish("message", row)
        return MessageRef("web", chat, row["id"], thread=thread)

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        row = self.store.replace(ref.message_id, message_body(message))
        if row is None:
            raise DeliveryError(f"web message {ref.message_id} does not exist", retryable=False)
        self.publish("update", row)
        return MessageRef("web", row["chat"], row["id"], thread=row["thread"])

    def post_user(self, chat: str, user: str, text: str, thread: str | None = None) -> dict[str, Any]:
        """A person's message from the page: stored and published like the bot's."""
        row = self.store.add(chat, user, "user", message_body(Message(text=text)), thread=thread)
        self.publish("message", row)
        return row

    def publish(self, kind: str, row: dict[str, Any]) -> None:
        self.hub.publish({"type": kind, "message": row})
