"""The identity tables in the state database (SQLite or PostgreSQL, created if missing).

Secrets are never stored: a session id, a token's secret and a login link are kept as their SHA-256 (they are
random and long, so a fast hash is enough); a password as its argon2 hash.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, MetaData, String, Table, Text

from alerts.tickets.columns import UtcDateTime

metadata = MetaData()

accounts = Table(
    "auth_accounts",
    metadata,
    Column("person", String(64), primary_key=True),
    Column("password_hash", Text, nullable=True),  # None: no password login (a platform login or a link only)
    Column("admin", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
)

sessions = Table(
    "auth_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("person", String(64), nullable=False, index=True),
    Column("method", String(32), nullable=False),  # password, link, oidc, wecom, dingtalk, proxy …
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

tokens = Table(
    "auth_tokens",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("secret_hash", String(64), nullable=False),
    Column("person", String(64), nullable=False, index=True),
    Column("label", String(200), nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

links = Table(
    "auth_links",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("person", String(64), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
)
