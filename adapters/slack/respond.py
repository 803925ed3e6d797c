"""Answer a slash command through its ``response_url`` (slack_sdk's WebhookClient): it works wherever the
command was typed — a channel the bot is not a member of, a private channel, a DM — where chat.postMessage
would fail with ``not_in_channel`` / ``channel_not_found``. The message is posted ``in_channel`` (visible to
everyone there, like a bot post). A response_url is valid for 30 minutes and 5 uses; any failure is a
DeliveryError so the caller can fall back to posting in the channel."""

from __future__ import annotations

from slack_sdk.webhook import WebhookClient

from adapters.base import DeliveryError, Message
from adapters.slack.render import render

DEFAULT_TIMEOUT = 10


def respond(response_url: str, message: Message, *, timeout: int = DEFAULT_TIMEOUT) -> None:
    """Post ``message`` to ``response_url`` (no SDK retries: the caller decides what to do on failure)."""
    rendered = render(message)
    client = WebhookClient(response_url, timeout=timeout, retry_handlers=[])
    try:
        response = client.send(
            text=rendered.text, blocks=rendered.blocks, response_type="in_channel", replace_original=False
        )
    except OSError as err:  # URLError, timeouts, refused connections
        raise DeliveryError(f"slack response_url: {type(err).__name__}: {err}", retryable=True) from err
    if response.status_code != 200:
        raise DeliveryError(
            f"slack response_url: HTTP {response.status_code} {response.body[:200]}",
            retryable=response.status_code == 429 or response.status_code >= 500,
        )
