"""Reading the ``auth:`` section of `opsbot.yaml` into ``AuthConfig`` (each key checked; ``methods:`` kept raw)."""

from __future__ import annotations

import types

from bot.config.auth import AuthConfig
from bot.config.reader import Reader
from metrics.yamlsrc import Located

KEYS = ("session_hours", "cookie_secure", "login_link_minutes", "methods")


def read_auth(doc: Located, r: Reader) -> AuthConfig:
    node = r.mapping(doc, "auth", "auth")
    if node is None:
        return AuthConfig()
    r.keys(node, KEYS, "auth")
    hours = _number(node, "session_hours", 12.0, 24 * 90, r)
    minutes = _number(node, "login_link_minutes", 15.0, 24 * 60 * 7, r)
    secure = r.flag(node, "cookie_secure", "auth", False) if "cookie_secure" in node else None
    methods = node.get("methods") or {}
    if not isinstance(methods, dict):
        r.problem(node, "methods", "auth.methods: expected a mapping", "auth.methods：应为键值映射")
        methods = {}
    return AuthConfig(hours, secure, minutes, types.MappingProxyType(dict(methods)))


def _number(node: Located, key: str, default: float, most: float, r: Reader) -> float:
    if key not in node:
        return default
    value = node[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= most:
        r.problem(node, key, f"auth.{key}: expected a number above 0, at most {most:g}",
                  f"auth.{key}：应为大于 0、不超过 {most:g} 的数")  # fmt: skip
        return default
    return float(value)
