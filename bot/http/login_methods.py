"""The outside logins of the web chat: ``GET /auth/<method>/start`` sends the browser to the provider with a
fresh flow (state, nonce, PKCE) in a signed cookie; ``GET /auth/<method>/callback`` checks the flow, asks the
provider who it is, finds them in ``people:`` and hands them to ``begin`` (which creates the session).

The proxy method has no provider: ``/auth/proxy/start`` begins a session for the person a trusted reverse
proxy names in its header; ``person_from_proxy`` answers the same for any request."""

from __future__ import annotations

import datetime as dt
import html
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.auth.methods.dingtalk import DingTalkMethod
from bot.auth.methods.flow_state import COOKIE, TTL_S, Flow, FlowSigner
from bot.auth.methods.oidc import OidcLogin
from bot.auth.methods.proxy import proxy_person
from bot.auth.methods.refusal import Reason, Refusal
from bot.auth.methods.wecom import WeComMethod
from bot.config.login_methods import LoginMethods
from bot.config.schema import Person

log = logging.getLogger("opsbot.login")
Begin = Callable[[Request, Person, str, str], Response | Awaitable[Response]]
_FORBIDDEN = (Reason.UNKNOWN_PERSON, Reason.UNVERIFIED, Reason.UNTRUSTED_PROXY)


class _Server(Protocol):
    @property
    def public_url(self) -> str: ...


