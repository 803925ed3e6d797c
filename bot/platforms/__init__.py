"""The chat platforms the running bot can be wired to; each ``build`` returns None when not configured."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.platforms import dingtalk, slack, web, wecom
from bot.platforms.parts import PlatformParts

if TYPE_CHECKING:
    from bot.runtime import Runtime

BUILDERS: tuple[Callable[[Runtime], PlatformParts | None], ...] = (web.build, slack.build, dingtalk.build, wecom.build)
