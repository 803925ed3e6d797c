"""A local fake Slack Web API for tests: a real http.server on 127.0.0.1 (a free port) in a background thread.

It records every call (API method, decoded form or JSON body, headers) and answers from per-method scripted
queues, falling back to plausible success bodies: chat.postMessage → a fresh ts, chat.update, auth.test → the
bot's ids, the three steps of files_upload_v2 (the upload URL it hands out points back at itself), and the
``response_url`` of slash commands and clicks (``response_url()`` hands one out, pointing at itself). Tests
point the REAL slack_sdk clients at ``fake.base_url`` and script 429 with Retry-After, 500, or
``{"ok": false, "error": …}``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

import markup_validators
from fake_http import LocalServer


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None  # dict → JSON; str → as is
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    method: str  # "chat.postMessage", or "upload" for the file upload URL
    body: dict[str, Any]
    headers: dict[str, str]
    raw: bytes


def error(code: str) -> Reply:
    """Slack's usual failure: HTTP 200 with ok=false."""
    return Reply(body={"ok": False, "error": code})


def rate_limited(retry_after: str = "7") -> Reply:
    return Reply(status=429, body={"ok": False, "error": "ratelimited"}, headers={"Retry-After": retry_after})


def server_error() -> Reply:
    return Reply(status=500, body="<html>internal server error</html>", headers={"Content-Type": "text/html"})


BOT_USER = "U0BOT0001"  # the bot's own user id, as auth.test reports it
BOT_ID = "B0BOT0001"


class FakeSlack(LocalServer):
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.answered: list[tuple[Call, Reply]] = []  # every call with the reply it got
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        super().__init__(self._handler())

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def script(self, method: str, *replies: Reply) -> None:
        with self._lock:
            self._scripts[method].extend(replies)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def ts_of(self, call: Call) -> str | None:
        """The ts this fake answered ``call`` with (None when the call failed)."""
        for c, reply in list(self.answered):
            if c is call and isinstance(reply.body, dict) and reply.body.get("ok"):
                return str(reply.body.get("ts"))
        return None

    def _answer(self, call: Call) -> Reply:
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            body = dict(call.body)
            if isinstance(body.get("blocks"), str):
                body["blocks"] = json.loads(body["blocks"])
            markup_validators.check(markup_validators.slack(body))  # Block Kit's documented limits
        with self._lock:
            self.calls.append(call)
            queue = self._scripts.get(call.method)
            reply = queue.popleft() if queue else self._default(call)
            self.answered.append((call, reply))
            return reply

    def _default(self, call: Call) -> Reply:
        body = call.body
        if call.method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            return Reply(body={"ok": True, "channel": body.get("channel"), "ts": ts, "message": {"ts": ts}})
        if call.method == "chat.update":
            return Reply(body={"ok": True, "channel": body.get("channel"), "ts": body.get("ts")})
        if call.method == "files.getUploadURLExternal":
            upload = self.base_url.replace("/api/", "/upload/F0FAKE1")
            return Reply(body={"ok": True, "upload_url": upload, "file_id": "F0FAKE1"})
        if call.method == "upload":
            return Reply(body="OK - 1", headers={"Content-Type": "text/plain"})
        if call.method == "files.completeUploadExternal":
            return Reply(body={"ok": True, "files": [{"id": "F0FAKE1", "title": "chart"}]})
        if call.method == "response_url":  # Slack's incoming-webhook style answer
            return Reply(body="ok", headers={"Content-Type": "text/plain"})
        if call.method == "auth.test":  # bolt asks once, on its first request, who the bot is
            return Reply(
                body={"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": "T0FAKE", "user": "opsbot"}
            )
        return Reply(body={"ok": True})

    def response_url(self, kind: str = "commands") -> str:
        """A response_url (of a slash command, or ``actions`` of a click) that points at this fake."""
        return f"{self.root}/{kind}/T0FAKE/{next(self._ts)}/fakehook"

    def posts(self, channel: str | None = None) -> list[Call]:
        """The chat.postMessage calls (to ``channel``)."""
        return [c for c in self.calls_to("chat.postMessage") if channel is None or c.body.get("channel") == channel]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?", 1)[0]
                method = _method_of(path)
                body = {} if method == "upload" else _decode(raw, self.headers.get("Content-Type", ""))
                call = Call(method, body, dict(self.headers), raw)
                reply = fake._answer(call)
                data = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                payload = data.encode("utf-8")
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _method_of(path: str) -> str:
    """``/api/chat.postMessage`` → chat.postMessage; the upload URL → upload; a response_url → response_url."""
    if path.startswith("/upload/"):
        return "upload"
    if path.startswith(("/commands/", "/actions/")):
        return "response_url"
    return path.rsplit("/", 1)[-1]


def _decode(raw: bytes, content_type: str) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        parsed = json.loads(raw or b"{}")
        return parsed if isinstance(parsed, dict) else {"_": parsed}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
    return {}
