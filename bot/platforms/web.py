"""The built-in web chat (on by default): messages in the state database, the page and API of bot.http.web_chat."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.web import Hub, WebAdapter, WebStore
from bot.http.web_chat import web_router
from bot.platforms.parts import PlatformParts

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
