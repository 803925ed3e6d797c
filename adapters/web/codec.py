"""A neutral Message as the JSON body the web page renders."""

from __future__ import annotations

import base64
from typing import Any

from adapters.base import Message


def message_body(message: Message) -> dict[str, Any]:
    """Everything the page shows: text, title, markdown, table, image (base64 PNG), buttons, mentions, footer."""
    return {
        "text": message.text,
        "title": message.title,
        "markdown": message.markdown,
        "table": (
            {"columns": list(message.table.columns), "rows": [list(r) for r in message.table.rows]}
            if message.table
            else None
        ),
        "image": (
            {
                "png": base64.b64encode(message.image.png).decode("ascii"),
                "alt": message.image.alt,
                "filename": message.image.filename,
            }
            if message.image
            else None
        ),
        "buttons": [
            {"action": b.action, "label": b.label, "value": b.value, "style": b.style, "url": b.url}
            for b in message.buttons
        ],
        "mentions": [{"user_id": m.user_id, "name": m.name} for m in message.mentions],
        "footer": message.footer,
    }


def message_kind(message: Message, thread: str | None) -> str:
    """A top-level message with a title is a card (tickets); everything else a bot message."""
    return "card" if message.title and thread is None else "bot"
