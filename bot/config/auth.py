"""The ``auth:`` section of `opsbot.yaml`: how long a login lasts, whether its cookie is HTTPS-only, how long a
one-time login link works, and the login ``methods:`` (kept raw here; the login methods read them)."""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AuthConfig:
    session_hours: float = 12.0
    cookie_secure: bool | None = None  # None: secure when public_url is https
    login_link_minutes: float = 15.0
    methods: Mapping[str, Any] = field(default_factory=lambda: types.MappingProxyType({}))

    def secure_cookie(self, public_url: str) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else public_url.startswith("https://")
