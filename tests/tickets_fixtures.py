"""Fixtures for the ticket tests: the same tests on SQLite (a temp file) and PostgreSQL (a fresh schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tickets_support import Clock, pg_admin_url, pg_schema

from alerts.tickets.service import TicketService
from alerts.tickets.store import Store, open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.sqlite'}"
        return
    admin, why = pg_admin_url()
    if admin is None:
        pytest.skip(why)
    with pg_schema(admin) as url:
        yield url


@pytest.fixture()
def pg_url() -> Iterator[str]:
    admin, why = pg_admin_url()
    if admin is None:
        pytest.skip(why)
    with pg_schema(admin) as url:
        yield url


@pytest.fixture()
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def service(store: Store, clock: Clock) -> TicketService:
    return TicketService(store, clock)
