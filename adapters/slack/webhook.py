"""``POST /slack/events`` — one endpoint for the Events API, slash commands and interactivity (as in the Slack
app manifest), as a framework-free webhook. Every request is verified here first, with ``SlackVerifier`` on the
bot's clock (a bad or stale signature → 401 and nothing reaches bolt), then dispatched to the bolt AsyncApp
(bolt_app.py) as a ``BoltRequest``, whose listeners parse the events into the result.

Why verify here rather than in bolt (whose own check is turned off): bolt's verification reads the wall clock,
with no way to inject one, so the official signing example with its fixed timestamp could not be replayed
against the app, and a test clock would disagree with it. Ours is the same check (slack_sdk's
SignatureVerifier, 300 s window, constant-time compare) on the clock the whole bot uses."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest

from adapters.base import InboundEvent, InvalidSignature, StaleRequest
from adapters.slack.bolt_app import EVENTS
from adapters.slack.shape import well_formed
from adapters.slack.verify import SlackVerifier
from adapters.webhook import WebhookRequest, WebhookResult, bad_callback, invalid_signature, stale_request

PATH = "/slack/events"


class SlackWebhook:
    def __init__(self, app: AsyncApp, verifier: SlackVerifier) -> None:
        self.app, self.verifier = app, verifier

    async def __call__(self, request: WebhookRequest) -> WebhookResult:
        try:
            self.verifier.verify(request.headers, request.body)
        except StaleRequest:
            return stale_request()
        except InvalidSignature:
            return invalid_signature()
        if not well_formed(request.headers, request.body):
            return bad_callback()
        events: list[InboundEvent] = []
        bolt_request = AsyncBoltRequest(
            body=request.body.decode("utf-8"), query=dict(request.query), headers=dict(request.headers)
        )
        bolt_request.context[EVENTS] = events
        response = await self.app.async_dispatch(bolt_request)
        headers = response.first_headers_without_set_cookie()
        content_type = headers.pop("content-type", "text/plain; charset=utf-8")
        return WebhookResult(
            status=response.status,
            body=response.body.encode() if isinstance(response.body, str) else response.body,
            content_type=content_type,
            headers=headers,
            events=tuple(events),
        )
