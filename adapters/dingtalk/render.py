"""Message → DingTalk custom-robot payload: ``actionCard``, ``markdown`` or ``text``.

DingTalk robot markdown is a subset: headings, quote, bold/italic, links, images by URL and lists — no tables,
no code blocks, no HTML ("消息类型和数据格式", open.dingtalk.com/document/robots/message-types-and-data-format).
So this renderer emits only those:

* every user or warehouse string (text, table cells, names, footer, labels) is escaped (``adapters.markup``);
* a table is one list item a row, the values lined up, and its rows appear once (the text's numbered copy of
  the rows, ``Message.lead``, is used instead of ``text``); more than ``MAX_ROWS`` rows are cut with
  "共 N 行 …" and the CSV link when there is one;
* a chart is ``![alt](url)`` when the adapter has a public URL for it (a signed, expiring download served by
  opsbot), else a sentence says it was not sent and why;
* our own code blocks (the SQL) become quoted lines; the body is kept within ``MARKDOWN_LIMIT`` bytes.

Buttons with a ``url`` (signed action links) → ``actionCard`` with ``btns``; robots have no callback buttons,
so buttons without a url are listed by label as a last line (a clarifying question's choices, answered in
words). Mentions are appended as ``@<id>`` and listed in ``at``: all-digit ids (``+86`` allowed) as
``atMobiles``, others as ``atUserIds`` (staff ids). DingTalk ignores ``at`` in an actionCard.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from adapters.base import Button, Mention, Message, Table
from adapters.markup import (
    chart_missing,
    chat_table,
    chat_text,
    clip_bytes,
    escape_md,
    escape_md_lines,
    from_markdown,
    lang_of,
    more_rows_note,
    table_lines,
)

_MOBILE = re.compile(r"^\+?\d{6,15}$")
TITLE_LIMIT = 64
MAX_ROWS = 15  # rows of a table shown in a group message; the rest are counted and linked
# DingTalk does not publish a byte limit for robot markdown; 4096 bytes keeps a message one phone screen
# or two and well inside what the robot accepts.
MARKDOWN_LIMIT = 4096
TEXT_LIMIT = 4096


def _is_mobile(user_id: str) -> bool:
    return bool(_MOBILE.match(user_id))


def at_block(mentions: tuple[Mention, ...]) -> dict[str, Any]:
    mobiles = [m.user_id for m in mentions if _is_mobile(m.user_id)]
    user_ids = [m.user_id for m in mentions if not _is_mobile(m.user_id)]
    return {"atMobiles": mobiles, "atUserIds": user_ids, "isAtAll": False}


def mention_line(mentions: tuple[Mention, ...]) -> str:
    return " ".join(f"@{escape_md(m.user_id)}" for m in mentions)


def table_markdown(table: Table, lang: str, link: str | None = None) -> str:
    """The table as list lines (at most ``MAX_ROWS``), then "共 N 行 …" when rows were left out."""
    lines = table_lines(table.columns, table.rows[:MAX_ROWS], bullet="- ")
    total = max(table.total or 0, len(table.rows))
    shown = min(len(table.rows), MAX_ROWS)
    if total > shown:
        lines.append("")
        lines.append(more_rows_note(shown, total, lang, link))
    return "\n".join(lines)


def title_of(message: Message) -> str:
    title = message.title or next((line for line in message.text.splitlines() if line.strip()), "opsbot")
    return title.strip()[:TITLE_LIMIT]


def _body(message: Message) -> str:
    if message.markdown:
        return from_markdown(message.markdown)
    return escape_md_lines(chat_text(message))


def markdown_body(message: Message, image_url: str | None = None, *, no_image_reason: str = "") -> str:
    lang = lang_of(message.text)
    parts: list[str] = []
    if message.title:
        parts.append(f"### {escape_md(message.title)}")
    parts.append(_body(message))
    table = chat_table(message)
    if table is not None:
        parts.append(table_markdown(table, lang, message.link))
    if message.image and image_url:
        parts.append(f"![{escape_md(message.image.alt)}]({image_url})")
    elif message.image:
        zh = no_image_reason or "钉钉机器人只能显示网址可取的图片，服务器没有配置 public_url"
        en = no_image_reason or "a DingTalk robot shows only images it can fetch by URL, and no public_url is set"
        parts.append(chart_missing(message.image.alt, zh, en, lang))
    choices = _unlinked(message.buttons)
    if choices:
        parts.append(" · ".join(escape_md(b.label) for b in choices))
    if message.footer:
        parts.append(f"> {escape_md(message.footer)}")
    if message.mentions:
        parts.append(mention_line(message.mentions))
    return clip_bytes("\n\n".join(p for p in parts if p), MARKDOWN_LIMIT)


def _linked(buttons: tuple[Button, ...]) -> list[Button]:
    return [b for b in buttons if b.url]


def _unlinked(buttons: tuple[Button, ...]) -> list[Button]:
    """Buttons nobody can click (no link on any): listed by label instead."""
    return [] if _linked(buttons) else list(buttons)


def _choices(message: Message) -> Message:
    """A plain message whose buttons nobody can click: the labels as a last line of its text."""
    choices = _unlinked(message.buttons)
    if not choices:
        return message
    return replace(message, text=message.text + "\n" + " · ".join(b.label for b in choices), buttons=())


def render(message: Message, image_url: str | None = None) -> dict[str, Any]:
    """The JSON body for ``POST /robot/send`` (and a session webhook); ``image_url`` is where DingTalk can
    fetch the message's chart (a signed download under the server's public URL), if anywhere."""
    rich = message.title or message.markdown or message.table or message.footer or message.image
    if not rich:
        message = _choices(message)
    buttons = _linked(message.buttons)
    if buttons:
        return {
            "msgtype": "actionCard",
            "actionCard": {
                "title": title_of(message),
                "text": markdown_body(message, image_url),
                "btnOrientation": "1" if len(buttons) <= 2 else "0",  # 1 = side by side, 0 = stacked
                "btns": [{"title": b.label, "actionURL": b.url} for b in buttons],
            },
            "at": at_block(message.mentions),
        }
    if rich or message.buttons:
        return {
            "msgtype": "markdown",
            "markdown": {"title": title_of(message), "text": markdown_body(message, image_url)},
            "at": at_block(message.mentions),
        }
    text = message.text + (f"\n{mention_line(message.mentions)}" if message.mentions else "")
    return {"msgtype": "text", "text": {"content": clip_bytes(text, TEXT_LIMIT)}, "at": at_block(message.mentions)}
