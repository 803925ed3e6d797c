"""Where WeCom cards and answers go: ``wecom:robot`` → the default group robot, ``wecom:robot:<name>`` → a
named one (``platforms.wecom.robots``), ``wecom:<userid>|<userid>`` → app messages (ticket cards as
``button_interaction`` template cards).

A robot card is one markdown message: the card, its buttons as signed action links (a robot has no
callbacks) and ``<@userid>`` mentions of the owner. Robot messages cannot be edited, so an update posts a
new, superseding message. An app card is updated in place with the ResponseCode of the last click (see
wecom_cards.py); without one (never clicked, or the code is used up) a new card is sent instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from adapters.base import DeliveryError, Message, MessageRef, Platform
from adapters.wecom.adapter import WeComAdapter
from adapters.wecom.chats import wecom_robot_name
from adapters.wecom.render import markdown
from adapters.wecom.robot import RobotSender

ROBOT = "robot"
USED = "used_response_code"  # in an app card's ref: the ResponseCode its last update spent


def robot_markdown(message: Message) -> str:
    """The card as robot markdown: URL buttons become ``[label](url)`` links before the mentions."""
    links = [f"[{b.label}]({b.url})" for b in message.buttons if b.url]
    footer = "  ".join(links)
    if message.footer:
        footer = f"{footer}\n{message.footer}" if footer else message.footer
    body = dataclasses.replace(message, image=None, buttons=(), footer=None)  # links and footer follow below
    text = markdown(body, mentions=False)
    if footer:
        text += "\n\n" + footer
    if message.mentions:
        text += "\n\n" + " ".join(f"<@{m.user_id}>" for m in message.mentions)
    return text


class RobotCards:
    """A group robot as an Adapter for its chat (``robot`` or ``robot:<name>``)."""

    platform: Platform = "wecom"

    def __init__(self, sender: RobotSender, key: str) -> None:
        self.sender, self.key = sender, key

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        if message.buttons or message.mentions or message.title or message.table or message.markdown:
            self.sender.send_markdown(self.key, robot_markdown(message))
        else:
            self.sender.send_text(self.key, message.text)
        return MessageRef(platform="wecom", chat=chat, message_id="", extra={"via": "robot"})

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        return self.send(ref.chat, message)


class WeComRouter:
    """The WeCom Adapter the delivery and replies use: a robot (the default, or a named one) or the app, by
    chat."""

    platform: Platform = "wecom"

    def __init__(
        self, app: WeComAdapter | None, robot: RobotCards | None, named: Mapping[str, RobotCards] | None = None
    ) -> None:
        self.app, self.robot, self.named = app, robot, dict(named or {})

    def _robot(self, chat: str, name: str) -> RobotCards:
        robot = self.named.get(name) if name else self.robot
        if robot is None:
            what = f"no robot named {name!r} in platforms.wecom.robots" if name else "no robot_webhook configured"
            raise DeliveryError(f"wecom:{chat}: {what}", retryable=False)
        return robot

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        name = wecom_robot_name(chat)
        if name is not None:
            return self._robot(chat, name).send(chat, message)
        if self.app is None:
            raise DeliveryError(
                f"wecom:{chat}: the WeCom app (corp_id, agent_id, secret) is not configured", retryable=False
            )
        return self.app.send(chat, message)

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        if wecom_robot_name(ref.chat) is not None:
            return self.send(ref.chat, message)
        if self.app is None:
            raise DeliveryError("wecom: the WeCom app is not configured", retryable=False)
        code = ref.extra.get("response_code")
        if not code:
            return self.app.send(ref.chat, message)
        done = self.app.update(ref, message)
        return dataclasses.replace(done, extra={**done.extra, USED: code})  # a redelivered click cannot revive it
