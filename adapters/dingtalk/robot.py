"""One DingTalk custom group robot: its signed webhook, its 20-messages-a-minute limit, and replies through a
callback's ``sessionWebhook``.

Over the limit DingTalk throttles a robot for 10 minutes (errcode 130101); the robot remembers that and refuses
sends locally until the throttle has passed (each refusal a retryable DeliveryError with ``retry_after``),
rather than knocking on DingTalk again.

``base_url`` (the config's ``platforms.dingtalk.api_url``) replaces the scheme and host of every DingTalk URL
used, so tests and proxies can point the robot at another server; path and query are kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from adapters.base import DeliveryError, Message
from adapters.dingtalk.client import DingTalkClient, NotSent, Throttled
from adapters.dingtalk.ratelimit import RateLimiter
from adapters.dingtalk.render import render
from adapters.dingtalk.signing import signed_webhook_url


def rebase(url: str, base_url: str | None) -> str:
    """``url`` with the scheme and host (and any path prefix) of ``base_url``."""
    if not base_url:
        return url
    base, parts = urlsplit(base_url), urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + parts.path, parts.query, ""))


def session_url(session_webhook: str, base_url: str | None) -> str:
    """Where to post a reply: the ``sessionWebhook`` rebased on ``base_url``, or — with no base — the webhook
    itself only when it is an https URL on a DingTalk host. DingTalk's callback sign covers the timestamp, not
    the body, so a replayed sign could carry any URL; opsbot does not post answers to other hosts."""
    if base_url:
        return rebase(session_webhook, base_url)
    parts = urlsplit(session_webhook)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not (host == "dingtalk.com" or host.endswith(".dingtalk.com")):
        raise DeliveryError(
            f"sessionWebhook on {host or '?'} is not a DingTalk URL; not posting there", retryable=False
        )
    return session_webhook


def reply(
    client: DingTalkClient,
    session_webhook: str,
    message: Message,
    *,
    base_url: str | None,
    image_url: str | None = None,
) -> dict[str, Any]:
    """Answer in the conversation a callback came from (its ``sessionWebhook``, valid ~1.5 h, unsigned)."""
    return client.post(session_url(session_webhook, base_url), render(message, image_url))


class DingTalkRobot:
    def __init__(
        self,
        webhook_url: str,
        secret: str | None,
        *,
        base_url: str | None = None,
        client: DingTalkClient | None = None,
        limiter: RateLimiter | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        """``webhook_url`` is ``https://oapi.dingtalk.com/robot/send?access_token=…``; ``secret`` the robot's
        "加签" secret (``SEC…``), or None for a robot secured by keywords / IP only. ``now`` (epoch seconds)
        drives both the sign timestamp and the rate limiter."""
        if "access_token=" not in webhook_url:
            raise ValueError("DingTalk robot webhook URL has no access_token")
        self._base_url = base_url
        self._webhook = rebase(webhook_url, self._base_url)
        self._secret = secret
        self._client = client or DingTalkClient()
        self._limiter = limiter or RateLimiter(now=now)
        self._now = now
        self._throttled_until = 0.0  # epoch seconds: DingTalk said 130101, it refuses this robot until then

    def _url(self) -> str:
        return signed_webhook_url(self._webhook, self._secret, now=self._now) if self._secret else self._webhook

    def send_payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Post a ready robot payload, within the local limit (DeliveryError(retryable, retry_after) beyond it)."""
        throttled = self._throttled_until - self._now()
        if throttled > 0:
            raise DeliveryError(
                f"DingTalk throttles this robot for {throttled:.0f} s more (errcode 130101)",
                retryable=True,
                retry_after=throttled,
            )
        wait = self._limiter.acquire()
        if wait is not None:
            raise DeliveryError(
                f"DingTalk robot limit of {self._limiter.limit} messages/minute reached",
                retryable=True,
                retry_after=wait,
            )
        try:
            return self._client.post(self._url(), payload)
        except NotSent:
            self._limiter.release()
            raise
        except Throttled as e:
            self._throttled_until = self._now() + (e.retry_after or 0.0)
            raise

    def send(self, message: Message, image_url: str | None = None) -> dict[str, Any]:
        return self.send_payload(render(message, image_url))

    def reply(self, session_webhook: str, message: Message, image_url: str | None = None) -> dict[str, Any]:
        """Answer through a callback's ``sessionWebhook``. Session replies belong to the enterprise-app robot,
        so they do not count against this robot's limit."""
        return reply(self._client, session_webhook, message, base_url=self._base_url, image_url=image_url)
