"""WeComAdapter: the bot's Adapter over the app-message API.

``chat`` is one userid or several joined by ``|`` (an app conversation is a DM). A message with
buttons goes out as a ``button_interaction`` template card, whose ``task_id`` and ``response_code``
are kept in ``MessageRef.extra``; ``update`` replaces the card with that response_code (or the one
from the click, passed in), which WeCom accepts once, within 72 h. Rich messages go as markdown,
the rest as text. Threads do not exist on WeCom and are ignored. An image (an answer's chart) is
uploaded (media/upload) and sent as an image message after the text; one over WeCom's 2 MB limit,
or one the upload refuses, is replaced by a sentence saying it was not sent and why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from adapters.base import DeliveryError, Message, MessageRef, Platform
from adapters.markup import Publish, chart_missing, lang_of, with_link
from adapters.wecom.callback import WeComCallback
from adapters.wecom.client import WeComClient
from adapters.wecom.keys import new_task_id
from adapters.wecom.render import CARD_BUTTON, IMAGE_LIMIT, markdown, plain_text, template_card
from adapters.wecom.text import clip

__all__ = ["WeComAdapter", "WeComCallback"]


def _is_rich(message: Message) -> bool:
    return bool(message.markdown or message.table or message.title or message.footer)


class WeComAdapter:
    platform: Platform = "wecom"

    def __init__(
        self, client: WeComClient, *, task_ids: Callable[[], str] = new_task_id, publish: Publish | None = None
    ) -> None:
        """``publish`` turns a long answer's CSV into a signed download link (the "共 N 行" line points to it)."""
        self.client = client
        self._task_ids = task_ids
        self._publish = publish

    def _upload(self, message: Message) -> tuple[Message, str | None]:
        """The chart's media_id, or the message with a sentence saying why the chart is not sent."""
        image = message.image
        if image is None:
            return message, None
        reason = ("图片超过企业微信 2 MB 上限", "the image is over WeCom's 2 MB limit")
        if len(image.png) <= IMAGE_LIMIT:
            try:
                return message, self.client.upload_image(image.png, image.filename)
            except DeliveryError as e:
                if e.retryable:
                    raise
                reason = ("企业微信拒绝了图片上传", "WeCom refused the image upload")
        note = chart_missing(image.alt, *reason, lang_of(message.text))
        footer = f"{message.footer}\n{note}" if message.footer else note
        return dataclasses.replace(message, image=None, footer=footer), None

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        users = chat.split("|")
        message, media_id = self._upload(with_link(message, self._publish))
        extra: dict[str, str] = {}
        body: dict[str, Any]
        if message.buttons:
            task_id = self._task_ids()
            body = self.client.send_template_card(users, template_card(message, task_id))
            extra["task_id"] = task_id
            if body.get("response_code"):
                extra["response_code"] = str(body["response_code"])
        elif _is_rich(message):
            body = self.client.send_markdown(users, markdown(message))
        else:
            body = self.client.send_text(users, plain_text(message))
        if media_id is not None:
            self.client.send_image(users, media_id)
        message_id = str(body.get("msgid") or extra.get("task_id") or "")
        return MessageRef(platform="wecom", chat=chat, message_id=message_id, extra=extra)

    def update(self, ref: MessageRef, message: Message, *, response_code: str | None = None) -> MessageRef:
        """Replace the card at ``ref``: a full card when ``message`` has buttons, otherwise the card's
        buttons are greyed out under the message's first line (WeCom keeps the old content)."""
        code = response_code or ref.extra.get("response_code")
        if not code:
            raise DeliveryError("wecom: no response_code to update this card with", retryable=False)
        task_id = ref.extra.get("task_id") or ref.message_id
        users = ref.chat.split("|")
        if message.buttons:
            self.client.update_template_card(users, code, template_card(message, task_id))
        else:
            label = (message.title or message.text).splitlines()[0] if (message.title or message.text) else "OK"
            self.client.replace_card_buttons(users, code, clip(label, CARD_BUTTON))
        extra = {k: v for k, v in ref.extra.items() if k != "response_code"}  # a response_code works once
        return MessageRef(platform="wecom", chat=ref.chat, message_id=ref.message_id, thread=ref.thread, extra=extra)
