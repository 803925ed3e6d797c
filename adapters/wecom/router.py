"""Where WeCom cards and answers go: ``wecom:robot`` → the default group robot, ``wecom:robot:<name>`` → a
named one (``platforms.wecom.robots``), ``wecom:<userid>|<userid>`` → app messages (ticket cards as
``button_interaction`` template cards).

Robots post through the one robot sender (robot_adapter.py), chart images included. Robot messages cannot be
edited, so an update posts a new, superseding message. An app card is updated in place with the ResponseCode
of the last click (bot/platforms/wecom_clicks.py stores it); without one (never clicked, or the code is used
up) a new card is sent instead.

``wecom:aibot:<chatid>`` → the AI bot (智能机器人) over its long connection: its card is updated in place under the
``req_id`` of the click that changed it (stored like a ResponseCode); a step without a fresh click (a reply in the
group) gets a new card, since WeCom lets the AI bot update a card only in answer to a click on it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from adapters.base import DeliveryError, Message, MessageRef, Platform
from adapters.wecom.adapter import WeComAdapter
from adapters.wecom.aibot.adapter import AiBotAdapter
from adapters.wecom.aibot.inbound import aibot_chat
from adapters.wecom.chats import wecom_robot_name
from adapters.wecom.robot_adapter import WeComRobotAdapter

ROBOT = "robot"
USED = "used_response_code"  # in an app card's ref: the ResponseCode its last update spent


class WeComRouter:
    """The WeCom Adapter the delivery and replies use: a robot (the default, or a named one, by its webhook
    key) or the app, by chat."""

    platform: Platform = "wecom"

    def __init__(
        self,
        app: WeComAdapter | None,
        robots: WeComRobotAdapter,
        default_key: str | None,
        named_keys: Mapping[str, str] | None = None,
        aibot: AiBotAdapter | None = None,
    ) -> None:
        self.app, self.robots, self.aibot = app, robots, aibot
        self.default_key, self.named_keys = default_key, dict(named_keys or {})

    def _robot_key(self, chat: str, name: str) -> str:
        key = self.named_keys.get(name) if name else self.default_key
        if key is None:
            what = f"no robot named {name!r} in platforms.wecom.robots" if name else "no robot_webhook configured"
            raise DeliveryError(f"wecom:{chat}: {what}", retryable=False)
        return key

    def _aibot(self, chat: str) -> AiBotAdapter:
        if self.aibot is None:
            raise DeliveryError(
                f"wecom:{chat}: the WeCom AI bot (platforms.wecom.aibot) is not configured", retryable=False
            )
        return self.aibot

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        if aibot_chat(chat) is not None:
            return self._aibot(chat).send(chat, message)
        name = wecom_robot_name(chat)
        if name is not None:
            ref = self.robots.send(self._robot_key(chat, name), message)
            return dataclasses.replace(ref, chat=chat)
        if self.app is None:
            raise DeliveryError(
                f"wecom:{chat}: the WeCom app (corp_id, agent_id, secret) is not configured", retryable=False
            )
        return self.app.send(chat, message)

    def _aibot_update(self, ref: MessageRef, message: Message) -> MessageRef:
        aibot, code = self._aibot(ref.chat), ref.extra.get("response_code")
        if code and code != ref.extra.get(USED):
            try:
                done = aibot.update(ref, message, code)
                return dataclasses.replace(done, extra={**done.extra, USED: code})
            except DeliveryError as e:
                if e.retryable:
                    raise  # not connected: retried (a click redelivered after the reconnect brings a fresh req_id)
        return aibot.send(ref.chat, message)  # no click to answer, or too late for it: a new card

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        if aibot_chat(ref.chat) is not None:
            return self._aibot_update(ref, message)
        if wecom_robot_name(ref.chat) is not None:
            return self.send(ref.chat, message)
        if self.app is None:
            raise DeliveryError("wecom: the WeCom app is not configured", retryable=False)
        code = ref.extra.get("response_code")
        if not code:
            return self.app.send(ref.chat, message)
        done = self.app.update(ref, message)
        return dataclasses.replace(done, extra={**done.extra, USED: code})  # a redelivered click cannot revive it
