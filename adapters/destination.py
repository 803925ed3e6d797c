"""Where a card or a message goes: a platform and a chat on it, written ``platform:chat`` in opsbot.yaml and in
the ticket store (``slack:C0123``, ``wecom:robot:cs``, ``web:#ops``). What a chat means is the platform's
business (a WeCom ``robot:<name>``, a DingTalk group's robot)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Destination:
    platform: str
    chat: str

    @classmethod
    def parse(cls, text: str) -> Destination:
        """``platform:chat`` → Destination; ValueError when there is no platform or no chat."""
        platform, sep, chat = text.partition(":")
        if not sep or not platform or not chat.strip():
            raise ValueError(f"{text!r} is not platform:chat")
        return cls(platform, chat)

    def __str__(self) -> str:
        return f"{self.platform}:{self.chat}"
