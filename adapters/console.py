"""The console adapter: messages printed to a text stream (the terminal REPL, logs, tests)."""

from __future__ import annotations

import itertools
import sys
from typing import TextIO

from adapters.base import Message, MessageRef, Platform


def plain(message: Message) -> str:
    """A message as plain text: title, body, table, buttons, mentions, footer."""
    lines = [f"【{message.title}】"] if message.title else []
    lines.append(message.markdown or message.text)
    if message.table is not None:
        lines.append(" | ".join(message.table.columns))
        lines.extend(" | ".join(row) for row in message.table.rows)
    if message.mentions:
        lines.append(" ".join(f"@{m.name or m.user_id}" for m in message.mentions))
    if message.buttons:
        lines.append("  ".join(f"[{b.label}]" for b in message.buttons))
    if message.footer:
        lines.append(message.footer)
    return "\n".join(lines)


class ConsoleAdapter:
    platform: Platform = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._ids = itertools.count(1)

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        ref = MessageRef("console", chat, str(next(self._ids)), thread)
        self.stream.write(f"--- {chat} #{ref.message_id}{f' (thread {thread})' if thread else ''}\n{plain(message)}\n")
        return ref

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        self.stream.write(f"--- {ref.chat} #{ref.message_id} (updated)\n{plain(message)}\n")
        return ref
