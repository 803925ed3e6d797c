"""What a chat platform contributes to the running bot: where cards go, how answers reply, its routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import APIRouter

from adapters.base import Adapter, InboundEvent, Message, MessageRef

ReplyFn = Callable[[InboundEvent, Message], MessageRef]


def _no(chat: str) -> bool:
    return False


def _itself(chat: str) -> str:
    return chat


def _nothing() -> None:
    return None


@dataclass
class PlatformParts:
    name: str  # "web", "slack", "dingtalk", "wecom"
    adapter: Adapter | None = None  # posts and updates ticket cards ("<name>:<chat>" destinations)
    reply: ReplyFn | None = None  # answers an event where it came from; default adapter.send(chat, thread)
    router: APIRouter | None = None  # the platform's inbound endpoints
    needs_links: Callable[[str], bool] = _no  # chat → its cards' buttons must be signed action links
    sender: Callable[[str], str] = _itself  # chat → what its rate limit is counted on (a robot serves many)
    start: Callable[[], None] = _nothing  # background clients (e.g. DingTalk Stream mode)
    stop: Callable[[], None] = _nothing
    info: dict[str, str] = field(default_factory=dict)  # shown on /health
