"""The web chat's messages: table ``web_messages`` in the state database (SQLite or PostgreSQL), created if missing.

Ids are ``w-<int>``; ``thread`` is the id of the thread's root (NULL for a top-level message); ``update``
replaces the body in place and bumps ``version``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)

PREFIX = "w-"
metadata = MetaData()
web_messages = Table(
    "web_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat", String(200), nullable=False),
    Column("thread", String(40), nullable=True),
    Column("author", String(200), nullable=False),
    Column("kind", String(10), nullable=False),  # user | bot | card
    Column("body", Text, nullable=False),  # JSON of the neutral Message
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_web_messages_chat", "chat", "id"),
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def number_of(message_id: str) -> int | None:
    """``w-12`` → 12; None for anything else."""
    if not message_id.startswith(PREFIX) or not message_id[len(PREFIX) :].isdigit():
        return None
    return int(message_id[len(PREFIX) :])


def _iso(value: dt.datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": f"{PREFIX}{r.id}",
        "chat": r.chat,
        "thread": r.thread,
        "author": r.author,
        "kind": r.kind,
        "body": json.loads(r.body),
        "version": r.version,
        "created_at": _iso(r.created_at),
        "updated_at": _iso(r.updated_at),
    }


class WebStore:
    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = _now) -> None:
        self.engine = engine
        self.clock = clock
        with self._write() as conn, conn.begin():
            metadata.create_all(conn, checkfirst=True)

    def _write(self) -> Any:
        # BEGIN IMMEDIATE on the state store's SQLite engine (writers queue instead of failing busy)
        return self.engine.connect().execution_options(opsbot_write=True)

    def add(self, chat: str, author: str, kind: str, body: dict[str, Any], thread: str | None = None) -> dict[str, Any]:
        now = self.clock()
        with self._write() as conn, conn.begin():
            new_id = conn.execute(
                insert(web_messages)
                .values(
                    chat=chat,
                    thread=thread,
                    author=author,
                    kind=kind,
                    body=json.dumps(body, ensure_ascii=False),
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                .returning(web_messages.c.id)
            ).scalar_one()
            return _row(conn.execute(select(web_messages).where(web_messages.c.id == new_id)).one())

    def replace(self, message_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The new body in place (version + 1); None when there is no such message."""
        number = number_of(message_id)
        if number is None:
            return None
        with self._write() as conn, conn.begin():
            done = conn.execute(
                update(web_messages)
                .where(web_messages.c.id == number)
                .values(
                    body=json.dumps(body, ensure_ascii=False),
                    version=web_messages.c.version + 1,
                    updated_at=self.clock(),
                )
            )
            if done.rowcount == 0:
                return None
            return _row(conn.execute(select(web_messages).where(web_messages.c.id == number)).one())

    def get(self, message_id: str) -> dict[str, Any] | None:
        number = number_of(message_id)
        if number is None:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(web_messages).where(web_messages.c.id == number)).one_or_none()
        return _row(row) if row is not None else None

    def messages(self, chat: str, limit: int = 500) -> list[dict[str, Any]]:
        """The chat's newest ``limit`` messages, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(web_messages).where(web_messages.c.chat == chat).order_by(web_messages.c.id.desc()).limit(limit)
            ).all()
        return [_row(r) for r in reversed(rows)]

    def chats(self) -> dict[str, int]:
        """Every chat with messages → how many."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(web_messages.c.chat, func.count()).group_by(web_messages.c.chat)).all()
        return {str(chat): int(n) for chat, n in rows}
