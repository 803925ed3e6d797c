"""The login pages: ``/auth/login`` (the password form), ``/auth/logout``, ``/auth/me`` (who the session is, and
its CSRF token for the page's scripts) and ``/auth/once/<secret>`` (a one-time login link: opening it shows whom it
logs in, and its button — a POST — uses it up, so a chat app fetching the link for a preview does not spend it).

``begin_session`` is how every login method ends: a new server-side session, its cookie (HttpOnly, SameSite=Lax,
Secure behind HTTPS) and a redirect to where the person was going. The pages have no scripts at all, so they work
under ``script-src 'self'``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.http.errors import HttpError
from bot.http.gate import COOKIE, LOGIN_REQUIRED
from metrics.problems import UserError

if TYPE_CHECKING:
    from bot.runtime import Runtime

PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>opsbot · 登录 Log in</title>
<link rel="stylesheet" href="/web/static/app.css"></head><body class="login">
<main class="login-box"><h1>opsbot 登录 · Log in</h1>{body}</main></body></html>"""

FORM = """{note}<form method="post" action="/auth/login" data-testid="login-form">
<input type="hidden" name="next" value="{next}">
<p><label>姓名 Name<br><input name="person" autocomplete="username" required data-testid="login-person"></label></p>
<p><label>密码 Password<br><input name="password" type="password" autocomplete="current-password" required
 data-testid="login-password"></label></p>
<p><button type="submit" data-testid="login-submit">登录 Log in</button></p></form>{others}"""

METHOD_NAMES = {
    "oidc": "单点登录 Single sign-on",
    "wecom": "企业微信登录 WeCom",
    "dingtalk": "钉钉登录 DingTalk",
    "proxy": "公司门户登录 Company portal",
}


def safe_next(target: str | None) -> str:
    """Only a path of this server (no ``//host`` or ``https://…``): an open redirect would help phishing."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def begin_session(runtime: Runtime, request: Request, person: str, method: str, next_url: str = "/") -> Response:
    """Log ``person`` in (proved by ``method``) and send them on to ``next_url`` (a path of this server)."""
    del request  # the same for every request today; kept so login methods need not change when it is not
    sid, _ = runtime.auth.begin(person, method)
    return _with_cookie(runtime, RedirectResponse(safe_next(next_url), status_code=303), sid)


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(body=body), status_code=status, headers={"Cache-Control": "no-store"})


def _form(next_url: str, note: str = "", methods: tuple[str, ...] = ()) -> str:
    """The password form, then a link per configured outside login (``auth.methods``)."""
    to = html.escape(quote(safe_next(next_url), safe=""))
    links = "".join(
        f'<li><a href="/auth/{m}/start?next={to}" data-testid="login-{m}">{METHOD_NAMES[m]}</a></li>' for m in methods
    )
    others = f'<ul class="login-methods">{links}</ul>' if links else ""
    return FORM.format(next=html.escape(safe_next(next_url)), note=note, others=others)


def login_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/auth", include_in_schema=False)

    @router.get("/login")
    def login_page(next: str = "/") -> HTMLResponse:
        return _page(_form(next, methods=runtime.login_methods.enabled()))

    @router.post("/login")
    def login(
        request: Request, person: str = Form(max_length=64), password: str = Form(max_length=200), next: str = Form("/")
    ) -> Response:
        try:
            got = runtime.auth.password_login(person, password)
        except UserError as e:
            note = (
                f'<p class="bad" data-testid="login-error">{html.escape(e.text("zh"))} {html.escape(e.text("en"))}</p>'
            )
            return _page(_form(next, note, runtime.login_methods.enabled()), 429)
        if got is None:
            note = '<p class="bad" data-testid="login-error">姓名或密码错误。Wrong name or password.</p>'
            return _page(_form(next, note, runtime.login_methods.enabled()), 401)
        sid, _ = got
        response = RedirectResponse(safe_next(next), status_code=303)
        return _with_cookie(runtime, response, sid)

    @router.get("/once/{secret}")
    def once_page(secret: str) -> Response:
        person = runtime.auth.link_person(secret)
        if person is None:
            return _link_gone(runtime)
        who = html.escape(person)
        return _page(
            f'<form method="post" data-testid="link-form"><p>这个一次性链接将以 <b>{who}</b> 的身份登录。'
            f"<br>This one-time link logs you in as <b>{who}</b>.</p>"
            f'<p><button type="submit" data-testid="link-submit">登录 Log in</button></p></form>'
        )

    @router.post("/once/{secret}")
    def once(request: Request, secret: str) -> Response:
        person = runtime.auth.use_link(secret)
        if person is None:
            return _link_gone(runtime)
        return begin_session(runtime, request, person, "link")

    @router.post("/logout")
    def logout(request: Request) -> Response:
        sid = request.cookies.get(COOKIE)
        if sid:
            runtime.auth.logout(sid)
        response = RedirectResponse("/auth/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @router.get("/me")
    def me(request: Request) -> dict[str, Any]:
        sid = request.cookies.get(COOKIE)
        who = runtime.auth.from_session(sid) if sid else None
        if who is None:
            raise HttpError(401, LOGIN_REQUIRED)
        return {"person": who.person, "role": who.role, "admin": who.admin, "method": who.method, "csrf": who.csrf}

    return router


def _link_gone(runtime: Runtime) -> HTMLResponse:
    note = '<p class="bad">这个登录链接无效、已过期或已用过。This login link is invalid, expired or used up.</p>'
    return _page(note + _form("/", methods=runtime.login_methods.enabled()), 410)


def _with_cookie(runtime: Runtime, response: Response, sid: str) -> Response:
    config = runtime.config
    response.set_cookie(
        COOKIE,
        sid,
        max_age=int(config.auth.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=config.auth.secure_cookie(config.server.public_url),
        path="/",
    )
    return response
