"""WeCom login end to end over real HTTP: 网页授权 in the WeCom client and 扫码登录 on the desktop, the code
turned into a userid by the local fake WeCom API, mapped to people[].ids.wecom. Refused: a wrong state, a
replayed code or flow, a userid not in people:, an expired flow."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake_wecom import GETUSERINFO, FakeWeCom
from login_harness import START, LoginApp, login_app, query_of

from bot.config.schema import WeComConfig

WXWORK_UA = "Mozilla/5.0 (iPhone) AppleWebKit wxwork/4.1.22 MicroMessenger/7.0.1"


@pytest.fixture(scope="module")
def wecom() -> Iterator[FakeWeCom]:
    with FakeWeCom() as fake:
        yield fake


@pytest.fixture(scope="module")
def served(wecom: FakeWeCom) -> Iterator[LoginApp]:
    app_config = WeComConfig(corp_id="ww-corp", agent_id=1000002, secret="s3cret", api_url=wecom.base_url)
    with login_app({"wecom": None}, wecom=app_config) as app:
        yield app


@pytest.fixture
def app(served: LoginApp) -> LoginApp:
    served.logins.clear()
    served.clock.now = START
    return served


def _start(app: LoginApp, user_agent: str = "Mozilla/5.0 (X11; Linux)") -> tuple[httpx.Client, str, str]:
    browser = app.browser(headers={"User-Agent": user_agent})
    start = browser.get("/auth/wecom/start", params={"next": "/chat"})
    assert start.status_code == 302
    return browser, start.headers["location"], query_of(start.headers["location"])["state"]


def test_the_qr_login_logs_in_the_member_by_userid(app: LoginApp, wecom: FakeWeCom) -> None:
    browser, location, state = _start(app)
    assert location.startswith("https://login.work.weixin.qq.com/wwlogin/sso/login?")
    q = query_of(location)
    assert (q["appid"], q["agentid"], q["login_type"]) == ("ww-corp", "1000002", "CorpApp")
    assert q["redirect_uri"] == f"{app.url}/auth/wecom/callback"
    done = browser.get("/auth/wecom/callback", params={"code": wecom.login_code("zhangwei"), "state": state})
    assert done.status_code == 303 and done.headers["location"] == "/chat"
    assert app.logins == [("张伟", "wecom", "/chat")]
    assert wecom.calls(GETUSERINFO)[-1].query["access_token"].startswith("tok-")


def test_inside_the_wecom_client_it_uses_web_authorization(app: LoginApp, wecom: FakeWeCom) -> None:
    browser, location, state = _start(app, WXWORK_UA)
    assert location.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?")
    assert location.endswith("#wechat_redirect") and query_of(location)["scope"] == "snsapi_base"
    done = browser.get("/auth/wecom/callback", params={"code": wecom.login_code("lina"), "state": state})
    assert done.status_code == 303
    assert app.logins == [("李娜", "wecom", "/chat")]


def test_a_wrong_state_is_refused(app: LoginApp, wecom: FakeWeCom) -> None:
    browser, _, state = _start(app)
    refused = browser.get("/auth/wecom/callback", params={"code": wecom.login_code("lina"), "state": state[:-1]})
    assert refused.status_code == 400 and "state does not match" in refused.text
    assert app.logins == []


def test_a_replayed_code_or_flow_is_refused(app: LoginApp, wecom: FakeWeCom) -> None:
    browser, _, state = _start(app)
    code = wecom.login_code("lina")
    assert browser.get("/auth/wecom/callback", params={"code": code, "state": state}).status_code == 303
    other, _, state2 = _start(app)
    reused = other.get("/auth/wecom/callback", params={"code": code, "state": state2})
    assert reused.status_code == 400 and "refused the code" in reused.text
    assert [name for name, *_ in app.logins] == ["李娜"]


def test_a_member_not_in_people_is_refused(app: LoginApp, wecom: FakeWeCom) -> None:
    browser, _, state = _start(app)
    refused = browser.get("/auth/wecom/callback", params={"code": wecom.login_code("intern"), "state": state})
    assert refused.status_code == 403 and "people list" in refused.text
    assert app.logins == []


def test_an_expired_flow_is_refused(app: LoginApp, wecom: FakeWeCom) -> None:
    browser, _, state = _start(app)
    app.clock.advance(601)
    refused = browser.get("/auth/wecom/callback", params={"code": wecom.login_code("lina"), "state": state})
    assert refused.status_code == 400 and "took too long" in refused.text
    assert app.logins == []


def test_an_expired_app_token_is_renewed_and_a_provider_error_is_refused(app: LoginApp, wecom: FakeWeCom) -> None:
    browser, _, state = _start(app)
    wecom.expire_tokens()  # the login still works: the token is fetched again once
    assert (
        browser.get("/auth/wecom/callback", params={"code": wecom.login_code("lina"), "state": state}).status_code
        == 303
    )
    other, _, state2 = _start(app)
    denied = other.get("/auth/wecom/callback", params={"error": "access_denied", "state": state2})
    assert denied.status_code == 400 and "refused" in denied.text
    nocode = _start(app)
    missing = nocode[0].get("/auth/wecom/callback", params={"state": nocode[2]})
    assert missing.status_code == 400 and "no login code" in missing.text
    assert [name for name, *_ in app.logins] == ["李娜"]
