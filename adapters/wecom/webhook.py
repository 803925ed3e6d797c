"""``GET/POST /wecom/callback`` — the WeCom app's callback URL.

GET is the URL verification (``msg_signature``, ``timestamp``, ``nonce``, ``echostr`` → the decrypted
echostr as plain text). POST carries an encrypted message: verified and decrypted (a bad signature → 401,
nothing done), parsed, queued, and answered at once with an empty 200 (WeCom retries after 5 s). A card
click's ResponseCode is written into the card's stored ref first, so the card update that follows the
click can use it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from adapters.base import InboundEvent, InvalidSignature, StaleRequest
from adapters.wecom.callback import WeComCallback

PATH = "/wecom/callback"
Submit = Callable[[InboundEvent], bool]
Remember = Callable[[InboundEvent], None]


def event_key(event: InboundEvent) -> InboundEvent:
    """Clicks are deduplicated by FromUserName + CreateTime + EventKey (they carry no MsgId)."""
    if event.action is None:
        return event
    raw = event.raw
    key = f"{raw.get('FromUserName', event.user)}:{raw.get('CreateTime', '')}:{raw.get('EventKey', '')}"
    return dataclasses.replace(event, event_id=key)


def take(event: InboundEvent, submit: Submit, remember: Remember) -> None:
    event = event_key(event)
    if event.action is not None and event.action.response_token:
        remember(event)
    submit(event)


def wecom_router(callback: WeComCallback, submit: Submit, remember: Remember) -> APIRouter:
    router = APIRouter()

    @router.get(PATH, include_in_schema=False)
    def wecom_verify(request: Request) -> Response:
        try:
            echo = callback.verify_url(dict(request.query_params))
        except (InvalidSignature, StaleRequest) as e:
            return Response(f"invalid signature: {e}", status_code=401, media_type="text/plain")
        return Response(echo, media_type="text/plain")

    @router.post(PATH, include_in_schema=False)
    async def wecom_callback(request: Request) -> Response:
        body = await request.body()
        try:
            event = callback.parse(dict(request.query_params), body)
        except (InvalidSignature, StaleRequest) as e:
            return Response(f"invalid signature: {e}", status_code=401, media_type="text/plain")
        except ValueError as e:
            return Response(f"bad callback: {e}", status_code=400, media_type="text/plain")
        if event is not None:
            await run_in_threadpool(take, event, submit, remember)
        return Response(b"", media_type="text/plain")

    return router
