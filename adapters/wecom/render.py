"""Message → WeCom payloads: app text/markdown/template_card and the group robot's variants.

Template cards are ``button_interaction`` cards: title, description, horizontal_content_list from
the table, and buttons whose ``key`` is ``action:value`` (see keys.py). Mentions become ``<@userid>``
in robot markdown and ``mentioned_list`` in robot text; app messages go to people directly and carry
no mentions.

WeCom markdown is a subset — headings, ``**bold**``, ``[text](url)``, `` `code` `` on one line, ``>``
quote, ``<font color="info|comment|warning">`` and, for robots, ``<@userid>``; no tables, lists or
code blocks. App markdown is at most 2048 bytes (message/send, developer.work.weixin.qq.com/document/
path/90236), robot markdown 4096 bytes and a robot image at most 2 MB before base64, JPG or PNG
(webhook/send, /document/path/91770). So: every user or warehouse string is escaped
(``adapters.markup``); a table is one line a row with the values lined up, shown once (the text's
numbered copy of the rows, ``Message.lead``, is used instead of ``text``) and cut to what fits with
"共 N 行 …"; our own code blocks (the SQL) become quoted lines; the whole is kept within the byte
limit of the message type.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import Any

from adapters.base import Button, Message, Table
from adapters.markup import chat_table, chat_text, escape_md, escape_md_lines, from_markdown, lang_of, more_rows_note
from adapters.markup import table_lines as aligned_lines
from adapters.wecom.keys import button_key
from adapters.wecom.text import clip, clip_bytes

MARKDOWN_LIMIT = 4096  # bytes, robot markdown (webhook/send)
APP_MARKDOWN_LIMIT = 2048  # bytes, app markdown (message/send)
TEXT_LIMIT = 2048  # bytes (app and robot text)
IMAGE_LIMIT = 2 * 1024 * 1024  # bytes before base64: a robot image (JPG/PNG); app media upload allows 2 MB too
TABLE_ROWS_IN_MARKDOWN = 15
CARD_TITLE, CARD_DESC, CARD_SUB, CARD_KEY, CARD_VALUE, CARD_BUTTON = 26, 30, 112, 10, 26, 12
CARD_MAX_ROWS, CARD_MAX_BUTTONS, ROBOT_MAX_JUMPS = 6, 6, 3
BUTTON_STYLES = {"primary": 1, "default": 2, "danger": 3}


def plain_text(message: Message) -> str:
    parts = [message.text] + ([message.footer] if message.footer else [])
    return clip_bytes("\n".join(parts), TEXT_LIMIT)


def table_lines(
    table: Table, max_rows: int = TABLE_ROWS_IN_MARKDOWN, *, lang: str = "zh", link: str | None = None
) -> list[str]:
    """The table as aligned lines (escaped), then "共 N 行 …" when rows were left out."""
    lines = aligned_lines(table.columns, table.rows[:max_rows])
    total = max(table.total or 0, len(table.rows))
    shown = min(len(table.rows), max_rows)
    if total > shown:
        lines.append(more_rows_note(shown, total, lang, link))
    return lines


def _body(message: Message) -> str:
    if message.markdown:
        return from_markdown(message.markdown)
    return escape_md_lines(chat_text(message))


def markdown(message: Message, *, mentions: bool = False, limit: int = APP_MARKDOWN_LIMIT) -> str:
    """WeCom markdown within ``limit`` bytes: title, body, table as lines (fewer rows when they do not fit),
    footer in grey, optional ``<@userid>``."""
    lang = lang_of(message.text)
    table = chat_table(message)

    def build(rows: int) -> str:
        parts: list[str] = []
        if message.title:
            parts.append(f"**{escape_md(message.title)}**")
        parts.append(_body(message))
        if table is not None:
            parts.append("\n".join(table_lines(table, rows, lang=lang, link=message.link)))
        if message.footer:
            parts.append(f'<font color="comment">{escape_md(message.footer)}</font>')
        if mentions and message.mentions:
            parts.append(" ".join(f"<@{escape_md(m.user_id)}>" for m in message.mentions))
        return "\n\n".join(p for p in parts if p)

    rows = TABLE_ROWS_IN_MARKDOWN
    text = build(rows)
    while len(text.encode()) > limit and table is not None and rows > 3:
        rows -= 2
        text = build(rows)
    return clip_bytes(text, limit)


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
    links = [f"[{escape_md(b.label)}]({b.url})" for b in message.buttons if b.url]
    footer = "  ".join(links)
    if message.footer:
        grey = f'<font color="comment">{escape_md(message.footer)}</font>'
        footer = f"{footer}\n{grey}" if footer else grey
    if message.mentions:
        footer += "\n\n" + " ".join(f"<@{escape_md(m.user_id)}>" for m in message.mentions)
    body = dataclasses.replace(message, image=None, buttons=(), footer=None)  # links and footer follow below
    room = MARKDOWN_LIMIT - len(footer.encode()) - 2
    text = markdown(body, mentions=False, limit=room)
    if footer:
        text += "\n\n" + footer.strip()
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
