"""An AI bot message or event body (long connection or decrypted callback: the same JSON) → InboundEvent.

Fields used: ``msgid`` (unique per callback: the de-duplication key, so a redelivery is taken once),
``chattype`` (``single`` / ``group``), ``chatid`` (groups only), ``from.userid`` (the person — WeCom's own
id of who wrote or clicked, never a name from the text), ``text.content`` (a group message starts with the bot's
@-name), ``quote`` (the message replied to), and for ``template_card_event`` the clicked button's
``event_key`` and the card's ``task_id`` (under ``event.template_card_event``, or directly under ``event`` as the
SDKs type it). The chat is ``aibot:<chatid>`` for a group and ``aibot:<userid>`` for a one-to-one chat — the same
name a destination ``wecom:aibot:<chatid>`` uses. The frame's ``req_id`` rides along: a reply or a card update
must carry it."""

from __future__ import annotations

import re
from typing import Any

from adapters.base import ButtonAction, InboundEvent, MessageRef
from adapters.wecom.keys import parse_button_key

AIBOT_PREFIX = "aibot:"
_AT_START = re.compile(r"^\s*@\S+\s*")
_TICKET = re.compile(r"T-\d{8}-\d{4}")


class MalformedAiBotBody(ValueError):
    """Not an AI bot message or event."""


def aibot_chat(chat: str) -> str | None:
    """The chatid (or userid) of an ``aibot:<id>`` chat, None for any other chat."""
    return chat[len(AIBOT_PREFIX) :] if chat.startswith(AIBOT_PREFIX) and len(chat) > len(AIBOT_PREFIX) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(body: dict[str, Any]) -> str:
    kind = body.get("msgtype")
    if kind in ("text", "voice"):
        return str(_dict(body.get(kind)).get("content") or "")
    if kind == "mixed":
        items = _dict(body.get("mixed")).get("msg_item") or []
        return " ".join(str(_dict(_dict(i).get("text")).get("content") or "") for i in items)
    return ""


def _quoted_ticket(body: dict[str, Any]) -> str | None:
    """The ticket number in the message this one quotes (a reply to a ticket card), if any."""
    quote = body.get("quote")
    if not isinstance(quote, dict):
        return None
    found = _TICKET.search(str(quote))
    return found.group(0) if found else None


def with_quoted_ticket(text: str, ticket: str | None) -> str:
    """``关闭 已补货`` quoting the card of T-… → ``关闭 T-… 已补货`` (the verb, then the ticket it replied to)."""
    if ticket is None or _TICKET.search(text):
        return text
    verb, _, rest = text.partition(" ")
    return f"{verb} {ticket} {rest}".strip()


def _click(body: dict[str, Any], rid: str, chat: str, user: str, group: bool) -> InboundEvent | None:
    event = _dict(body.get("event"))
    if event.get("eventtype") != "template_card_event":
        return None
    click = _dict(event.get("template_card_event")) or event
    action, value = parse_button_key(str(click.get("event_key") or ""))
    task_id = str(click.get("task_id") or "")
    if not action or not task_id:
        raise MalformedAiBotBody("template_card_event without event_key or task_id")
    ref = MessageRef(platform="wecom", chat=chat, message_id=task_id, extra={"task_id": task_id})
    return InboundEvent(
        platform="wecom", event_id=f"aibot-{body['msgid']}", chat=chat, user=user, direct=not group,
        action=ButtonAction(action, value, message=ref, response_token=rid), raw={**body, "req_id": rid},
    )  # fmt: skip


def parse_body(body: dict[str, Any], rid: str) -> InboundEvent | None:
    """The event of a verified body; None for events that need nothing (enter_chat, feedback)."""
    msgid = str(body.get("msgid") or "")
    user = str(_dict(body.get("from")).get("userid") or "")
    if not msgid or not user:
        raise MalformedAiBotBody("aibot body without msgid or from.userid")
    group = body.get("chattype") == "group"
    chat = AIBOT_PREFIX + (str(body.get("chatid") or "") if group else user)
    if chat == AIBOT_PREFIX:
        raise MalformedAiBotBody("aibot group body without chatid")
    if body.get("msgtype") == "event":
        return _click(body, rid, chat, user, group)
    text = _AT_START.sub("", _text(body), count=1) if group else _text(body)
    text = with_quoted_ticket(text.strip(), _quoted_ticket(body))
    return InboundEvent(
        platform="wecom", event_id=f"aibot-{msgid}", chat=chat, user=user, text=text, direct=not group,
        raw={**body, "req_id": rid},
    )  # fmt: skip
