"""Issue 15, item 1 (no identity): each probe of the attack run, now refused, through real HTTP against the bot.

Who acts comes from a login session (web) or an API token (``/api/*``), never from the request body.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.action_links import sign_action
from bot.tickets.links import ACTIONS_PATH
from tests.auth_support import PASSWORD, login_through_page, with_password
from tests.live_bot import LiveBot, bot_env, live_bot, write_config

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
CONFIG = """
language: zh
people:
  - name: 张伟
  - name: 李娜
    role: douyin_ops
unlisted_people: {may_use: false}
"""


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def bot(tmp_path: Path, small_db: Path, clock: Clock) -> Iterator[LiveBot]:
    with live_bot(write_config(tmp_path, CONFIG), bot_env(tmp_path, small_db), clock=clock) as b:
        yield b


def codes(r: httpx.Response) -> list[str]:
    return [p["code"] for p in r.json()["error"]]


def a_card(bot: LiveBot, http: httpx.Client) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One ticket card and every card, after the demo rules ran."""
    bot.runtime.run_rules()
    bot.settle()
    bot.settle()
    cards: list[dict[str, Any]] = []
    for chat in ("#supply-chain", "#douyin-ops", "#cs"):
        got = http.get("/web/api/messages", params={"chat": chat}).json()["messages"]
        cards.extend(m for m in got if m["kind"] == "card")
    assert len(cards) >= 2, "the demo rules opened fewer than two tickets"
    return cards[0], cards


def number(card: dict[str, Any]) -> str:
    return str(card["body"]["buttons"][0]["value"])


