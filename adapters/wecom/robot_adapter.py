"""WeComRobotAdapter: the bot's Adapter over a group robot webhook (``chat`` = the robot's webhook key).

A robot posts into its group: markdown for rich messages (mentions as ``<@userid>``), text with
``mentioned_list`` otherwise, a text_notice card when buttons carry URLs (robots have no callback
buttons), and the image, if any, as a second message. Robot messages cannot be edited, so
``update`` raises a non-retryable DeliveryError; the bot posts a follow-up instead.
"""

from __future__ import annotations

from adapters.base import DeliveryError, Message, MessageRef, Platform
from adapters.wecom.render import robot_image, robot_payload
from adapters.wecom.robot import RobotSender


class WeComRobotAdapter:
    platform: Platform = "wecom"

    def __init__(self, sender: RobotSender) -> None:
        self.sender = sender

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        payload = robot_payload(message)
        self.sender.post(chat, payload)
        if message.image is not None:
            self.sender.post(chat, robot_image(message.image.png))
        return MessageRef(platform="wecom", chat=chat, message_id="", extra={"via": "robot"})

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        raise DeliveryError("wecom: robot messages cannot be updated", retryable=False)
