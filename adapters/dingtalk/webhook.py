"""``POST /dingtalk/callback`` — the enterprise-app robot's messages in HTTP mode.

The ``timestamp`` / ``sign`` headers are checked first (``CallbackVerifier``: bad sign or more than 1 h off →
401, nothing done); the body is parsed and queued, and DingTalk gets its 200 at once — the answer goes out
later through the message's ``sessionWebhook``."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from adapters.base import InvalidSignature, StaleRequest
from adapters.dingtalk.events import Submit, take
from adapters.dingtalk.inbound import MalformedCallback
from adapters.dingtalk.signing import CallbackVerifier

PATH = "/dingtalk/callback"


def dingtalk_router(verifier: CallbackVerifier, submit: Submit, now: Callable[[], float]) -> APIRouter:
    router = APIRouter()

    @router.post(PATH, include_in_schema=False)
    async def dingtalk_callback(request: Request) -> Response:
        try:
            verifier.verify(dict(request.headers))
        except StaleRequest:
            return Response("stale request", status_code=401, media_type="text/plain")
        except InvalidSignature:
            return Response("invalid signature", status_code=401, media_type="text/plain")
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict):
                raise MalformedCallback("not a JSON object")
            await run_in_threadpool(take, body, submit, now)  # the inbox write, off the event loop
        except (ValueError, MalformedCallback) as e:  # json.JSONDecodeError is a ValueError
            return Response(f"bad callback: {e}", status_code=400, media_type="text/plain")
        return JSONResponse({})

    return router
