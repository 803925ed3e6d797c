"""What a WeCom chat name means: ``robot`` (the default group robot), ``robot:<name>`` (a named one), anything
else app messages to user ids (``userid|userid``); and a robot's key inside its webhook URL."""

from __future__ import annotations

from urllib.parse import urlsplit

PUBLIC_HOST = "qyapi.weixin.qq.com"


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


def webhook_target(webhook: str, api_url: str | None = None) -> str:
    """Where a robot posts: its webhook URL as given (a private deployment's or a gateway's host and path kept),
    or its bare key (posted to ``api_url`` or the public host) when the webhook is just the key, or is the
    public URL while ``api_url`` points at another server."""
    parts = urlsplit(webhook)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return webhook_key(webhook)
    if api_url and parts.hostname == PUBLIC_HOST:
        return webhook_key(webhook)
    return webhook
