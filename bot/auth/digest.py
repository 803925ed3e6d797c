"""Random secrets and their stored form."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """What is stored for a random secret (session id, token secret, login link): its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
