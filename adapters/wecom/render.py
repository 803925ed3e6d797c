"""Message → WeCom payloads: app text/markdown/template_card and the group robot's variants.

Template cards are ``button_interaction`` cards: title, description, horizontal_content_list from
the table, and buttons whose ``key`` is ``action:value`` (see keys.py). WeCom's markdown has no
tables, so a table is rendered as lines. Mentions become ``<@userid>`` in robot markdown and
``mentioned_list`` in robot text; app messages go to people directly and carry no mentions.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import Any

from adapters.base import Button, Message, Table
from adapters.wecom.keys import button_key
from adapters.wecom.text import clip, clip_bytes

MARKDOWN_LIMIT = 4096  # bytes
TEXT_LIMIT = 2048  # bytes (app and robot text)
TABLE_ROWS_IN_MARKDOWN = 20
CARD_TITLE, CARD_DESC, CARD_SUB, CARD_KEY, CARD_VALUE, CARD_BUTTON = 26, 30, 112, 10, 26, 12
CARD_MAX_ROWS, CARD_MAX_BUTTONS, ROBOT_MAX_JUMPS = 6, 6, 3
BUTTON_STYLES = {"primary": 1, "default": 2, "danger": 3}


def plain_text(message: Message) -> str:
    parts = [message.text] + ([message.footer] if message.footer else [])
    return clip_bytes("\n".join(parts), TEXT_LIMIT)


def table_lines(table: Table, max_rows: int = TABLE_ROWS_IN_MARKDOWN) -> list[str]:
    lines = [" | ".join(f"**{c}**" for c in table.columns)]
    lines += [" | ".join(row) for row in table.rows[:max_rows]]
    if len(table.rows) > max_rows:
        lines.append(f"…(+{len(table.rows) - max_rows} rows)")
    return lines


def markdown(message: Message, *, mentions: bool = False) -> str:
    """WeCom markdown (≤ 4096 bytes): title, body, table as lines, footer in grey, optional ``<@userid>``."""
    parts: list[str] = []
    if message.title:
        parts.append(f"**{message.title}**")
    parts.append(message.markdown or message.text)
    if message.table:
        parts.append("\n".join(table_lines(message.table)))
    if message.footer:
        parts.append(f'<font color="comment">{message.footer}</font>')
    if mentions and message.mentions:
        parts.append(" ".join(f"<@{m.user_id}>" for m in message.mentions))
    return clip_bytes("\n\n".join(parts), MARKDOWN_LIMIT)


def horizontal_content(table: Table | None) -> list[dict[str, str]]:
    """A two-column table as key/value rows; otherwise the first row, column by column (at most 6)."""
    if table is None or not table.rows:
        return []
    if len(table.columns) == 2:
        pairs = [(row[0], row[1]) for row in table.rows if len(row) >= 2]
    else:
        pairs = list(zip(table.columns, table.rows[0], strict=False))
    return [{"keyname": clip(k, CARD_KEY), "value": clip(v, CARD_VALUE)} for k, v in pairs[:CARD_MAX_ROWS]]


def card_button(button: Button) -> dict[str, Any]:
    return {
        "text": clip(button.label, CARD_BUTTON),
        "style": BUTTON_STYLES[button.style],
        "key": button_key(button.action, button.value),
    }


def template_card(message: Message, task_id: str) -> dict[str, Any]:
    """A ``button_interaction`` template card (the value of ``template_card`` in app message/send)."""
    first_line = message.text.splitlines()[0] if message.text else ""
    title = message.title or first_line
    card: dict[str, Any] = {
        "card_type": "button_interaction",
        "main_title": {"title": clip(title, CARD_TITLE)},
        "task_id": task_id,
        "button_list": [card_button(b) for b in message.buttons[:CARD_MAX_BUTTONS]],
    }
    if message.footer:
        card["main_title"]["desc"] = clip(message.footer, CARD_DESC)
    if message.text and message.text != title:
        card["sub_title_text"] = clip(message.text, CARD_SUB)
    rows = horizontal_content(message.table)
    if rows:
        card["horizontal_content_list"] = rows
    return card


# -- the group robot webhook ------------------------------------------------------------------
def robot_text(message: Message) -> dict[str, Any]:
    content: dict[str, Any] = {"content": plain_text(message)}
    if message.mentions:
        content["mentioned_list"] = [m.user_id for m in message.mentions]
    return {"msgtype": "text", "text": content}


def robot_markdown(message: Message) -> dict[str, Any]:
    """The message as robot markdown: URL buttons become ``[label](url)`` links (a robot has no callbacks),
    then the footer, then ``<@userid>`` mentions; the image goes separately (``robot_image``)."""
    links = [f"[{b.label}]({b.url})" for b in message.buttons if b.url]
    footer = "  ".join(links)
    if message.footer:
        footer = f"{footer}\n{message.footer}" if footer else message.footer
    body = dataclasses.replace(message, image=None, buttons=(), footer=None)  # links and footer follow below
    text = markdown(body, mentions=False)
    if footer:
        text += "\n\n" + footer
    if message.mentions:
        text += "\n\n" + " ".join(f"<@{m.user_id}>" for m in message.mentions)
    return {"msgtype": "markdown", "markdown": {"content": text}}


def robot_image(png: bytes) -> dict[str, Any]:
    return {
        "msgtype": "image",
        "image": {"base64": base64.b64encode(png).decode(), "md5": hashlib.md5(png).hexdigest()},
    }


def robot_template_card(message: Message) -> dict[str, Any] | None:
    """A ``text_notice`` card whose jump links are the buttons' URLs (a robot has no callback buttons);
    None when no button has a URL."""
    links = [b for b in message.buttons if b.url][:ROBOT_MAX_JUMPS]
    if not links:
        return None
    card: dict[str, Any] = {
        "card_type": "text_notice",
        "main_title": {"title": clip(message.title or message.text, CARD_TITLE)},
        "card_action": {"type": 1, "url": links[0].url},
        "jump_list": [{"type": 1, "title": clip(b.label, CARD_VALUE), "url": b.url} for b in links],
    }
    if message.footer:
        card["main_title"]["desc"] = clip(message.footer, CARD_DESC)
    if message.title and message.text:
        card["sub_title_text"] = clip(message.text, CARD_SUB)
    rows = horizontal_content(message.table)
    if rows:
        card["horizontal_content_list"] = rows
    return {"msgtype": "template_card", "template_card": card}


def robot_payload(message: Message) -> dict[str, Any]:
    """The robot message for ``message``: a card for URL buttons, markdown for rich content, else text."""
    card = robot_template_card(message)
    if card is not None:
        return card
    if message.markdown or message.table or message.title or message.footer:
        return robot_markdown(message)
    return robot_text(message)
