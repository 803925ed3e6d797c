"""Parse Slack's (already verified) HTTP requests into InboundEvents.

Three kinds of request arrive: Events API JSON (``url_verification`` / ``event_callback``), slash commands
(form-encoded) and interactivity (form field ``payload`` holding JSON). Anything the bot should not act on
(bot messages, edits, joins, top-level channel chatter without a mention) parses to ``None``.

A plain reply in a channel thread (a ``message`` event with ``thread_ts``, no mention of the bot) parses to
an InboundEvent with ``addressed=False``: the core acts on it only in threads it knows. The ``message``
copy of a message that @-mentions the bot is dropped — Slack sends the same message as ``app_mention``.

``InboundEvent.raw`` holds ``{"payload": <the parsed body>, "retry_num": int | None, "retry_reason": str | None}``
so the caller can see Slack's redeliveries (``X-Slack-Retry-Num``) besides de-duplicating on ``event_id``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from adapters.base import ButtonAction, InboundEvent, MessageRef
from adapters.slack.render import base_action_id

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def url_verification_challenge(body: bytes | str) -> str | None:
    """The ``challenge`` to echo back when the body is an Events API ``url_verification``, else None."""
    payload = _json_or_none(body)
    if payload is not None and payload.get("type") == "url_verification":
        return str(payload.get("challenge", ""))
    return None


def retry_info(headers: Mapping[str, str]) -> tuple[int | None, str | None]:
    """Slack's redelivery headers: (X-Slack-Retry-Num, X-Slack-Retry-Reason); (None, None) on a first try."""
    lowered = {k.lower(): v for k, v in headers.items()}
    num = lowered.get("x-slack-retry-num")
    return (int(num) if num and num.isdigit() else None), lowered.get("x-slack-retry-reason")


def parse_request(
    headers: Mapping[str, str], body: bytes | str, *, bot_user_id: str | None = None
) -> InboundEvent | None:
    """Any Slack request body → an InboundEvent, or None when there is nothing to act on.

    ``bot_user_id`` (the bot's own U… id) is removed from the text; for Events API bodies it defaults to
    the one in ``authorizations``."""
    retry_num, retry_reason = retry_info(headers)
    payload = _json_or_none(body)
    if payload is not None:
        return parse_event_callback(payload, bot_user_id=bot_user_id, retry_num=retry_num, retry_reason=retry_reason)
    form = _form(body)
    if "payload" in form:
        return parse_interaction(json.loads(form["payload"]))
    if "command" in form:
        return parse_slash_command(form, bot_user_id=bot_user_id)
    return None