class _Config(Protocol):
    @property
    def secret(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def server(self) -> _Server: ...
    @property
    def people(self) -> tuple[Person, ...]: ...


class LoginRuntime(Protocol):
    @property
    def config(self) -> _Config: ...
    @property
    def clock(self) -> Callable[[], dt.datetime]: ...


def person_from_proxy(request: Request, config: LoginMethods) -> Person | None:
    """Who the trusted proxy says this request is from; None without the proxy method, its header, a trusted
    peer address or a person of that name/e-mail."""
    if config.proxy is None:
        return None
    peer = request.client.host if request.client else None
    found = proxy_person(peer, request.headers, config.proxy, config)
    if isinstance(found, Refusal):
        log.warning("proxy login refused: %s", found.detail)
        return None
    return found


def login_methods_router(runtime: LoginRuntime, begin: Begin, methods: LoginMethods | None = None) -> APIRouter:
    methods = methods if methods is not None else LoginMethods(people=runtime.config.people)
    signer = FlowSigner(runtime.config.secret, runtime.clock, TTL_S)
    base = runtime.config.server.public_url.rstrip("/")
    secure = base.startswith("https://")
    oidc = OidcLogin(methods.oidc, lambda: runtime.clock().timestamp()) if methods.oidc else None
    wecom = WeComMethod(methods.wecom) if methods.wecom else None
    dingtalk = DingTalkMethod(methods.dingtalk) if methods.dingtalk else None
    router = APIRouter()

    def redirect_uri(method: str) -> str:
        return f"{base}/auth/{method}/callback"

    def lang(request: Request) -> str:
        accept = request.headers.get("accept-language", "").lower()
        return "zh" if accept.startswith("zh") else "en" if accept else runtime.config.language

    def refused(request: Request, refusal: Refusal, method: str | None) -> Response:
        """The refusal page (``method`` None: no such method here, so no retry link and no flow cookie)."""
        log.warning("%s login refused: %s (%s)", method, refusal.reason.value, refusal.detail)
        text = html.escape(refusal.text(lang(request)))
        status = 404 if refusal.reason is Reason.NOT_ENABLED else 403 if refusal.reason in _FORBIDDEN else 400
        again = "" if method in (None, "proxy") else f' <a href="/auth/{method}/start">↻</a>'
        body = f"<!doctype html><meta charset=utf-8><title>Login</title><p>{text}{again}</p>"
        response = HTMLResponse(body, status_code=status)
        if method is not None:
            response.delete_cookie(COOKIE, path=f"/auth/{method}")
        return response

    async def begin_session(request: Request, person: Person, method: str, next_url: str) -> Response:
        log.info("%s login: %s", method, person.name)
        response = begin(request, person, method, next_url)
        out = await response if inspect.isawaitable(response) else response
        out.delete_cookie(COOKIE, path=f"/auth/{method}")
        return out

    @router.get("/auth/methods", include_in_schema=False)
    async def listing() -> dict[str, list[str]]:
        """The outside logins a login page may offer (each starts at ``/auth/<method>/start``)."""
        return {"methods": list(methods.enabled())}

    @router.get("/auth/{method}/start", include_in_schema=False)
    async def start(request: Request, method: str, next: str = "/") -> Response:
        if method == "proxy" and methods.proxy is not None:
            found = proxy_person(
                request.client.host if request.client else None, request.headers, methods.proxy, methods
            )
            if found is None:
                found = Refusal(Reason.UNKNOWN_PERSON, f"no {methods.proxy.header} header")
            if isinstance(found, Refusal):
                return refused(request, found, method)
            return await begin_session(request, found, method, next)
        if method not in ("oidc", "wecom", "dingtalk") or method not in methods.enabled():
            return refused(request, Refusal(Reason.NOT_ENABLED, repr(method[:40])), None)
        flow, cookie = signer.begin(method, next)
        try:
            url = await run_in_threadpool(
                _authorize_url, method, flow, redirect_uri(method), request, oidc, wecom, dingtalk
            )
        except Exception as exc:  # the provider's discovery document is unreachable or broken
            return refused(request, Refusal(Reason.PROVIDER, f"start: {type(exc).__name__}: {exc}"), method)
        response = RedirectResponse(url, status_code=302)
        response.set_cookie(COOKIE, cookie, max_age=int(TTL_S), path=f"/auth/{method}", httponly=True,
                            secure=secure, samesite="lax")  # fmt: skip
        return response

    @router.get("/auth/{method}/callback", include_in_schema=False)
    async def callback(request: Request, method: str) -> Response:
        if method not in ("oidc", "wecom", "dingtalk") or method not in methods.enabled():
            return refused(request, Refusal(Reason.NOT_ENABLED, repr(method[:40])), None)
        query = request.query_params
        if query.get("error"):
            return refused(request, Refusal(Reason.PROVIDER, f"provider error {query.get('error', '')[:40]!r}"), method)
        flow = signer.finish(method, request.cookies.get(COOKIE), query.get("state"))
        if isinstance(flow, Refusal):
            return refused(request, flow, method)
        code = query.get("code") or query.get("authCode") or ""
        if not code:
            return refused(request, Refusal(Reason.NO_CODE, "no code"), method)
        found = await run_in_threadpool(
            _finish, method, flow, code, redirect_uri(method), methods, oidc, wecom, dingtalk
        )
        if isinstance(found, Refusal):
            return refused(request, found, method)
        return await begin_session(request, found, method, flow.next_url)

    return router


def _authorize_url(
    method: str, flow: Flow, redirect: str, request: Request,
    oidc: OidcLogin | None, wecom: WeComMethod | None, dingtalk: DingTalkMethod | None,
) -> str:  # fmt: skip
    if method == "oidc" and oidc is not None:
        return oidc.start(flow, redirect)
    if method == "wecom" and wecom is not None:
        return wecom.start(flow, redirect, request.headers.get("user-agent", ""))
    if dingtalk is not None:
        return dingtalk.start(flow, redirect)
    raise ValueError(method)


def _finish(
    method: str, flow: Flow, code: str, redirect: str, methods: LoginMethods,
    oidc: OidcLogin | None, wecom: WeComMethod | None, dingtalk: DingTalkMethod | None,
) -> Person | Refusal:  # fmt: skip
    if method == "oidc" and oidc is not None:
        return oidc.finish(flow, code, redirect, methods)
    if method == "wecom" and wecom is not None:
        return wecom.finish(code, methods)
    if dingtalk is not None:
        return dingtalk.finish(code, methods)
    return Refusal(Reason.NOT_ENABLED, method)
