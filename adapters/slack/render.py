"""Message → Slack Block Kit: header, mrkdwn sections, a table (fields or a monospaced code block),
buttons as an ``actions`` block, the footer as a ``context`` block, and always a plain ``text`` fallback
(used for notifications and by clients that cannot show blocks). Block Kit limits are respected:
at most 50 blocks, 3000 characters per section text, 150 per header, 75 per button label."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from adapters.base import Button, Message, Table
from adapters.markup import chat_table, chat_text

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_CONTEXT = 2000
MAX_ACTIONS = 25
TRUNCATED = "… (truncated)"
ACTION_SUFFIX = "#"

Block = dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    """What goes into chat.postMessage / chat.update: ``text`` (fallback) and ``blocks``."""

    text: str
    blocks: list[Block]


def render(message: Message) -> Rendered:
    blocks: list[Block] = []
    if message.title:
        blocks.append(_header(message.title))
    # our own markdown is translated to mrkdwn; plain text (names and values from people or the warehouse)
    # is only escaped, so "[x](http://…)" in it stays text and cannot become a link
    body = mrkdwn(message.markdown) if message.markdown is not None else escape(chat_text(message))
    blocks.extend(_sections(_mentions_line(message) + body))
    table = chat_table(message)
    if table is not None:
        blocks.append(_table(table))
    if message.buttons:
        blocks.append(_actions(message.buttons))
    if message.footer:
        blocks.append(_context(message.footer))
    return Rendered(text=_fallback(message), blocks=_cap_blocks(blocks))


def escape(text: str) -> str:
    """Slack's three control characters in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(markdown: str) -> str:
    """Escape, then translate the common Markdown forms to Slack mrkdwn: **bold**, # headings, [label](url)."""
    text = escape(markdown)
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)
    text = re.sub(r"^#{1,6}\s+(.+)$", r"*\1*", text, flags=re.MULTILINE)
    return re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r"<\2|\1>", text)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(TRUNCATED)] + TRUNCATED


def base_action_id(action_id: str) -> str:
    """Undo the ``#n`` suffix render adds to keep repeated actions' ids unique within a block."""
    return action_id.split(ACTION_SUFFIX, 1)[0]


def _header(title: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(title, MAX_HEADER), "emoji": True}}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION)}}


def _sections(text: str) -> list[Block]:
    """One section per ≤ 3000-character run of whole lines (a longer single line is truncated)."""
    if not text.strip():
        return []
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION and current:
            chunks.append(current)
            candidate = line
        current = candidate
    chunks.append(current)
    return [_section(chunk) for chunk in chunks if chunk.strip()]


def _mentions_line(message: Message) -> str:
    return " ".join(f"<@{m.user_id}>" for m in message.mentions) + ("\n" if message.mentions else "")


def _table(table: Table) -> Block:
    fields = _table_fields(table)
    if fields is not None:
        return {"type": "section", "fields": [{"type": "mrkdwn", "text": truncate(f, MAX_FIELD)} for f in fields]}
    return _section(_code_block(table))


def _table_fields(table: Table) -> list[str] | None:
    """Small tables as section fields (Slack lays fields out two a row): one record as ``*col*\\nvalue``,
    or a two-column table as a header pair and value pairs; None when the table does not fit 10 fields."""
    if len(table.rows) == 1 and len(table.columns) <= MAX_FIELDS:
        return [f"*{escape(c)}*\n{escape(v) or ' '}" for c, v in zip(table.columns, table.rows[0], strict=False)]
    if len(table.columns) == 2 and 2 * (len(table.rows) + 1) <= MAX_FIELDS:
        cells = [f"*{escape(c)}*" for c in table.columns]
        for row in table.rows:
            cells.extend(escape(v) or " " for v in (*row, "", "")[:2])
        return cells
    return None


def _code_block(table: Table) -> str:
    """The table as aligned monospaced text in a ``` block, cut at whole rows to fit one section."""
    widths = [_width(c) for c in table.columns]
    for row in table.rows:
        for i, cell in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], _width(cell))
    lines = [_row(table.columns, widths), "  ".join("-" * w for w in widths)]
    budget = MAX_SECTION - 8 - len(TRUNCATED) - 20
    used = sum(len(line) + 1 for line in lines)
    for n, row in enumerate(table.rows):
        line = _row(row, widths)
        if used + len(line) + 1 > budget:
            lines.append(f"… {len(table.rows) - n} more rows")
            break
        lines.append(line)
        used += len(line) + 1
    return "```\n" + escape("\n".join(lines)) + "\n```"


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    padded = [cell + " " * (w - _width(cell)) for cell, w in zip(cells, widths, strict=False)]
    return "  ".join(padded).rstrip()


def _width(text: str) -> int:
    """Display width in a monospaced font: East Asian wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _actions(buttons: tuple[Button, ...]) -> Block:
    seen: dict[str, int] = {}
    elements: list[Block] = []
    for button in buttons[:MAX_ACTIONS]:
        seen[button.action] = seen.get(button.action, 0) + 1
        count = seen[button.action]
        element: Block = {
            "type": "button",
            "text": {"type": "plain_text", "text": truncate(button.label, MAX_BUTTON_TEXT), "emoji": True},
            "action_id": button.action if count == 1 else f"{button.action}{ACTION_SUFFIX}{count}",
            "value": button.value[:MAX_BUTTON_VALUE],
        }
        if button.style != "default":
            element["style"] = button.style
        if button.url:
            element["url"] = button.url
        elements.append(element)
    return {"type": "actions", "elements": elements}


def _context(footer: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(escape(footer), MAX_CONTEXT)}]}


def _fallback(message: Message) -> str:
    parts = [_mentions_line(message).strip(), escape(message.title or ""), escape(message.text)]
    return "\n".join(p for p in parts if p) or " "


def _cap_blocks(blocks: list[Block]) -> list[Block]:
    """At most 50 blocks: keep the trailing actions/context blocks, cut body sections, mark the cut."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    tail = [b for b in blocks[-2:] if b["type"] in ("actions", "context")]
    head = blocks[: len(blocks) - len(tail)][: MAX_BLOCKS - len(tail) - 1]
    return [*head, _section(TRUNCATED), *tail]
