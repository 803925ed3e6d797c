"""The DingTalk ``Adapter``: one custom group robot per chat.

DingTalk custom robots cannot edit or recall a message they posted (the send answers only
``{"errcode": 0}``, with no message id). So ``update`` posts the new version as a NEW message in the same
group and returns its ref; ``extra["supersedes"]`` names the message it replaces. The ticket card the bot
renders carries the ticket number and state, which is what ties the versions together for readers.
Message ids are opsbot's own (``dt-<uuid>``). Threads do not exist for robots and are ignored.

A ``card:<openConversationId>`` chat is the app robot's: its messages are interactive cards (``cards.py``), posted
once and updated in place (the ref's id is the card's outTrackId).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from adapters.base import DeliveryError, Message, MessageRef, Platform
from adapters.dingtalk.cards import CardSender, card_chat
from adapters.dingtalk.client import DingTalkClient
from adapters.dingtalk.robot import DingTalkRobot, reply
from adapters.markup import Publish, with_link


class DingTalkAdapter:
    platform: Platform = "dingtalk"

    def __init__(
        self,
        robots: Mapping[str, DingTalkRobot],
        *,
        client: DingTalkClient | None = None,
        base_url: str | None = None,
        default: DingTalkRobot | None = None,
        publish: Publish | None = None,
        cards: CardSender | None = None,
    ) -> None:
        """``robots`` maps opsbot's chat id for a group (e.g. its conversationId) to that group's robot;
        ``default`` posts for any other chat (opsbot.yaml's one robot serves every ``dingtalk:<group>``);
        ``client`` / ``base_url`` (the config's ``platforms.dingtalk.api_url``) serve session-webhook replies."""
        self._robots = dict(robots)
        self._default = default
        self._client = client or DingTalkClient()
        self._base_url = base_url
        self._publish = publish
        self._cards = cards

    def linked(self, message: Message) -> Message:
        """``message`` with its whole result (CSV) published as ``link``, for the "共 N 行" line of a cut table."""
        return with_link(message, self._publish)

    def image_url(self, message: Message) -> str | None:
        """Where DingTalk can fetch the message's chart: ``publish`` stores it as a signed, expiring download
        under the server's public URL (None when there is no such URL; the text then says why)."""
        if message.image is None or self._publish is None:
            return None
        return self._publish(message.image.png, "png")

    def _robot(self, chat: str) -> DingTalkRobot:
        robot = self._robots.get(chat, self._default)
        if robot is None:
            raise DeliveryError(f"no DingTalk robot configured for chat {chat!r}", retryable=False)
        return robot

    def _card_sender(self, chat: str) -> CardSender | None:
        if card_chat(chat) is None:
            return None
        if self._cards is None:
            raise DeliveryError(f"dingtalk:{chat} needs platforms.dingtalk.card_template_id", retryable=False)
        return self._cards

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        cards = self._card_sender(chat)
        if cards is not None:
            return cards.send(chat, message)
        message = self.linked(message)
        self._robot(chat).send(message, self.image_url(message))
        return MessageRef(platform="dingtalk", chat=chat, message_id=f"dt-{uuid.uuid4().hex}")

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        """An interactive card is updated in place; robots cannot edit: post ``message`` anew in ``ref.chat``,
        the new ref supersedes ``ref``."""
        cards = self._card_sender(ref.chat)
        if cards is not None:
            return cards.update(ref, message)
        message = self.linked(message)
        self._robot(ref.chat).send(message, self.image_url(message))
        return MessageRef(
            platform="dingtalk",
            chat=ref.chat,
            message_id=f"dt-{uuid.uuid4().hex}",
            extra={"supersedes": ref.message_id},
        )

    def reply(self, session_webhook: str, chat: str, message: Message) -> MessageRef:
        """Answer a callback (group or single chat) in its conversation through its ``sessionWebhook``."""
        message = self.linked(message)
        reply(self._client, session_webhook, message, base_url=self._base_url, image_url=self.image_url(message))
        return MessageRef(platform="dingtalk", chat=chat, message_id=f"dt-{uuid.uuid4().hex}")
