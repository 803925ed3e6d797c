"""Buttons as signed, expiring action links, for cards that cannot call back (DingTalk and WeCom robots).

The link carries (step, ticket, "platform:person the card was for", expiry) signed with opsbot's secret;
``/actions/<token>`` (bot/http/actions.py) shows a confirmation page and performs the step on confirm.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from adapters.action_links import action_url, sign_action
from adapters.base import Message

LINK_TTL_S = 7 * 24 * 3600  # a card's buttons work for a week; an older card's link says it expired
ACTIONS_PATH = "/actions"


def hint(platform: str, person: str) -> str:
    return f"{platform}:{person}"


def split_hint(text: str) -> tuple[str, str]:
    platform, _, person = text.partition(":")
    return platform, person


def with_action_links(
    message: Message,
    *,
    secret: str,
    public_url: str,
    platform: str,
    person: str,
    now: Callable[[], float] = time.time,
) -> Message:
    """``message`` with every button's ``url`` set to its signed link."""
    expires = int(now()) + LINK_TTL_S
    base = public_url.rstrip("/") + ACTIONS_PATH
    buttons = tuple(
        dataclasses.replace(
            b, url=action_url(base, sign_action(secret, b.action, b.value, hint(platform, person), expires))
        )
        for b in message.buttons
    )
    return dataclasses.replace(message, buttons=buttons)
