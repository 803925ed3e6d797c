"""The trusted reverse-proxy header over real HTTP: believed from a listed proxy address, refused from any
other (the header is whatever a client wants it to be), and naming nobody outside people:."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from login_harness import LoginApp, login_app


@pytest.fixture(scope="module")
def trusted() -> Iterator[LoginApp]:
    with login_app({"proxy": {"header": "X-Auth-Request-Email", "trusted": ["127.0.0.1"], "match": "email"}}) as app:
        yield app


@pytest.fixture(scope="module")
def untrusted() -> Iterator[LoginApp]:
    with login_app({"proxy": {"header": "X-Auth-Request-User", "trusted": ["10.0.0.0/8"]}}) as app:
        yield app


def test_the_trusted_proxy_header_logs_in_its_person(trusted: LoginApp) -> None:
    trusted.logins.clear()
    with trusted.browser(headers={"X-Auth-Request-Email": "LiNa@example.com"}) as browser:
        assert browser.get("/chat").text == "/chat session=nobody proxy=李娜"
        begun = browser.get("/auth/proxy/start", params={"next": "/chat"})
    assert begun.status_code == 303 and trusted.logins == [("李娜", "proxy", "/chat")]


def test_the_header_from_an_untrusted_address_is_refused(untrusted: LoginApp) -> None:
    untrusted.logins.clear()
    spoofed = {"X-Auth-Request-User": "张伟".encode(), "X-Forwarded-For": b"10.0.0.5"}
    with untrusted.browser(headers=spoofed) as browser:
        assert browser.get("/chat").text == "/chat session=nobody proxy=nobody"
        refused = browser.get("/auth/proxy/start")
    assert refused.status_code == 403 and "trusted proxy" in refused.text
    assert untrusted.logins == []


def test_a_name_not_in_people_and_a_missing_header_are_refused(trusted: LoginApp) -> None:
    trusted.logins.clear()
    with trusted.browser(headers={"X-Auth-Request-Email": "ceo@example.com"}) as browser:
        assert browser.get("/chat").text.endswith("proxy=nobody")
        assert browser.get("/auth/proxy/start").status_code == 403
    assert trusted.browser().get("/auth/proxy/start").status_code == 403
    assert trusted.logins == []


def test_a_utf8_name_from_the_trusted_proxy_is_read_as_utf8() -> None:
    with login_app({"proxy": {"header": "X-Forwarded-User", "trusted": ["127.0.0.0/8", "::1"]}}) as app:
        page = app.browser(headers={"X-Forwarded-User": "张伟".encode()}).get("/")
    assert page.text == "/ session=nobody proxy=张伟"
