"""WeComRobotAdapter: the one sender of group robot messages (``chat`` = the robot's webhook key).

A robot posts into its group: one markdown message for anything rich (a title, a table, markdown, buttons as
signed ``[label](url)`` links — robots have no callback buttons — and ``<@userid>`` mentions), plain text
otherwise, and the image, if any (an answer's chart), as a second message (base64 + md5, at most 2 MB before
base64 — webhook/send, developer.work.weixin.qq.com/document/path/91770; a bigger one is replaced by a
sentence in the text saying it was not sent and why). Robot messages cannot be edited,
so ``update`` raises a non-retryable DeliveryError; the router (router.py) posts a superseding message.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from adapters.base import DeliveryError, Message, MessageRef, Platform
from adapters.markup import Publish, chart_missing, lang_of, with_link
from adapters.wecom.render import IMAGE_LIMIT, TEXT_LIMIT, robot_image, robot_markdown
from adapters.wecom.robot import RobotSender
from adapters.wecom.text import clip_bytes


def _rich(message: Message) -> bool:
    return bool(
        message.buttons or message.mentions or message.title or message.table or message.markdown or message.footer
    )


def robot_message(message: Message) -> dict[str, Any]:
    """The robot payload of ``message`` (its image aside)."""
    if _rich(message):
        return robot_markdown(message)
    return {"msgtype": "text", "text": {"content": clip_bytes(message.text, TEXT_LIMIT)}}


def deliverable(message: Message) -> Message:
    """``message`` with an image over the robot's 2 MB limit replaced by a sentence saying so."""
    if message.image is None or len(message.image.png) <= IMAGE_LIMIT:
        return message
    note = chart_missing(
        message.image.alt,
        "图片超过企业微信机器人 2 MB 上限",
        "the image is over the robot's 2 MB limit",
        lang_of(message.text),
    )
    footer = f"{message.footer}\n{note}" if message.footer else note
    return dataclasses.replace(message, image=None, footer=footer)


class WeComRobotAdapter:
    platform: Platform = "wecom"

    def __init__(self, sender: RobotSender, *, publish: Publish | None = None) -> None:
        """``publish`` turns a long answer's CSV into a signed download link (the "共 N 行" line points to it)."""
        self.sender = sender
        self._publish = publish

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        message = deliverable(with_link(message, self._publish))
        self.sender.post(chat, robot_message(message))
        if message.image is not None:
            self.sender.post(chat, robot_image(message.image.png))
        return MessageRef(platform="wecom", chat=chat, message_id="", extra={"via": "robot"})

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        raise DeliveryError("wecom: robot messages cannot be updated", retryable=False)
