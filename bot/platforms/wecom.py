"""The wecom integration (being built)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.platform import PlatformParts

if TYPE_CHECKING:
    from bot.runtime import Runtime


def build(runtime: Runtime) -> PlatformParts | None:
    return None
