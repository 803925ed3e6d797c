"""The authenticated person of a request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Who:
    person: str  # a name of ``people:`` (or an unlisted account's name)
    role: str | None  # the catalog role whose row filters apply to everything they see
    admin: bool
    method: str  # how they proved it: password, link, token, oidc, wecom, dingtalk, proxy …
    listed: bool  # in ``people:``
    csrf: str | None = None  # the session's CSRF token; None for API tokens (no cookie, nothing to forge)
