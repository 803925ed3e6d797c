"""What a chat platform contributes to the running bot: where cards go, how answers reply, its webhooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from adapters.base import Adapter, InboundEvent, Message, MessageRef
from adapters.webhook import WebhookHandler

ReplyFn = Callable[[InboundEvent, Message], MessageRef]


def _no(chat: str) -> bool:
    return False


def _itself(chat: str) -> str:
    return chat


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Webhook:
    """One inbound endpoint of a platform, mounted by bot/http/webhooks.py: ``handle`` verifies and parses the
    request; ``before_keep`` runs on each of its events (in a worker thread) before the bot keeps it."""

    path: str
    handle: WebhookHandler
    methods: tuple[str, ...] = ("POST",)
    before_keep: Callable[[InboundEvent], None] | None = None


@dataclass
class PlatformParts:
    name: str  # "web", "slack", "dingtalk", "wecom"
    adapter: Adapter | None = None  # posts and updates ticket cards ("<name>:<chat>" destinations)
    reply: ReplyFn | None = None  # answers an event where it came from; default adapter.send(chat, thread)
    webhooks: tuple[Webhook, ...] = ()  # the platform's inbound endpoints
    needs_links: Callable[[str], bool] = _no  # chat → its cards' buttons must be signed action links
    sender: Callable[[str], str] = _itself  # chat → what its rate limit is counted on (a robot serves many)
    start: Callable[[], None] = _nothing  # background clients (e.g. DingTalk Stream mode)
    stop: Callable[[], None] = _nothing
    info: dict[str, str] = field(default_factory=dict)  # shown on /health
