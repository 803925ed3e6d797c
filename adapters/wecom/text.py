"""Text helpers for WeCom's limits: truncation by characters and by UTF-8 bytes."""

from __future__ import annotations

TRUNCATION_MARKER = "\n…(truncated)"


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in … when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def clip_bytes(text: str, limit: int, marker: str = TRUNCATION_MARKER) -> str:
    """At most ``limit`` UTF-8 bytes, ending in ``marker`` when cut (never splitting a character)."""
    data = text.encode()
    if len(data) <= limit:
        return text
    room = max(limit - len(marker.encode()), 0)
    return data[:room].decode(errors="ignore") + marker
