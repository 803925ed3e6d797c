"""Message → DingTalk custom-robot payload: ``actionCard``, ``markdown`` or ``text``.

* Buttons with a ``url`` (signed action links, ``adapters.action_links``) → ``actionCard`` with ``btns``;
  robots have no callback buttons, so buttons without a url are left out. DingTalk ignores the ``at``
  block of an actionCard, so mentions there are visible text only (no notification).
* A message whose buttons all lack a url (a clarifying question's choices) lists their labels as a last line
  instead, so the choices can be read and answered in words.
* A title, markdown body, table or footer → ``markdown`` (DingTalk requires a title: the first line of the
  text stands in).
* Otherwise → ``text``.
Mentions are appended as ``@<id>`` and listed in ``at``: all-digit ids (``+86`` allowed) as ``atMobiles``,
others as ``atUserIds`` (staff ids). Images are not uploadable through a robot: their alt text is shown.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from adapters.base import Button, Mention, Message, Table

_MOBILE = re.compile(r"^\+?\d{6,15}$")
TITLE_LIMIT = 64


def _is_mobile(user_id: str) -> bool:
    return bool(_MOBILE.match(user_id))


def at_block(mentions: tuple[Mention, ...]) -> dict[str, Any]:
    mobiles = [m.user_id for m in mentions if _is_mobile(m.user_id)]
    user_ids = [m.user_id for m in mentions if not _is_mobile(m.user_id)]
    return {"atMobiles": mobiles, "atUserIds": user_ids, "isAtAll": False}


def mention_line(mentions: tuple[Mention, ...]) -> str:
    return " ".join(f"@{m.user_id}" for m in mentions)


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown_table(table: Table) -> str:
    header = "| " + " | ".join(_cell(c) for c in table.columns) + " |"
    rule = "|" + "|".join(" --- " for _ in table.columns) + "|"
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table.rows]
    return "\n".join([header, rule, *rows])


def title_of(message: Message) -> str:
    title = message.title or next((line for line in message.text.splitlines() if line.strip()), "opsbot")
    return title.strip()[:TITLE_LIMIT]


def markdown_body(message: Message) -> str:
    parts: list[str] = []
    if message.title:
        parts.append(f"### {message.title}")
    parts.append(message.markdown or message.text)
    if message.table and message.table.columns:
        parts.append(markdown_table(message.table))
    if message.image:
        parts.append(f"*{message.image.alt}*")
    if message.footer:
        parts.append(f"> {message.footer}")
    if message.mentions:
        parts.append(mention_line(message.mentions))
    return "\n\n".join(p for p in parts if p)


def _linked(buttons: tuple[Button, ...]) -> list[Button]:
    return [b for b in buttons if b.url]


def _choices(message: Message) -> Message:
    """Unclickable buttons (no link on any) as a line of their labels after the text."""
    if not message.buttons or _linked(message.buttons):
        return message
    line = " · ".join(b.label for b in message.buttons)
    markdown = f"{message.markdown}\n\n{line}" if message.markdown else None
    return replace(message, text=f"{message.text}\n{line}", markdown=markdown, buttons=())


def render(message: Message) -> dict[str, Any]:
    """The JSON body for ``POST /robot/send`` (and a session webhook)."""
    message = _choices(message)
    buttons = _linked(message.buttons)
    if buttons:
        return {
            "msgtype": "actionCard",
            "actionCard": {
                "title": title_of(message),
                "text": markdown_body(message),
                "btnOrientation": "1" if len(buttons) <= 2 else "0",  # 1 = side by side, 0 = stacked
                "btns": [{"title": b.label, "actionURL": b.url} for b in buttons],
            },
            "at": at_block(message.mentions),
        }
    if message.title or message.markdown or message.table or message.footer or message.image:
        return {
            "msgtype": "markdown",
            "markdown": {"title": title_of(message), "text": markdown_body(message)},
            "at": at_block(message.mentions),
        }
    text = message.text + (f"\n{mention_line(message.mentions)}" if message.mentions else "")
    return {"msgtype": "text", "text": {"content": text}, "at": at_block(message.mentions)}
