"""``/actions/<token>``: the signed, expiring links behind the buttons of cards that cannot call back.

Both need a login session (the gate sends a browser without one to the login page and back): a link can be
forwarded, so whoever opens it acts as themselves. GET shows what the link will do; POST (carrying the session's
CSRF token in a form field) performs the step as the logged-in person and shows the result.
A forged or tampered token is 401, an expired one 410 — nothing changes either way; the token is checked
before anything else. A link to a ticket that does not exist is 404; a step the ticket's state does not allow
(acking a closed ticket from an old card) is 409 with the reason.
"""

from __future__ import annotations

import hmac
import html
import time
from typing import TYPE_CHECKING

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from adapters.action_links import verify_action
from adapters.base import InvalidSignature, StaleRequest
from alerts.tickets.vocabulary import VERB, status_word
from bot.http.gate import who_of
from bot.tickets.links import ACTIONS_PATH, split_hint
from metrics.problems import UserError

if TYPE_CHECKING:
    from bot.runtime import Runtime

PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>opsbot · {title}</title>
<style>body{{font:16px system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}}
input,button{{font:inherit;padding:.4rem .6rem;margin:.3rem 0}} .ok{{color:#137333}} .bad{{color:#b3261e}}</style>
</head><body><h1>{title}</h1>{body}</body></html>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=html.escape(title), body=body), status_code=status)


def _verb(action: str) -> str:
    """The button's words in both languages (the page is bilingual)."""
    verb = VERB.get(action)
    return f"{verb.button.zh} {verb.button.en}" if verb is not None else action


_REFUSALS = ("people.not_listed", "tickets.may_not_close")  # who, not what: 403 rather than 409


def action_router(runtime: Runtime) -> APIRouter:
    router = APIRouter()
    secret = runtime.config.secret

    def check(token: str) -> tuple[str, str, str] | HTMLResponse:
        try:
            return verify_action(secret, token, time.time())
        except StaleRequest:
            return _page("链接已过期 Link expired", "<p class=bad>这个按钮链接已过期，请在工单消息里回复命令。"
                         "<br>This link has expired; reply with a command instead.</p>", 410)  # fmt: skip
        except InvalidSignature:
            return _page(
                "无效链接 Invalid link", "<p class=bad>链接签名无效。The link's signature is invalid.</p>", 401
            )

    def ticket_line(number: str) -> str | HTMLResponse:
        """What the ticket is and where it stands, or a 404 page when there is no such ticket."""
        lang = runtime.config.language
        try:
            ticket = runtime.service.get(number).ticket
        except UserError as e:
            return _page(number, f"<p class=bad>{html.escape(e.text(lang))}</p>", 404)
        status = status_word(ticket.status, lang)
        return f"<p>{html.escape(ticket.label)} · {html.escape(status)} · {html.escape(ticket.owner)}</p>"

    def opened(token: str) -> tuple[str, str, str, str] | HTMLResponse:
        """(action, ticket, user hint, the ticket's line) of a genuine link to a known ticket, else the error page;
        the token first, so a bad link is 401/410 whatever the form holds."""
        got = check(token)
        if isinstance(got, HTMLResponse):
            return got
        about = ticket_line(got[1])
        if isinstance(about, HTMLResponse):
            return about
        return (*got, about)

    @router.get(ACTIONS_PATH + "/{token}", response_class=HTMLResponse)
    def confirm(token: str, request: Request) -> HTMLResponse:
        who = who_of(request)
        got = opened(token)
        if isinstance(got, HTMLResponse):
            return got
        action, number, _, about = got
        extra = '<p><label>转派给 Assign to <input name="to" required></label></p>' if action == "assign" else ""
        note = '<p><label>备注 Note <input name="note"></label></p>' if action in ("close", "reopen") else ""
        body = (
            f"<p>{html.escape(_verb(action))} · <b>{html.escape(number)}</b></p>{about}"
            f'<form method="post"><input type="hidden" name="csrf" value="{html.escape(who.csrf or "")}">'
            f"<p>我是 I am <b>{html.escape(who.person)}</b></p>{extra}{note}"
            "<button type=submit>确认 Confirm</button></form>"
        )
        return _page(f"{number}", body)

    @router.post(ACTIONS_PATH + "/{token}", response_class=HTMLResponse)
    def perform(
        token: str,
        request: Request,
        csrf: str = Form(""),
        to: str | None = Form(None, max_length=64),
        note: str | None = Form(None, max_length=2000),
    ) -> HTMLResponse:
        who = who_of(request)
        got = opened(token)
        if isinstance(got, HTMLResponse):
            return got
        if who.csrf is not None and not hmac.compare_digest(csrf.encode(), who.csrf.encode()):
            return _page("CSRF", "<p class=bad>请从链接页面重新确认。Please confirm from the link's page.</p>", 403)
        action, number, user_hint, _ = got
        platform, _ = split_hint(user_hint)
        name = who.person
        lang = runtime.config.language
        try:
            done = runtime.step_as(platform or "web", name, action, number, to=to, note=note or None)
        except UserError as e:
            refused = any(p.code in _REFUSALS for p in e.problems)
            return _page(number, f"<p class=bad>{html.escape(e.text(lang))}</p>", 403 if refused else 409)
        return _page(number, f"<p class=ok>{html.escape(done.text)}</p>")

    return router
