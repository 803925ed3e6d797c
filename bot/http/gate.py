"""Who may call what: every request to the web chat, the metric API, the API docs and the action links carries an
identity — the session cookie (browsers) or ``Authorization: Bearer opsbot_…`` (the API) — else it is refused.

- none or an unknown/expired one → 401 ``auth.login_required`` (the chat page itself redirects to the login page);
- a cookie session calling a state-changing method without its ``X-CSRF-Token`` → 403 ``auth.csrf``;
- a person not in ``people:`` when ``unlisted_people.may_use`` is false → 403 ``people.not_listed``;
- the API docs for anyone but an admin → 403 ``auth.admin_only``.

Public: ``/health``, the platforms' webhooks, static files, the login pages and ``/files/*``. The identity is put in
``request.state.who`` for the routes (``who_of``).
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.auth.who import Who
from bot.http.errors import HttpError, error_response
from metrics.problems import Problem

if TYPE_CHECKING:
    from bot.auth.service import AuthService

COOKIE = "opsbot_session"
CSRF_HEADER = "x-csrf-token"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
DOCS = ("/docs", "/redoc", "/openapi.json")
FORM_CSRF = ("/actions/",)  # HTML forms: the route checks the session's CSRF token in a form field

LOGIN_REQUIRED = Problem("auth.login_required", "log in first", "请先登录")
CSRF = Problem("auth.csrf", "missing or wrong X-CSRF-Token for this session", "缺少或错误的 X-CSRF-Token")


def not_listed(person: str) -> Problem:
    """The same words as the chat platforms' refusal (bot/conversation/identity.py)."""
    return Problem(
        "people.not_listed",
        f"You ({person}) are not in opsbot's people list (people: in opsbot.yaml), so the bot cannot serve you yet; "
        "ask an administrator to add you.",
        f"你（{person}）不在 opsbot 的人员名单（opsbot.yaml 的 people:）中，暂时不能使用机器人，请联系管理员添加。",
    )


ADMIN_ONLY = Problem("auth.admin_only", "only an admin may open this", "只有管理员可以打开")


def guarded(path: str) -> str | None:
    """What ``path`` needs: "page" (a browser page: redirect to log in), "session", "api", "admin"; None: public."""
    if path == "/" or path.startswith("/actions/"):
        return "page"
    if path.startswith("/web/api/"):
        return "session"
    if path.startswith("/api/"):
        return "api"
    if path.startswith(DOCS):
        return "admin"
    return None


def who_of(request: Request) -> Who:
    """The request's authenticated person (set by the gate; routes behind it only)."""
    who = getattr(request.state, "who", None)
    if not isinstance(who, Who):
        raise HttpError(401, LOGIN_REQUIRED)
    return who


def _has_credentials(request: Request) -> bool:
    return COOKIE in request.cookies or "authorization" in request.headers


class Gate:
    """The ASGI middleware enforcing the rules above."""

    def __init__(self, app: ASGIApp, auth: AuthService) -> None:
        self.app, self.auth = app, auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        need = guarded(request.url.path)
        if need is None:  # public: no identity looked up (static files, webhooks, the login pages)
            await self.app(scope, receive, send)
            return
        who = await run_in_threadpool(self._identify, request) if _has_credentials(request) else None
        if who is not None:
            scope.setdefault("state", {})["who"] = who
        refusal = self._refusal(request, need, who)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _identify(self, request: Request) -> Who | None:
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == "bearer" and credentials:
            return self.auth.from_token(credentials)
        sid = request.cookies.get(COOKIE)
        return self.auth.from_session(sid) if sid else None

    def _refusal(self, request: Request, need: str, who: Who | None) -> Response | None:
        if who is None:
            if need == "page" and request.method in SAFE:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/auth/login?next={quote(target, safe='')}", status_code=303)
            return error_response(401, [LOGIN_REQUIRED])
        if who.csrf is not None and request.method not in SAFE and not request.url.path.startswith(FORM_CSRF):
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), who.csrf.encode()):
                return error_response(403, [CSRF])
        if not self.auth.may_use(who):
            return error_response(403, [not_listed(who.person)])
        if need == "admin" and not who.admin:
            return error_response(403, [ADMIN_ONLY])
        return None
