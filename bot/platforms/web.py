"""The built-in web chat (on by default): messages in the state database; its page and API are mounted by
bot/http/web_chat.py."""

from __future__ import annotations

from adapters.web import Hub, WebAdapter, WebStore
from bot.platforms.context import PlatformContext
from bot.platforms.parts import PlatformParts


def build(bot: PlatformContext) -> PlatformParts | None:
    if not bot.config.web.enabled:
        return None
    adapter = WebAdapter(WebStore(bot.store.engine, clock=bot.clock), Hub())
    return PlatformParts(
        name="web",
        adapter=adapter,
        stop=adapter.hub.close,
        info={"page": bot.config.server.public_url + "/"},
    )
