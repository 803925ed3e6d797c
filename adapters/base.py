"""The neutral types every adapter speaks: what came in (InboundEvent), what goes out (Message),
where it went (MessageRef), and how a platform failure is reported (DeliveryError).

``bot/`` sees only these types. Each platform module renders a Message natively (Block Kit,
actionCard/markdown, template_card …) and parses its own signed requests into an InboundEvent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Platform = Literal["slack", "dingtalk", "wecom", "web", "console"]
ButtonStyle = Literal["primary", "danger", "default"]


@dataclass(frozen=True)
class Mention:
    """A person to @-mention: the platform's user id (Slack U…, DingTalk staff id / mobile, WeCom userid)."""

    user_id: str
    name: str = ""


@dataclass(frozen=True)
class Button:
    """A card button. ``action`` (ack, snooze, assign, close …) and ``value`` (e.g. the ticket number)
    come back in the ButtonAction of the click; ``url`` is set for platforms without callback
    buttons (a signed, expiring action link served by opsbot)."""

    action: str
    label: str
    value: str
    style: ButtonStyle = "default"
    url: str | None = None


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: int | None = None  # the result's row count when ``rows`` holds only its first rows


@dataclass(frozen=True)
class Image:
    png: bytes
    alt: str
    filename: str = "chart.png"


@dataclass(frozen=True)
class Message:
    """A platform-neutral message: plain text always (the fallback every platform can show), and
    optionally a title, markdown body, a table, an image, buttons and mentions."""

    text: str
    title: str | None = None
    markdown: str | None = None
    table: Table | None = None
    image: Image | None = None
    buttons: tuple[Button, ...] = ()
    mentions: tuple[Mention, ...] = ()
    footer: str | None = None  # small print: definitions used, the ticket's rule, …
    # ``text`` without the rows the table shows: what a renderer that shows the table puts above it, so
    # the numbers appear once (None: ``text`` does not repeat the table)
    lead: str | None = None
    link: str | None = None  # where the whole result can be fetched (a signed CSV download), if anywhere
    download: bytes | None = None  # the whole result as CSV, for the adapter to publish as ``link``


@dataclass(frozen=True)
class MessageRef:
    """Where a message landed, enough to update it later (Slack ts, WeCom task_id/response_code …)."""

    platform: Platform
    chat: str
    message_id: str
    thread: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ButtonAction:
    """A click on a card button."""

    action: str
    value: str
    message: MessageRef | None = None  # the card that was clicked
    response_token: str | None = None  # Slack response_url, WeCom ResponseCode …
    target: str | None = None  # whom the step is for, when the click named them (assign → the person picked)


@dataclass(frozen=True)
class InboundEvent:
    """One thing a person did in a chat, verified and parsed."""

    platform: Platform
    event_id: str  # for de-duplication of platform retries
    chat: str  # channel / conversation / group id (for a DM: the DM's id)
    user: str  # the platform's user id
    text: str = ""  # the message text with the bot's own @-mention removed
    thread: str | None = None  # the thread it belongs to (Slack thread_ts …)
    user_name: str | None = None
    mentions: tuple[str, ...] = ()  # user ids mentioned besides the bot
    direct: bool = False  # a DM / single chat rather than a group
    command: str | None = None  # a slash command (e.g. "/opsbot") when it came as one
    action: ButtonAction | None = None
    reply_url: str | None = None  # DingTalk sessionWebhook, Slack response_url …
    # False for a plain message the bot was not addressed in (a reply in a thread without @-mention):
    # the bot acts on it only in threads it knows (a ticket card's, or one it answered in)
    addressed: bool = True
    raw: dict[str, Any] = field(default_factory=dict)


class InvalidSignature(Exception):
    """The request is not signed by the platform (or the signature does not match)."""


class StaleRequest(InvalidSignature):
    """The request's timestamp is outside the platform's replay window."""


class DeliveryError(Exception):
    """The platform refused or failed a send/update. ``retryable`` tells the outbox whether to try
    again; ``retry_after`` (seconds) comes from the platform when it rate-limits."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Adapter(Protocol):
    """What the bot needs to post and update messages on a platform."""

    platform: Platform

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef: ...

    def update(self, ref: MessageRef, message: Message) -> MessageRef: ...
