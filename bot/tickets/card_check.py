"""A click on a ticket card acts on that card's ticket only: a button whose value names another ticket
than the one the clicked message was posted for (a forged or replayed click carrying a real card's
message id) is refused as ``tickets.wrong_card``, in the user's language."""

from __future__ import annotations

from typing import Protocol

from adapters.base import ButtonAction
from metrics.problems import user_error


class CardIndex(Protocol):
    def ticket_of(self, platform: str, chat: str, thread: str | None) -> str | None:
        """The ticket whose card (or card thread) a message of ``chat`` is, None when it is no card."""
        ...


def check_card(index: CardIndex, platform: str, action: ButtonAction) -> None:
    message = action.message
    if message is None:
        return
    for mid in (message.message_id, message.thread):
        owner = index.ticket_of(platform, message.chat, mid) if mid else None
        if owner is not None and owner != action.value:
            raise user_error(
                "tickets.wrong_card",
                f"This card belongs to ticket {owner}, not {action.value}; nothing was done.",
                f"这张卡片属于工单 {owner}，不是 {action.value}，未执行任何操作。",
            )
        if owner is not None:
            return
