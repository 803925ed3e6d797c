"""SlackAdapter: send and update Messages through slack_sdk's WebClient (chat.postMessage, chat.update,
files_upload_v2 for images). The client is built with no retry handlers at all: the outbox owns retrying
(429 → DeliveryError(retryable=True, retry_after=Retry-After)), so the SDK must not sleep or resend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from adapters.base import DeliveryError, Image, Message, MessageRef, Platform
from adapters.slack.errors import from_api_error, from_transport_error
from adapters.slack.render import render

DEFAULT_BASE_URL = "https://slack.com/api/"
DEFAULT_TIMEOUT = 10


def api_base_url(base_url: str | None = None) -> str:
    """The Web API base URL: ``base_url`` (the config's ``platforms.slack.api_url``), else Slack's; with a
    trailing slash."""
    url = base_url or DEFAULT_BASE_URL
    return url if url.endswith("/") else url + "/"


def make_client(token: str, *, base_url: str | None = None, timeout: int = DEFAULT_TIMEOUT) -> WebClient:
    """A WebClient for ``api_base_url(base_url)`` with automatic retries disabled."""
    return WebClient(token=token, base_url=api_base_url(base_url), timeout=timeout, retry_handlers=[])


class SlackAdapter:
    platform: Platform = "slack"

    def __init__(self, token: str, *, base_url: str | None = None, client: WebClient | None = None) -> None:
        self.client = client if client is not None else make_client(token, base_url=base_url)

    def send(self, chat: str, message: Message, *, thread: str | None = None) -> MessageRef:
        """chat.postMessage (in ``thread`` when given); an image is then uploaded into the same place."""
        rendered = render(message)
        kwargs: dict[str, Any] = {"channel": chat, "text": rendered.text, "blocks": rendered.blocks}
        if thread:
            kwargs["thread_ts"] = thread
        response = _call("chat.postMessage", lambda: self.client.chat_postMessage(**kwargs))
        ts = str(response["ts"])
        channel = str(response.get("channel") or chat)
        extra: dict[str, str] = {}
        if message.image is not None:
            extra.update(self.upload_image(channel, message.image, thread))
        return MessageRef(platform="slack", chat=channel, message_id=ts, thread=thread, extra=extra)

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        """chat.update of the message at ``ref`` (a posted image is not replaced)."""
        rendered = render(message)
        response = _call(
            "chat.update",
            lambda: self.client.chat_update(
                channel=ref.chat, ts=ref.message_id, text=rendered.text, blocks=rendered.blocks
            ),
        )
        return MessageRef(
            platform="slack",
            chat=str(response.get("channel") or ref.chat),
            message_id=str(response.get("ts") or ref.message_id),
            thread=ref.thread,
            extra=dict(ref.extra),
        )

    def upload_image(self, channel: str, image: Image, thread: str | None) -> dict[str, str]:
        """Upload the chart next to the posted text: ``{"file_id": …}``, or ``{"image_error": …}`` when the
        upload fails — not raised, since the text is already posted and a retry by the outbox would repeat it."""
        try:
            file_id = self._upload(channel, image, thread)
        except DeliveryError as err:
            return {"image_error": str(err)}
        return {"file_id": file_id}

    def _upload(self, channel: str, image: Image, thread: str | None) -> str:
        response = _call(
            "files.upload_v2",
            lambda: self.client.files_upload_v2(
                channel=channel,
                thread_ts=thread,
                content=image.png,
                filename=image.filename,
                title=image.alt,
                alt_txt=image.alt,
            ),
        )
        file: dict[str, Any] = response.get("file") or {}
        return str(file.get("id", ""))


def _call(method: str, fn: Callable[[], SlackResponse]) -> SlackResponse:
    try:
        return fn()
    except SlackApiError as err:
        raise from_api_error(method, err) from err
    except (SlackClientError, OSError) as err:  # URLError, timeouts, refused connections; upload failures
        raise from_transport_error(method, err) from err
