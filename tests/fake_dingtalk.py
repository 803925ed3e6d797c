"""A local fake DingTalk robot API: POST /robot/send and /robot/sendBySession on 127.0.0.1 (free port).

A real http.server in a background thread; it records every request (path, query, headers, JSON body) and
answers from a scripted queue (errcodes, HTTP statuses), or ``{"errcode": 0, "errmsg": "ok"}`` when empty.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fake_http import LocalServer

OK = {"errcode": 0, "errmsg": "ok"}


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: dict(OK))
    headers: dict[str, str] = field(default_factory=dict)


def errcode(code: int, msg: str) -> Reply:
    return Reply(body={"errcode": code, "errmsg": msg})


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, str]
    raw_query: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeDingTalk(LocalServer):
    ROUTES = ("/robot/send", "/robot/sendBySession")

    def __init__(self) -> None:
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self.answered: list[tuple[Request, Reply]] = []  # every request with what the fake answered
        super().__init__(self._handler_class())

    @property
    def base_url(self) -> str:
        return self.root

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def _next(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if request.path not in self.ROUTES:
                return Reply(status=404, body={"errcode": 404, "errmsg": f"no route {request.path}"})
            reply = self._replies.popleft() if self._replies else Reply()
            self.answered.append((request, reply))
            return reply

    def accepted(self, path: str = "/robot/send") -> list[Request]:
        """The requests to ``path`` the fake answered with HTTP 200 and errcode 0 (really posted)."""
        with self._lock:
            return [
                q
                for q, a in self.answered
                if q.path == path and a.status == 200 and isinstance(a.body, dict) and a.body.get("errcode") == 0
            ]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = fake._next(Request(parts.path, query, parts.query, headers, json.loads(raw) if raw else {}))
                payload = json.dumps(reply.body).encode() if not isinstance(reply.body, bytes) else reply.body
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
