"""Where WeCom cards and answers go: ``wecom:robot`` → the default group robot, ``wecom:robot:<name>`` → a
named one (``platforms.wecom.robots``), ``wecom:<userid>|<userid>`` → app messages (ticket cards as
``button_interaction`` template cards).

Robots post through the one robot sender (robot_adapter.py), chart images included. Robot messages cannot be
edited, so an update posts a new, superseding message. An app card is updated in place with the ResponseCode
of the last click (bot/platforms/wecom_clicks.py stores it); without one (never clicked, or the code is used
up) a new card is sent instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from adapters.base import DeliveryError, Message, MessageRef, Platform
from adapters.wecom.adapter import WeComAdapter
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
    ) -> None:
        self.app, self.robots = app, robots
        self.default_key, self.named_keys = default_key, dict(named_keys or {})

    def _robot_key(self, chat: str, name: str) -> str:
        key = self.named_keys.get(name) if name else self.default_key
        if key is None:
            what = f"no robot named {name!r} in platforms.wecom.robots" if name else "no robot_webhook configured"
            raise DeliveryError(f"wecom:{chat}: {what}", retryable=False)
        return key

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        name = wecom_robot_name(chat)
        if name is not None:
            ref = self.robots.send(self._robot_key(chat, name), message)
            return dataclasses.replace(ref, chat=chat)
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
