"""The chat platforms the running bot can be wired to; each ``build`` returns None when not configured."""

from __future__ import annotations

from collections.abc import Callable

from bot.platforms import dingtalk, slack, web, wecom
from bot.platforms.context import PlatformContext
from bot.platforms.parts import PlatformParts

BUILDERS: tuple[Callable[[PlatformContext], PlatformParts | None], ...] = (
    web.build,
    slack.build,
    dingtalk.build,
    wecom.build,
)
