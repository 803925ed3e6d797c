"""A local fake of the WeCom server API for tests: gettoken, message/send, message/update_template_card
and the group robot webhook, on a real http.server (127.0.0.1, a free port) in a background thread.

It issues access tokens (``tok-1``, ``tok-2`` …), rejects unknown ones (40014) and expired ones
(42001, after ``expire_tokens()``), records every request, and answers from per-path scripted
replies (``push``) before its defaults — e.g. errcode 45009, HTTP 429 with Retry-After, HTTP 500.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import markup_validators
from fake_http import JsonHandler, LocalServer

TOKEN = "/cgi-bin/gettoken"
SEND = "/cgi-bin/message/send"
UPDATE = "/cgi-bin/message/update_template_card"
WEBHOOK = "/cgi-bin/webhook/send"
UPLOAD = "/cgi-bin/media/upload"  # multipart ``media``; the fake records the bytes in ``uploads``
AIBOT_RESPONSE = "/cgi-bin/aibot/response"  # an AI bot message's response_url (?response_code=…, usable once)
GETUSERINFO = "/cgi-bin/auth/getuserinfo"  # web login (网页授权 / 扫码登录): code → userid


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def errcode(code: int, errmsg: str) -> Reply:
    return Reply(body={"errcode": code, "errmsg": errmsg})


def http_status(status: int, *, retry_after: str | None = None) -> Reply:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply(status=status, body={"error": f"HTTP {status}"}, headers=headers)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any


class FakeWeCom(LocalServer):
    def __init__(
        self, *, corp_id: str = "ww-corp", secret: str = "s3cret", robot_keys: tuple[str, ...] = ("robot-key",)
    ):
        self.corp_id, self.secret, self.robot_keys = corp_id, secret, set(robot_keys)
        self.expires_in = 7200
        self.requests: list[Request] = []
        self.valid_tokens: set[str] = set()
        self.expired_tokens: set[str] = set()
        self._counter = itertools.count(1)
        self._token_counter = itertools.count(1)
        self._scripted: dict[str, deque[Reply]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.used_response_urls: set[str] = set()
        self.login_codes: dict[str, str] = {}  # web login: one-time code → the member's userid (``login_code``)
        super().__init__(self._handler_class())

    @property
    def base_url(self) -> str:
        return self.root

    def push(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self._scripted[path].extend(replies)

    def unscript(self, path: str) -> None:
        """Drop the scripted replies still queued for ``path`` (a failure made to stop)."""
        with self._lock:
            self._scripted[path].clear()

    def expire_tokens(self) -> None:
        with self._lock:
            self.expired_tokens |= self.valid_tokens
            self.valid_tokens.clear()

    def login_code(self, userid: str) -> str:
        """A one-time web-login code for ``userid``, as WeCom appends to the redirect after 扫码/网页授权."""
        code = f"wecom-code-{next(self._counter)}"
        with self._lock:
            self.login_codes[code] = userid
        return code

    def calls(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    # -- routing ------------------------------------------------------------------------------
    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if request.path == TOKEN:
                return self._token(request)
            if request.path in (SEND, UPDATE, UPLOAD, GETUSERINFO):
                rejected = self._check_token(request.query.get("access_token", ""))
                if rejected:
                    return rejected
                if request.path == SEND:  # every app message is checked against WeCom's documented limits
                    markup_validators.check(markup_validators.wecom_app(request.body or {}))
                if request.path == GETUSERINFO and not self._scripted[GETUSERINFO]:
                    userid = self.login_codes.pop(request.query.get("code", ""), None)  # a code works once
                    if userid is None:
                        return errcode(40029, "invalid code")
                    return Reply(body={"errcode": 0, "errmsg": "ok", "userid": userid, "user_ticket": "t"})
            elif request.path == AIBOT_RESPONSE:
                code = request.query.get("response_code", "")
                if not code or code in self.used_response_urls:
                    return errcode(40001, "invalid response_code")
                self.used_response_urls.add(code)
            elif request.path == WEBHOOK:
                if request.query.get("key") not in self.robot_keys:
                    return errcode(93000, "invalid webhook url")
                markup_validators.check(markup_validators.wecom_robot(request.body or {}))
            else:
                return Reply(status=404, body={"errcode": 404, "errmsg": f"no route {request.path}"})
            if self._scripted[request.path]:
                return self._scripted[request.path].popleft()
            return Reply(body=self._default(request))

    def _token(self, request: Request) -> Reply:
        if self._scripted[TOKEN]:
            return self._scripted[TOKEN].popleft()
        if request.query.get("corpid") != self.corp_id or request.query.get("corpsecret") != self.secret:
            return errcode(40001, "invalid credential")
        token = f"tok-{next(self._token_counter)}"
        self.valid_tokens.add(token)
        return Reply(body={"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": self.expires_in})

    def _check_token(self, token: str) -> Reply | None:
        if token in self.valid_tokens:
            return None
        if token in self.expired_tokens:
            return errcode(42001, "access_token expired")
        return errcode(40014, "invalid access_token")

    def _default(self, request: Request) -> dict[str, Any]:
        ok: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
        if request.path == SEND:
            n = next(self._counter)
            ok.update({"invaliduser": "", "msgid": f"msg-{n}"})
            if request.body.get("msgtype") == "template_card":
                ok["response_code"] = f"rc-{n}"
        elif request.path == UPDATE:
            ok["invaliduser"] = []
        elif request.path == UPLOAD:
            media = (request.body or {}).get("media", b"")
            if len(media) > markup_validators.WECOM_IMAGE_BYTES or not media.startswith(b"\x89PNG"):
                return {"errcode": 40006, "errmsg": "invalid media size"}
            ok.update({"type": request.query.get("type", ""), "media_id": f"media-{next(self._counter)}"})
        return ok

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(JsonHandler):
            def _handle(self, method: str) -> None:
                url = urlsplit(self.path)
                raw = self.request_body()
                kind = self.headers.get("Content-Type", "")
                body = _multipart(raw, kind) if kind.startswith("multipart/") else json.loads(raw) if raw else None
                reply = fake._answer(Request(method, url.path, dict(parse_qsl(url.query)), body))
                self.reply_json(reply.status, json.dumps(reply.body, ensure_ascii=False).encode(), reply.headers)

        return Handler


def _multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    """A multipart/form-data upload's parts by field name (the file's bytes as they came)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    parts: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        parts[str(name)] = part.get_payload(decode=True)
    return parts
