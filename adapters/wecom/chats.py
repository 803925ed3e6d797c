"""What a WeCom chat name means: ``robot`` (the default group robot), ``robot:<name>`` (a named one), anything
else app messages to user ids (``userid|userid``); and a robot's key inside its webhook URL."""

from __future__ import annotations


def wecom_robot_name(chat: str) -> str | None:
    """Which WeCom robot a chat means: ``robot`` → "" (the default robot), ``robot:<name>`` → that name; any
    other chat is app messages to user ids (None)."""
    if chat == "robot":
        return ""
    return chat.removeprefix("robot:") if chat.startswith("robot:") else None


def webhook_key(webhook: str) -> str:
    """A WeCom robot's key: the webhook is the full URL (``…/webhook/send?key=K``) or just K."""
    _, sep, rest = webhook.partition("key=")
    return rest.split("&")[0] if sep else webhook
