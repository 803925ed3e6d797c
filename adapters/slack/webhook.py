"""``POST /slack/events`` — one endpoint for the Events API, slash commands and interactivity (as in the Slack
app manifest). Every request is verified here first, with ``SlackVerifier`` on the runtime's clock (a bad or
stale signature → 401 and nothing reaches bolt or the runtime), then handed to the bolt AsyncApp through
slack-bolt's FastAPI adapter.

Why verify here rather than in bolt (whose own check is turned off): bolt's verification reads the wall clock,
with no way to inject one, so the official signing example with its fixed timestamp could not be replayed
against the app, and a test clock would disagree with it. Ours is the same check (slack_sdk's
SignatureVerifier, 300 s window, constant-time compare) on the clock the whole runtime uses."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp

from adapters.base import InvalidSignature, StaleRequest
from adapters.slack.verify import SlackVerifier

PATH = "/slack/events"


def slack_router(app: AsyncApp, verifier: SlackVerifier) -> APIRouter:
    handler = AsyncSlackRequestHandler(app)
    router = APIRouter()

    @router.post(PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        body = await request.body()  # starlette keeps it: bolt's handler reads the same bytes
        try:
            verifier.verify(dict(request.headers), body)
        except StaleRequest:
            return Response("stale request", status_code=401, media_type="text/plain")
        except InvalidSignature:
            return Response("invalid signature", status_code=401, media_type="text/plain")
        return await handler.handle(request)

    return router
