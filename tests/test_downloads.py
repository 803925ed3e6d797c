"""Signed, expiring downloads at /files: served by the running bot without a login, refused when the link is
tampered with, expired or unknown, and kept within the store's size cap."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.delivery.files import FileStore, reachable
from bot.http.files import files_router
from tests.live_bot import WEB_CONFIG, LiveBot, bot_env, live_bot, write_config

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


class Now:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


def _client(store: FileStore) -> TestClient:
    app = FastAPI()
    app.include_router(files_router(store))
    return TestClient(app)


def _path(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_a_signed_link_serves_the_file_until_it_expires() -> None:
    now = Now()
    store = FileStore("s3cret", now=now, ttl_s=3600)
    web = _client(store)
    path, query = _path(store.url("https://bot.example.com/", PNG, "png"))
    got = web.get(path, params=query)
    assert got.status_code == 200 and got.content == PNG and got.headers["content-type"] == "image/png"
    assert web.get(path, params={**query, "sig": "0" * 64}).status_code == 404  # tampered
    assert web.get(path, params={**query, "exp": str(int(query["exp"]) + 3600)}).status_code == 404  # extended
    assert web.get(path.replace(".png", ".csv"), params=query).status_code == 404  # another type
    assert web.get(path).status_code == 404  # unsigned
    now.t += 3601
    gone = web.get(path, params=query)
    assert gone.status_code == 404 and "已过期" in gone.text


def test_a_link_signed_with_another_secret_is_refused() -> None:
    path, query = _path(FileStore("other").url("https://bot.example.com", PNG, "png"))
    assert _client(FileStore("s3cret")).get(path, params=query).status_code == 404


def test_csv_downloads_as_an_attachment() -> None:
    store = FileStore("s3cret")
    path, query = _path(store.url("https://bot.example.com", "渠道,成交金额\n天猫,1\n".encode(), "csv"))
    got = _client(store).get(path, params=query)
    assert got.status_code == 200 and got.text.startswith("渠道")
    assert got.headers["content-disposition"].startswith("attachment")


def test_the_store_keeps_within_its_size_cap_dropping_the_oldest() -> None:
    store = FileStore("s3cret", max_bytes=1000)
    web = _client(store)
    first = _path(store.url("https://b.example", b"\x89PNG" + b"a" * 596, "png"))
    second = _path(store.url("https://b.example", b"\x89PNG" + b"b" * 596, "png"))
    assert web.get(first[0], params=first[1]).status_code == 404  # dropped: 1200 bytes would exceed the cap
    assert web.get(second[0], params=second[1]).status_code == 200


def test_only_an_address_a_platform_can_reach_gets_chart_links() -> None:
    assert reachable("https://opsbot.example.com")
    assert reachable("http://203.0.113.9:8080") is False  # documentation range, not global
    for local in ("http://127.0.0.1:8080", "http://localhost:8080", "http://10.0.0.5", "http://192.168.1.2"):
        assert not reachable(local)


@pytest.fixture()
def bot(tmp_path: Path, small_db: Path) -> Iterator[LiveBot]:
    start = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
    with live_bot(write_config(tmp_path, WEB_CONFIG), bot_env(tmp_path, small_db), clock=lambda: start) as b:
        yield b


def test_the_running_bot_serves_its_files_without_a_login(bot: LiveBot) -> None:
    """The platform's servers fetch a chart with no session or token: the signature is what admits them."""
    url = bot.runtime.files.url(bot.url, PNG, "png")
    path, query = _path(url)
    with bot.http() as http:
        got = http.get(path, params=query)
        assert got.status_code == 200 and got.content == PNG
        assert http.get(path, params={**query, "sig": "f" * 64}).status_code == 404
