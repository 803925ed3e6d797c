"""WeComRobotAdapter: the one sender of group robot messages (``chat`` = the robot's webhook key).

A robot posts into its group: one markdown message for anything rich (a title, a table, markdown, buttons as
signed ``[label](url)`` links — robots have no callback buttons — and ``<@userid>`` mentions), plain text
otherwise, and the image, if any (an answer's chart), as a second message. Robot messages cannot be edited,
so ``update`` raises a non-retryable DeliveryError; the router (router.py) posts a superseding message.
"""

from __future__ import annotations

from typing import Any

from adapters.base import DeliveryError, Message, MessageRef, Platform
from adapters.wecom.render import robot_image, robot_markdown
from adapters.wecom.robot import RobotSender


def _rich(message: Message) -> bool:
    return bool(message.buttons or message.mentions or message.title or message.table or message.markdown)


def robot_message(message: Message) -> dict[str, Any]:
    """The robot payload of ``message`` (its image aside)."""
    if _rich(message):
        return robot_markdown(message)
    return {"msgtype": "text", "text": {"content": message.text}}


class WeComRobotAdapter:
    platform: Platform = "wecom"

    def __init__(self, sender: RobotSender) -> None:
        self.sender = sender

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        self.sender.post(chat, robot_message(message))
        if message.image is not None:
            self.sender.post(chat, robot_image(message.image.png))
        return MessageRef(platform="wecom", chat=chat, message_id="", extra={"via": "robot"})

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        raise DeliveryError("wecom: robot messages cannot be updated", retryable=False)
