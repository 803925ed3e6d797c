"""The one place every platform's webhooks are mounted on the HTTP app.

A request becomes a framework-free ``WebhookRequest``; the platform's handler (adapters/<platform>/webhook.py)
verifies and parses it into a ``WebhookResult``; each of its events is kept in the inbox (after the platform's
``before_keep``) before the platform hears the answer, so a 200 always means the event is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from adapters.base import InboundEvent
from adapters.webhook import WebhookRequest
from bot.platforms.parts import Webhook

log = logging.getLogger("opsbot.webhooks")
Keep = Callable[[InboundEvent], Awaitable[bool]]  # the inbox: True when kept, False for a repeat


def mount_webhooks(app: FastAPI, webhooks: Iterable[Webhook], keep: Keep) -> None:
    for webhook in webhooks:
        app.add_api_route(
            webhook.path, _endpoint(webhook, keep), methods=list(webhook.methods), include_in_schema=False
        )


def _endpoint(webhook: Webhook, keep: Keep) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        got = WebhookRequest(
            method=request.method,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
        )
        result = await webhook.handle(got)
        for event in result.events:
            if webhook.before_keep is not None:
                await run_in_threadpool(webhook.before_keep, event)
            if not await keep(event):
                log.info("a repeat of %s event %s ignored", event.platform, event.event_id)
        return Response(
            result.body, status_code=result.status, media_type=result.content_type, headers=dict(result.headers)
        )

    return endpoint