def test_nobody_acts_without_logging_in(bot: LiveBot) -> None:
    with bot.http() as anon:
        for r in (
            anon.post("/web/api/actions", json={"message_id": "w-1", "action": "close", "value": "T-1"}),
            anon.post("/web/api/messages", json={"chat": "#general", "text": "上周GMV"}),
            anon.get("/web/api/messages", params={"chat": "#general"}),
            anon.get("/web/api/stream"),
            anon.post("/api/query", json={"metrics": ["gmv"]}),
            anon.post("/api/ask", json={"question": "上周GMV"}),
            anon.get("/api/metrics"),
        ):
            assert r.status_code == 401 and codes(r) == ["auth.login_required"], r.text
            assert r.json()["error"][0]["zh"] == "请先登录"
        page = anon.get("/", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/auth/login")
        assert anon.get("/health").status_code == 200  # public
        assert anon.get("/web/static/app.js").status_code == 200
        assert anon.get("/auth/login").status_code == 200
        forged = anon.post("/api/query", json={"metrics": ["gmv"]}, headers={"Authorization": "Bearer opsbot_x_y"})
        assert forged.status_code == 401


def test_acting_as_someone_else_by_naming_them_is_refused(bot: LiveBot) -> None:
    with bot.http_as("李娜") as lina:
        card, _ = a_card(bot, lina)
        probe = {"user": "张伟", "action": "close", "message_id": card["id"], "value": number(card)}
        r = lina.post("/web/api/actions", json=probe)
        assert r.status_code == 422  # a body naming who acts is refused outright
        r = lina.post("/web/api/messages", json={"chat": "#general", "user": "张伟", "text": "关闭 " + number(card)})
        assert r.status_code == 422
        # acting without the field acts as the session's person, recorded so
        r = lina.post("/web/api/actions", json={"action": "ack", "message_id": card["id"], "value": number(card)})
        assert r.status_code == 202, r.text
        bot.settle()
        events = bot.runtime.service.get(number(card)).events
        assert [e.actor for e in events if e.action == "ack"] == ["李娜"]
        assert not [e for e in events if e.actor == "张伟"]


def test_a_card_acts_only_on_its_own_ticket(bot: LiveBot) -> None:
    with bot.http_as("张伟") as http:
        card, cards = a_card(bot, http)
        other = next(c for c in cards if number(c) != number(card))
        r = http.post("/web/api/actions", json={"message_id": card["id"], "action": "close", "value": number(other)})
        assert r.status_code == 409 and codes(r) == ["web.not_on_card"], r.text
        bot.settle()
        assert bot.runtime.service.get(number(other)).ticket.status == "open"


def test_an_unlisted_person_is_refused_403_not_202(bot: LiveBot) -> None:
    with bot.http_as("路人甲") as stranger:
        r = stranger.post("/web/api/messages", json={"chat": "#general", "text": "上周各渠道的GMV"})
        assert r.status_code == 403 and codes(r) == ["people.not_listed"]
    with bot.api_as("路人甲") as api:
        r = api.post("/api/query", json={"metrics": ["gmv"], "dimensions": ["channel"]})
        assert r.status_code == 403 and codes(r) == ["people.not_listed"]


def channels(r: httpx.Response) -> set[str]:
    doc = r.json()
    assert doc["dimensions"] == ["channel"], doc
    return {str(row[0]) for row in doc["rows"]}


def test_api_query_filters_by_the_tokens_person_and_a_role_only_narrows(bot: LiveBot) -> None:
    query = {"metrics": ["gmv"], "dimensions": ["channel"]}
    with bot.api_as("李娜") as lina, bot.api_as("张伟") as zhang:
        mine = lina.post("/api/query", json=query)
        assert mine.status_code == 200, mine.text
        assert len(channels(mine)) == 1, mine.json()  # 李娜's role filter (one channel), without her asking for it
        wider = lina.post("/api/query", json={**query, "role": "admin"})
        assert wider.status_code == 403 and codes(wider) == ["auth.role_not_yours"]
        everything = zhang.post("/api/query", json=query)
        assert len(channels(everything)) > 1  # listed without a role: every channel
        narrowed = zhang.post("/api/query", json={**query, "role": "douyin_ops"})
        assert narrowed.status_code == 200 and channels(narrowed) == channels(mine)


def test_cookie_sessions_need_the_csrf_header(bot: LiveBot) -> None:
    with bot.http_as("张伟") as http:
        del http.headers["X-CSRF-Token"]
        r = http.post("/web/api/messages", json={"chat": "#general", "text": "上周GMV"})
        assert r.status_code == 403 and codes(r) == ["auth.csrf"]
        r = http.post("/web/api/messages", json={"chat": "#general", "text": "上周GMV"}, headers={"X-CSRF-Token": "x"})
        assert r.status_code == 403
        assert http.get("/web/api/chats").status_code == 200  # reading needs no token


def test_an_expired_session_and_a_revoked_token_stop_working(bot: LiveBot, clock: Clock) -> None:
    with bot.http_as("张伟") as http, bot.api_as("张伟") as api:
        assert http.get("/web/api/chats").status_code == 200
        token_id = bot.runtime.auth.tokens.all("张伟")[0].id
        bot.runtime.auth.tokens.revoke(token_id, now=clock())
        assert api.get("/api/metrics").status_code == 401
        clock.now += dt.timedelta(hours=bot.runtime.config.auth.session_hours, seconds=1)
        assert http.get("/web/api/chats").status_code == 401


def test_password_login_one_time_links_and_logout(bot: LiveBot) -> None:
    with_password(bot, "张伟")
    with bot.http() as wrong:
        r = wrong.post("/auth/login", data={"person": "张伟", "password": "nope-nope", "next": "/"})
        assert r.status_code == 401 and "opsbot_session" not in r.cookies
    http = login_through_page(bot, "张伟", PASSWORD)
    set_cookie = http.post("/auth/logout").headers.get("set-cookie", "")  # logout needs no CSRF: nothing to gain
    assert http.get("/web/api/chats").status_code == 401, set_cookie
    with bot.http() as anon:  # an open redirect is refused: `next` stays on this server
        r = anon.post("/auth/login", data={"person": "张伟", "password": PASSWORD, "next": "//evil.example/"})
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
    path = bot.runtime.auth.login_link("李娜")
    with bot.http() as preview:  # a chat app fetching the link for a preview: shown, not used up, no session
        for _ in range(2):
            r = preview.get(path, follow_redirects=False)
            assert r.status_code == 200 and "李娜" in r.text and 'method="post"' in r.text
        assert "opsbot_session" not in preview.cookies and preview.get("/auth/me").status_code == 401
    with bot.http() as first:
        r = first.post(path, follow_redirects=False)
        assert r.status_code == 303
        assert first.get("/auth/me").json()["person"] == "李娜"
    with bot.http() as second:
        assert second.get(path, follow_redirects=False).status_code == 410  # once only
        assert second.post(path, follow_redirects=False).status_code == 410


def test_password_guessing_is_throttled_per_name(bot: LiveBot, clock: Clock) -> None:
    with_password(bot, "张伟")
    with bot.http() as http:
        for _ in range(5):
            assert http.post("/auth/login", data={"person": "张伟", "password": "guess-guess"}).status_code == 401
        r = http.post("/auth/login", data={"person": "张伟", "password": PASSWORD})
        assert r.status_code == 429 and "15" in r.text  # even the right password, for a while
        clock.now += dt.timedelta(minutes=16)
        assert http.post("/auth/login", data={"person": "张伟", "password": PASSWORD}).status_code == 303


def test_action_links_need_a_session_and_act_as_it(bot: LiveBot) -> None:
    with bot.http_as("张伟") as http:
        card, _ = a_card(bot, http)
    no = number(card)
    link = f"{ACTIONS_PATH}/{sign_action(bot.runtime.config.secret, 'ack', no, 'web:张伟', int(time.time()) + 600)}"
    with bot.http() as anon:
        r = anon.get(link, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/auth/login?next=")
        assert anon.post(link, data={"who": "张伟"}).status_code == 401
    with bot.http_as("李娜") as lina:
        assert lina.post(link, data={"csrf": "wrong"}).status_code == 403  # a cross-site form cannot act
        assert bot.runtime.service.get(no).ticket.status == "open"
        r = lina.post(link, data={"csrf": lina.headers["X-CSRF-Token"], "who": "张伟"})  # `who` is not read
        assert r.status_code == 200, r.text
    acks = [e.actor for e in bot.runtime.service.get(no).events if e.action == "ack"]
    assert acks == ["李娜"]


def test_api_docs_are_for_admins_only(bot: LiveBot) -> None:
    with bot.http_as("张伟") as person, bot.http_as("王管理", admin=True) as admin:
        for path in ("/docs", "/openapi.json"):
            assert bot.http().get(path).status_code == 401
            r = person.get(path)
            assert r.status_code == 403 and codes(r) == ["auth.admin_only"]
            assert admin.get(path).status_code == 200


def test_the_demo_link_logs_in_the_first_admin_once(bot: LiveBot) -> None:
    path = bot.runtime.auth.demo_link()  # what `opsbot serve` prints on a loopback address
    with bot.http() as http:
        assert http.post(path, follow_redirects=False).status_code == 303
        me = http.get("/auth/me").json()
        assert (me["person"], me["admin"], me["method"]) == ("张伟", True, "link")  # the first of people:
        assert http.get("/docs").status_code == 200
    with bot.http() as again:
        assert again.post(path, follow_redirects=False).status_code == 410
    assert bot.runtime.auth.demo_link() != path  # a new start, a new link; still one admin
    assert [a.person for a in bot.runtime.auth.accounts.all() if a.admin] == ["张伟"]
