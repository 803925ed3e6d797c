"""The ticket store: one SQLAlchemy engine over SQLite (default, WAL) or PostgreSQL (by URL)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from alerts.tickets.columns import dumps
from alerts.tickets.schema import metadata
from metrics.paths import data_dir
from metrics.problems import UserError, user_error

BUSY_TIMEOUT_S = 30
_CREATE_LOCK = 0x6F707362  # pg_advisory_xact_lock key while creating tables ("opsb")


def state_url() -> str:
    """OPSBOT_STATE_URL, else sqlite:///<data dir>/opsbot-state.sqlite."""
    explicit = os.environ.get("OPSBOT_STATE_URL")
    return explicit if explicit else f"sqlite:///{data_dir() / 'opsbot-state.sqlite'}"


@dataclass
class Store:
    engine: Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One read-write transaction (BEGIN IMMEDIATE on SQLite: writers queue instead of deadlocking)."""
        with self.engine.connect().execution_options(opsbot_write=True) as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None) -> Store:
    """Connect to the state store at ``url`` (default ``state_url()``) and create its tables if absent."""
    raw = url or state_url()
    engine = _engine(raw)
    store = Store(engine)
    try:
        with store.write() as conn:
            if store.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CREATE_LOCK})
            metadata.create_all(conn, checkfirst=True)
    except DBAPIError as e:  # unreachable server, refused login, missing database, not a SQLite file …
        engine.dispose()
        reason = str(e.orig).strip().splitlines()[0] if e.orig is not None else str(e)
        raise _unreachable(raw, reason) from e
    return store


def _engine(raw: str) -> Engine:
    try:
        url = make_url(sqlalchemy_url(raw))
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url.database)
        if url.get_backend_name() != "postgresql":
            raise ArgumentError(f"unsupported backend {url.get_backend_name()}")
        return create_engine(url, json_serializer=dumps, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ValueError) as e:
        raise _bad_url(raw) from e
    except OSError as e:  # the SQLite file's directory cannot be made
        raise _unreachable(raw, str(e)) from e


def sqlalchemy_url(raw: str) -> str:
    """``raw`` with the installed PostgreSQL driver spelled out (postgresql:// → postgresql+psycopg://)."""
    for bare in ("postgresql://", "postgres://"):
        if raw.startswith(bare):
            return "postgresql+psycopg://" + raw[len(bare) :]
    return raw


def _sqlite_engine(database: str | None) -> Engine:
    if not database or database == ":memory:":
        raise ValueError("the ticket store needs a file (several processes share it)")
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    private_file(Path(database))
    engine = create_engine(f"sqlite:///{database}", json_serializer=dumps, connect_args={"timeout": BUSY_TIMEOUT_S})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def private_file(path: Path) -> None:
    """Create the state file readable by its owner only (0600), and make an existing one so: it holds
    tickets, people's ids and the audit log. SQLite gives its -wal and -shm files the same mode.

    An existing file is changed by its path, never opened: closing any descriptor of a file drops every POSIX
    lock this process holds on it, SQLite's own included, and another process could then write into the middle
    of this one's transaction ("database disk image is malformed", seen when an engine was made while the
    inbox was writing)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with suppress(OSError):  # not ours to change: leave it, SQLite still opens it
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
        return
    os.close(fd)


def _sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
    _wal(cur)
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _wal(cur: sqlite3.Cursor) -> None:
    """Put the file in WAL mode (persistent, so only its first opener changes it).

    Changing the journal mode needs the file to itself and SQLite may answer "database is locked"
    at once, without its busy handler, while another process opens the same new file; so retry.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("opsbot_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _safe(raw: str) -> str:
    try:
        return make_url(sqlalchemy_url(raw)).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _bad_url(raw: str) -> UserError:
    shown = _safe(raw)
    return user_error(
        "tickets.bad_state_url",
        f"The state store URL {shown} is not usable: give sqlite:///path/to/file.sqlite or "
        "postgresql://user@host:5432/database (OPSBOT_STATE_URL).",
        f"状态库地址 {shown} 无法使用：请填写 sqlite:///文件路径.sqlite 或 postgresql://用户@主机:5432/数据库"
        "（OPSBOT_STATE_URL）。",
    )


def _unreachable(raw: str, reason: str) -> UserError:
    shown = _safe(raw)
    return user_error(
        "tickets.state_unreachable",
        f"Cannot open the state store {shown}: {reason}",
        f"无法打开状态库 {shown}：{reason}",
    )
