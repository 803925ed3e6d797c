"""OIDC login end to end over real HTTP: the router in a small app, authlib against a local OIDC provider.
The right person is logged in; a wrong state, a replayed code or flow, an unknown person, an unverified
e-mail, an expired flow, a forged or misaddressed id_token, a missing flow cookie are refused."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fake_oidc import FakeOidc
from login_harness import START, LoginApp, login_app, query_of

LINA = {"sub": "u-1", "email": "lina@example.com", "email_verified": True}


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeOidc]:
    with FakeOidc() as fake:
        yield fake


@pytest.fixture(scope="module")
def served(provider: FakeOidc) -> Iterator[LoginApp]:
    raw = {"oidc": {"issuer": provider.issuer, "client_id": "opsbot", "client_secret": "${OIDC_SECRET}"}}
    with login_app(raw, env={"OIDC_SECRET": "oidc-secret"}) as app:
        provider.now = lambda: app.clock().timestamp()
        yield app


@pytest.fixture
def app(served: LoginApp, provider: FakeOidc) -> LoginApp:
    provider.user, provider.extra_claims, provider.sign_with_other_key = dict(LINA), {}, False
    provider.now = lambda: served.clock().timestamp()
    served.logins.clear()
    served.clock.now = START
    return served


def _to_callback(app: LoginApp, next_url: str = "/") -> tuple[Any, str]:
    """Start a login and let the provider answer: (the browser, the callback URL it is sent to)."""
    browser = app.browser()
    start = browser.get("/auth/oidc/start", params={"next": next_url})
    assert start.status_code == 302
    authorize = browser.get(start.headers["location"])
    assert authorize.status_code == 302, authorize.text
    return browser, authorize.headers["location"]


def test_the_verified_email_logs_in_its_person_and_lands_on_next(app: LoginApp) -> None:
    with app.browser(follow_redirects=True) as browser:
        page = browser.get("/auth/oidc/start", params={"next": "/chat?x=1"})
    assert page.status_code == 200
    assert page.text == "/chat session=李娜 proxy=nobody"
    assert app.logins == [("李娜", "oidc", "/chat?x=1")]


def test_the_authorize_request_carries_pkce_nonce_and_state(app: LoginApp, provider: FakeOidc) -> None:
    start = app.browser().get("/auth/oidc/start")
    q = query_of(start.headers["location"])
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert len(q["state"]) >= 32 and len(q["nonce"]) >= 32 and "openid" in q["scope"].split()
    assert "HttpOnly" in start.headers["set-cookie"] and "samesite=lax" in start.headers["set-cookie"].lower()


def test_a_wrong_state_is_refused(app: LoginApp) -> None:
    browser, callback = _to_callback(app)
    tampered = callback.replace("state=", "state=x")
    refused = browser.get(tampered)
    assert refused.status_code == 400 and "state does not match" in refused.text
    assert app.logins == []


def test_a_callback_without_the_flow_cookie_is_refused(app: LoginApp) -> None:
    _, callback = _to_callback(app)
    refused = app.browser().get(callback)  # another browser (login CSRF: the victim did not start it)
    assert refused.status_code == 400 and "not started here" in refused.text
    assert app.logins == []


def test_a_replayed_callback_and_a_replayed_code_are_refused(app: LoginApp) -> None:
    browser, callback = _to_callback(app)
    cookie = browser.cookies.get("opsbot_login_flow")
    assert browser.get(callback).status_code == 303
    again = app.browser(cookies={"opsbot_login_flow": cookie or ""}).get(callback)
    assert again.status_code == 400 and "already used" in again.text
    fresh, second = _to_callback(app)  # a new flow of the same browser, with the old code
    reused = fresh.get(second.replace(query_of(second)["code"], query_of(callback)["code"]))
    assert reused.status_code == 400 and "refused the code" in reused.text
    assert [name for name, *_ in app.logins] == ["李娜"]


def test_an_unknown_person_is_refused_in_their_language(app: LoginApp, provider: FakeOidc) -> None:
    provider.user = {"sub": "u-9", "email": "stranger@example.com", "email_verified": True}
    browser, callback = _to_callback(app)
    refused = browser.get(callback, headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 403 and "不在本机器人的人员名单中" in refused.text
    assert app.logins == []


def test_an_unverified_email_is_refused(app: LoginApp, provider: FakeOidc) -> None:
    provider.user = {**LINA, "email_verified": False}
    browser, callback = _to_callback(app)
    refused = browser.get(callback)
    assert refused.status_code == 403 and "not verified" in refused.text
    assert app.logins == []


def test_an_expired_flow_is_refused(app: LoginApp) -> None:
    browser, callback = _to_callback(app)
    app.clock.advance(11 * 60)
    refused = browser.get(callback)
    assert refused.status_code == 400 and "took too long" in refused.text
    assert app.logins == []


@pytest.mark.parametrize(
    "forge",
    [{"sign_with_other_key": True}, {"extra_claims": {"aud": "another-app"}}, {"extra_claims": {"nonce": "n"}},
     {"extra_claims": {"iss": "https://evil.example"}}],
    ids=["foreign-key", "audience", "nonce", "issuer"],
)  # fmt: skip
def test_a_forged_or_misaddressed_id_token_is_refused(app: LoginApp, provider: FakeOidc, forge: dict[str, Any]) -> None:
    for key, value in forge.items():
        setattr(provider, key, value)
    browser, callback = _to_callback(app)
    refused = browser.get(callback)
    assert refused.status_code == 400 and "identity token is not valid" in refused.text
    assert app.logins == []


def test_next_cannot_leave_the_server(app: LoginApp) -> None:
    with app.browser(follow_redirects=True) as browser:
        page = browser.get("/auth/oidc/start", params={"next": "//evil.example/x"})
    assert page.text.startswith("/ session=李娜")
    assert app.logins == [("李娜", "oidc", "/")]


def test_a_method_not_configured_is_not_found(app: LoginApp) -> None:
    assert app.browser().get("/auth/wecom/start").status_code == 404
    assert app.browser().get("/auth/dingtalk/callback?code=x&state=y").status_code == 404


def test_another_claim_names_the_person_by_name_or_email(provider: FakeOidc) -> None:
    raw = {"oidc": {"issuer": provider.issuer, "client_id": "opsbot", "client_secret": "oidc-secret",
                    "claim": "preferred_username"}}  # fmt: skip
    with login_app(raw) as app:
        provider.now, provider.extra_claims, provider.sign_with_other_key = app.clock().timestamp, {}, False
        for claimed, expected in (("张伟", "张伟"), ("lina@example.com", "李娜")):
            provider.user = {"sub": "u-2", "preferred_username": claimed}  # no email, not verified: not needed
            with app.browser(follow_redirects=True) as browser:
                assert browser.get("/auth/oidc/start").text == f"/ session={expected} proxy=nobody"


def test_a_tampered_flow_cookie_is_refused(app: LoginApp) -> None:
    browser, callback = _to_callback(app)
    body, _, sign = (browser.cookies.get("opsbot_login_flow") or "").partition(".")
    flow = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    flow["next_url"] = "/admin"
    forged = base64.urlsafe_b64encode(json.dumps(flow).encode()).rstrip(b"=").decode()
    refused = app.browser(cookies={"opsbot_login_flow": f"{forged}.{sign}"}).get(callback)
    assert refused.status_code == 400 and "not started here" in refused.text
    assert app.logins == []


def test_the_enabled_methods_are_listed(app: LoginApp) -> None:
    assert app.browser().get("/auth/methods").json() == {"methods": ["oidc"]}
