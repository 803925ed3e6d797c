"""Malformed or out-of-range HTTP input gets a 4xx with the one error shape — never a 500 — and a
refusal stays short however big the input; every response carries the security headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_bot import WEB_CONFIG, LiveBot, bot_env, live_bot, write_config


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, small_db: Path) -> Iterator[LiveBot]:
    tmp_path = tmp_path_factory.mktemp("http")
    with live_bot(write_config(tmp_path, WEB_CONFIG), bot_env(tmp_path, small_db)) as b:
        yield b


@pytest.fixture(scope="module")
def http(bot: LiveBot) -> Iterator[httpx.Client]:
    """The API with 张伟's token."""
    with bot.api_as("张伟") as client:
        yield client


@pytest.fixture(scope="module")
def page(bot: LiveBot) -> Iterator[httpx.Client]:
    """The web chat with 张伟's session."""
    with bot.http_as("张伟") as client:
        yield client


@pytest.mark.parametrize(
    "body",
    [
        {"metrics": ["gmv"], "end": "9999-12-31"},
        {"metrics": ["gmv"], "start": "0001-01-01", "end": "0001-01-31"},
        {"metrics": ["gmv"], "start": "0001-01-01", "end": "2026-01-01", "compare": "yoy"},
        {"metrics": ["gmv"], "start": "9999-12-01", "end": "9999-12-31", "compare": "previous"},
        {"metrics": ["gmv"], "limit": -5},
        {"metrics": ["gmv"], "limit": 10**30},
    ],
)
def test_out_of_range_query_input_is_a_400(http: httpx.Client, body: dict[str, object]) -> None:
    response = http.post("/api/query", json=body)
    assert response.status_code in (400, 422), response.text
    problem = response.json()["error"][0]
    assert problem["code"] != "internal" and problem["zh"] and problem["en"]


@pytest.mark.parametrize("raw", ['{"metrics": ["gmv"], "having": [["gmv", ">", 1e999]]}', '{"metrics": ["gmv"'])
def test_a_non_finite_or_broken_body_is_a_4xx(http: httpx.Client, raw: str) -> None:
    response = http.post("/api/query", content=raw, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text


def test_a_huge_invalid_body_gets_a_short_422(http: httpx.Client) -> None:
    junk = "x" * 2_000_000
    response = http.post("/api/query", json={"metrics": ["gmv"], "grain": junk, "dimensions": [junk] * 3})
    assert response.status_code == 422
    assert len(response.content) < 4000, len(response.content)
    response = http.post("/api/ask", json={"question": junk})
    assert response.status_code == 422 and len(response.content) < 4000
    response = http.post("/api/query", json={"metrics": ["gmv"], "where": {junk: "not a list"}})
    assert response.status_code == 422 and len(response.content) < 4000, len(response.content)
    many = {"metrics": ["gmv"], "having": [[junk[:100], "~", "x"]] * 5000}
    response = http.post("/api/query", json=many)
    assert response.status_code == 422 and len(response.content) < 8000, len(response.content)


@pytest.mark.parametrize("path", ["/", "/health", "/web/static/app.js", "/api/metrics", "/no-such-page"])
def test_every_response_carries_the_security_headers(page: httpx.Client, bot: LiveBot, path: str) -> None:
    with bot.http() as anonymous:
        for headers in (page.get(path).headers, anonymous.get(path).headers):
            _secured(headers)


def _secured(headers: httpx.Headers) -> None:
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"


def test_the_web_chat_page_has_no_inline_script(page: httpx.Client) -> None:
    html = page.get("/").text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
