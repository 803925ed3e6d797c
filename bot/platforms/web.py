"""The built-in web chat (on by default): messages in the state database, the page and API of bot.web_routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.web import Hub, WebAdapter, WebStore
from bot.platform import PlatformParts
from bot.web_routes import web_router

if TYPE_CHECKING:
    from bot.runtime import Runtime


def build(runtime: Runtime) -> PlatformParts | None:
    if not runtime.config.web.enabled:
        return None
    adapter = WebAdapter(WebStore(runtime.store.engine, clock=runtime.clock), Hub())
    return PlatformParts(
        name="web",
        adapter=adapter,
        router=web_router(runtime, adapter),
        stop=adapter.hub.close,
        info={"page": runtime.config.server.public_url + "/"},
    )