def parse_event_callback(
    payload: dict[str, Any],
    *,
    bot_user_id: str | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> InboundEvent | None:
    """An Events API envelope → InboundEvent for ``app_mention``, human DMs and thread replies (not
    addressed); None for the rest."""
    if payload.get("type") != "event_callback":
        return None
    event: dict[str, Any] = payload.get("event") or {}
    bot = bot_user_id or authorized_user(payload)
    if not _is_human(event, bot):
        return None
    addressed = _is_addressed(event)
    if not addressed and not _is_thread_reply(event, bot):
        return None
    text, mentions = clean_text(str(event.get("text", "")), bot)
    ts = str(event.get("ts", ""))
    return InboundEvent(
        platform="slack",
        event_id=str(payload.get("event_id") or f"{event.get('channel')}:{ts}"),
        chat=str(event.get("channel", "")),
        user=str(event.get("user", "")),
        text=text,
        thread=str(event.get("thread_ts") or ts) or None,
        mentions=mentions,
        direct=event.get("channel_type") == "im",
        addressed=addressed,
        raw={"payload": payload, "retry_num": retry_num, "retry_reason": retry_reason},
    )


def parse_slash_command(form: Mapping[str, str], *, bot_user_id: str | None = None) -> InboundEvent:
    """A slash command's form fields → InboundEvent (command set, reply_url = response_url)."""
    channel = form.get("channel_id", "")
    text, mentions = clean_text(form.get("text", ""), bot_user_id)
    return InboundEvent(
        platform="slack",
        event_id=form.get("trigger_id") or f"{channel}:{form.get('user_id', '')}:{form.get('text', '')}",
        chat=channel,
        user=form.get("user_id", ""),
        text=text,
        user_name=form.get("user_name") or None,
        mentions=mentions,
        direct=channel.startswith("D") or form.get("channel_name") == "directmessage",
        command=form.get("command") or None,
        reply_url=form.get("response_url") or None,
        raw={"payload": dict(form), "retry_num": None, "retry_reason": None},
    )


def parse_interaction(payload: dict[str, Any]) -> InboundEvent | None:
    """An interactivity payload → InboundEvent carrying a ButtonAction; only ``block_actions`` with an action."""
    if payload.get("type") != "block_actions" or not payload.get("actions"):
        return None
    first: dict[str, Any] = payload["actions"][0]
    container: dict[str, Any] = payload.get("container") or {}
    message: dict[str, Any] = payload.get("message") or {}
    channel = str((payload.get("channel") or {}).get("id") or container.get("channel_id") or "")
    user: dict[str, Any] = payload.get("user") or {}
    message_ts = str(container.get("message_ts") or message.get("ts") or "")
    thread = str(container.get("thread_ts") or message.get("thread_ts") or message_ts) or None
    response_url = payload.get("response_url")
    ref = MessageRef(platform="slack", chat=channel, message_id=message_ts, thread=thread) if message_ts else None
    action = ButtonAction(
        action=base_action_id(str(first.get("action_id", ""))),
        value=str(first.get("value", "")),
        message=ref,
        response_token=response_url,
    )
    return InboundEvent(
        platform="slack",
        event_id=str(payload.get("trigger_id") or f"{channel}:{message_ts}:{first.get('action_ts', '')}"),
        chat=channel,
        user=str(user.get("id", "")),
        thread=thread,
        user_name=user.get("username") or user.get("name"),
        direct=channel.startswith("D"),
        action=action,
        reply_url=response_url,
        raw={"payload": payload, "retry_num": None, "retry_reason": None},
    )


def clean_text(text: str, bot_user_id: str | None) -> tuple[str, tuple[str, ...]]:
    """Remove the bot's own ``<@BOTID>`` mention, collect the other mentioned user ids, unescape &amp; &lt; &gt;."""
    mentioned = _USER_MENTION.findall(text)
    others = tuple(dict.fromkeys(u for u in mentioned if u != bot_user_id))
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", "", text)
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return text.strip(), others


def _is_human(event: Mapping[str, Any], bot_user_id: str | None) -> bool:
    """A person's new message: not a bot's (ours included), not an edit/join/deletion subtype."""
    if event.get("bot_id") or event.get("subtype") or not event.get("user"):
        return False
    return not (bot_user_id and event.get("user") == bot_user_id)


def _is_addressed(event: Mapping[str, Any]) -> bool:
    kind = event.get("type")
    return kind == "app_mention" or (kind == "message" and event.get("channel_type") == "im")


def _is_thread_reply(event: Mapping[str, Any], bot_user_id: str | None) -> bool:
    """A channel ``message`` inside a thread that does not @-mention the bot (that one comes as app_mention)."""
    if event.get("type") != "message" or event.get("channel_type") == "im":
        return False
    thread_ts, ts = event.get("thread_ts"), event.get("ts")
    if not thread_ts or thread_ts == ts:
        return False
    return not (bot_user_id and f"<@{bot_user_id}" in str(event.get("text", "")))


def authorized_user(payload: Mapping[str, Any]) -> str | None:
    """The bot's own user id from an Events API envelope's ``authorizations`` (None when absent)."""
    for auth in payload.get("authorizations") or ():
        if auth.get("is_bot") and auth.get("user_id"):
            return str(auth["user_id"])
    return None


def _json_or_none(body: bytes | str) -> dict[str, Any] | None:
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    if not text.lstrip().startswith("{"):
        return None
    parsed = json.loads(text)
    return parsed if isinstance(parsed, dict) else None


def _form(body: bytes | str) -> dict[str, str]:
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
