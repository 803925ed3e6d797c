"""The web chat's live feed: Server-Sent Events of new and updated messages, with a heartbeat.

A stream ends when the browser goes away, when the hub shuts down, or after ``MAX_LIFETIME_S`` (the
page's EventSource reconnects and reloads): the server's graceful shutdown waits for open responses.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from adapters.web.hub import Hub

HEARTBEAT_S = 15.0
MAX_LIFETIME_S = 30.0


def _frame(kind: str, data: object) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def sse(
    hub: Hub,
    is_disconnected: Callable[[], Awaitable[bool]],
    *,
    heartbeat: float = HEARTBEAT_S,
    lifetime: float = MAX_LIFETIME_S,
) -> AsyncIterator[str]:
    queue = hub.subscribe()
    ends = time.monotonic() + lifetime
    try:
        yield "retry: 1000\n" + _frame("hello", {"ok": True})
        while not hub.closed:
            left = ends - time.monotonic()
            if left <= 0:
                break
            try:
                event = await asyncio.wait_for(queue.get(), timeout=min(heartbeat, left))
            except TimeoutError:
                if await is_disconnected():
                    break
                yield ": heartbeat\n\n"
                continue
            if event.get("type") == "shutdown":
                break
            yield _frame(str(event["type"]), event["message"])
    finally:
        hub.unsubscribe(queue)
