"""A template card click's ResponseCode → the card's stored ref, so the next delivery ``update()`` of that
ticket's card uses it (``update_template_card`` needs the click's code: usable once, within 72 h)."""

from __future__ import annotations

import dataclasses
import json
import logging

from adapters.base import InboundEvent
from adapters.destination import Destination
from adapters.wecom.chats import wecom_robot_name
from adapters.wecom.router import USED
from alerts.tickets.service import TicketService
from bot.delivery.cards import ref_from_text, ref_to_text
from metrics.problems import UserError

log = logging.getLogger("opsbot.wecom")


def _app_card(channel: str) -> bool:
    dest = Destination.parse(channel)
    return dest.platform == "wecom" and wecom_robot_name(dest.chat) is None


def _seq(text: str) -> int | None:
    seq = json.loads(text).get("seq")
    return int(seq) if seq is not None else None


def remember_response_code(service: TicketService, event: InboundEvent) -> bool:
    """Store the click's ResponseCode in the ref of the app card it came from (matched by task_id, else the
    ticket's first app card), keeping the stored seq; False when no such card is known."""
    action = event.action
    if action is None or not action.response_token or not action.value:
        return False
    task_id = action.message.extra.get("task_id", "") if action.message is not None else ""
    try:
        places = [m for m in service.messages(action.value) if _app_card(m.channel)]
    except UserError:  # an unknown ticket number: the core answers the click
        log.info("wecom click for unknown ticket %r", action.value)
        return False
    if task_id:
        same = [m for m in places if ref_from_text("wecom", m.message_ref).extra.get("task_id") == task_id]
        places = same or places
    if not places:
        return False
    place = places[0]
    ref = ref_from_text("wecom", place.message_ref)
    if ref.extra.get(USED) == action.response_token:
        return False  # WeCom redelivered a click whose code an update already spent
    ref = dataclasses.replace(ref, extra={**ref.extra, "response_code": action.response_token})
    service.record_message(action.value, "wecom", place.channel, ref_to_text(ref, _seq(place.message_ref)))
    return True
