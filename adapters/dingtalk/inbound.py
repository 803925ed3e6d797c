"""Enterprise-app robot callback (HTTP mode) JSON → InboundEvent.

Verify the headers first (``signing.CallbackVerifier``). Fields used: ``msgId`` (event id for de-duplication),
``conversationType`` ("1" single chat, "2" group), ``conversationId``, ``senderStaffId`` (falling back to
``senderId``), ``senderNick``, ``text.content`` (or the text parts of ``richText``), ``atUsers`` and
``sessionWebhook`` / ``sessionWebhookExpiredTime`` (ms). An expired session webhook is not offered as
``reply_url`` (it would fail); the raw body keeps it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.base import InboundEvent


class MalformedCallback(ValueError):
    """The body is not a DingTalk robot message callback."""


class _AtUser(BaseModel):
    model_config = ConfigDict(extra="ignore")
    dingtalk_id: str = Field("", alias="dingtalkId")
    staff_id: str = Field("", alias="staffId")


class _Callback(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)
    msg_id: str = Field(alias="msgId", min_length=1)
    msgtype: str = "text"
    conversation_type: str = Field(alias="conversationType")
    conversation_id: str = Field(alias="conversationId", min_length=1)
    sender_staff_id: str = Field("", alias="senderStaffId")
    sender_id: str = Field("", alias="senderId")
    sender_nick: str | None = Field(None, alias="senderNick")
    chatbot_user_id: str = Field("", alias="chatbotUserId")
    at_users: list[_AtUser] = Field(default_factory=list, alias="atUsers")
    session_webhook: str | None = Field(None, alias="sessionWebhook")
    session_webhook_expired_time: int | None = Field(None, alias="sessionWebhookExpiredTime")
    text: dict[str, Any] = Field(default_factory=dict)
    content: dict[str, Any] = Field(default_factory=dict)


def _raw_text(cb: _Callback) -> str:
    if cb.msgtype == "text":
        return str(cb.text.get("content") or "")
    if cb.msgtype == "richText":
        parts = cb.content.get("richText") or []
        return "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
    return ""


def strip_mentions(text: str, bot_names: Iterable[str]) -> str:
    """The text without ``@<bot name>`` (DingTalk usually strips it already, leaving a leading space)."""
    for name in bot_names:
        if name:
            text = re.sub(rf"@{re.escape(name)}(?=\s|$)", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _reply_url(cb: _Callback, now_ms: int) -> str | None:
    if not cb.session_webhook:
        return None
    if cb.session_webhook_expired_time is not None and cb.session_webhook_expired_time <= now_ms:
        return None
    return cb.session_webhook


def parse_callback(
    body: Mapping[str, Any], *, bot_names: Iterable[str] = (), now: Callable[[], float] = time.time
) -> InboundEvent:
    """The InboundEvent of a (verified) robot callback body; MalformedCallback when required fields lack."""
    try:
        cb = _Callback.model_validate(body)
    except ValidationError as exc:
        raise MalformedCallback(f"not a DingTalk robot callback: {exc.error_count()} problem(s)") from exc
    user = cb.sender_staff_id or cb.sender_id
    if not user:
        raise MalformedCallback("DingTalk robot callback without senderStaffId / senderId")
    bot_id = cb.chatbot_user_id or None
    mentions = tuple(u.staff_id for u in cb.at_users if u.staff_id and u.dingtalk_id != bot_id)
    return InboundEvent(
        platform="dingtalk",
        event_id=cb.msg_id,
        chat=cb.conversation_id,
        user=user,
        text=strip_mentions(_raw_text(cb), bot_names),
        user_name=cb.sender_nick,
        mentions=mentions,
        direct=cb.conversation_type == "1",
        reply_url=_reply_url(cb, int(now() * 1000)),
        raw=dict(body),
    )


def session_webhook_expired(body: Mapping[str, Any], *, now: Callable[[], float] = time.time) -> bool:
    """True when the callback carries a session webhook that has already expired (flag for logging)."""
    expires = body.get("sessionWebhookExpiredTime")
    return bool(body.get("sessionWebhook")) and isinstance(expires, int) and expires <= int(now() * 1000)
