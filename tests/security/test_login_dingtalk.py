"""DingTalk login end to end over real HTTP: authCode → user access token → contact/users/me (unionId) →
getbyunionid (userid) against the local FakeLogin, mapped to people[].ids.dingtalk. Refused: a wrong state, a
replayed authCode, a user not in people:, a non-member, an expired flow."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake_dingtalk import FakeLogin
from login_harness import START, LoginApp, login_app, query_of

from bot.config.schema import DingTalkConfig


@pytest.fixture(scope="module")
def dingtalk() -> Iterator[FakeLogin]:
    with FakeLogin(app_key="ding-app", app_secret="ding-secret") as fake:
        yield fake


@pytest.fixture(scope="module")
def served(dingtalk: FakeLogin) -> Iterator[LoginApp]:
    raw = {"dingtalk": {"api_url": dingtalk.base_url, "oapi_url": dingtalk.base_url}}
    with login_app(raw, dingtalk=DingTalkConfig(app_key="ding-app", app_secret="ding-secret")) as app:
        yield app


@pytest.fixture
def app(served: LoginApp) -> LoginApp:
    served.logins.clear()
    served.clock.now = START
    return served


def _start(app: LoginApp) -> tuple[httpx.Client, str, str]:
    browser = app.browser()
    start = browser.get("/auth/dingtalk/start", params={"next": "/chat"})
    assert start.status_code == 302
    return browser, start.headers["location"], query_of(start.headers["location"])["state"]


def test_the_authcode_logs_in_the_member_by_userid(app: LoginApp, dingtalk: FakeLogin) -> None:
    browser, location, state = _start(app)
    q = query_of(location)
    assert location.startswith("https://login.dingtalk.com/oauth2/auth?")
    assert (q["client_id"], q["scope"], q["response_type"]) == ("ding-app", "openid", "code")
    assert q["redirect_uri"] == f"{app.url}/auth/dingtalk/callback"
    code = dingtalk.auth_code("union-zw", "zw-ding")
    done = browser.get("/auth/dingtalk/callback", params={"authCode": code, "state": state})
    assert done.status_code == 303 and done.headers["location"] == "/chat"
    assert app.logins == [("张伟", "dingtalk", "/chat")]
    assert dingtalk.requests and not [r.path for r in dingtalk.requests if "ding-secret" in r.raw_query]


def test_a_wrong_state_is_refused(app: LoginApp, dingtalk: FakeLogin) -> None:
    browser, _, _ = _start(app)
    code = dingtalk.auth_code("union-lina", "lina-ding")
    refused = browser.get("/auth/dingtalk/callback", params={"authCode": code, "state": "forged"})
    assert refused.status_code == 400 and "state does not match" in refused.text
    assert app.logins == []


def test_a_replayed_authcode_is_refused(app: LoginApp, dingtalk: FakeLogin) -> None:
    browser, _, state = _start(app)
    code = dingtalk.auth_code("union-lina", "lina-ding")
    assert browser.get("/auth/dingtalk/callback", params={"authCode": code, "state": state}).status_code == 303
    other, _, state2 = _start(app)
    reused = other.get("/auth/dingtalk/callback", params={"authCode": code, "state": state2})
    assert reused.status_code == 400 and "refused the code" in reused.text
    assert [name for name, *_ in app.logins] == ["李娜"]


@pytest.mark.parametrize("userid", ["stranger-ding", None], ids=["not-in-people", "not-a-member"])
def test_a_user_not_in_people_is_refused(app: LoginApp, dingtalk: FakeLogin, userid: str | None) -> None:
    browser, _, state = _start(app)
    code = dingtalk.auth_code(f"union-{userid}", userid)
    refused = browser.get("/auth/dingtalk/callback", params={"authCode": code, "state": state})
    assert refused.status_code == 403 and "people list" in refused.text
    assert app.logins == []


def test_an_expired_flow_is_refused(app: LoginApp, dingtalk: FakeLogin) -> None:
    browser, _, state = _start(app)
    app.clock.advance(601)
    code = dingtalk.auth_code("union-lina", "lina-ding")
    refused = browser.get("/auth/dingtalk/callback", params={"authCode": code, "state": state})
    assert refused.status_code == 400 and "took too long" in refused.text
    assert app.logins == []
