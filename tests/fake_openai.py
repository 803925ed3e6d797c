"""A local fake OpenAI-compatible server for tests: POST /v1/chat/completions answers from a scripted queue.

It runs an http.server on 127.0.0.1 (a free port) in a background thread and records every request it
receives, so tests drive the REAL `openai` client against it: tool calls, plain text, malformed
arguments, HTTP 429 with Retry-After, HTTP 500, and replies slower than the client's timeout.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from fake_http import LocalServer


@dataclass(frozen=True)
class Reply:
    """One scripted answer. `sticky` replies are never used up (e.g. 429 forever)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    sticky: bool = False


def completion(message: dict[str, Any], finish_reason: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def tool_call(name: str, arguments: Any, *, call_id: str = "call_1") -> Reply:
    """A reply calling one tool; `arguments` is JSON-encoded unless it is already a string (e.g. malformed)."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": text}}
    return Reply(body=completion({"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"))


def text(content: str) -> Reply:
    """A plain assistant message without any tool call."""
    return Reply(body=completion({"role": "assistant", "content": content}, "stop"))


def rate_limited(*, retry_after: str = "0.01", sticky: bool = False) -> Reply:
    error = {"error": {"message": "Rate limit reached", "type": "rate_limit_error", "code": "rate_limit_exceeded"}}
    return Reply(status=429, body=error, headers={"Retry-After": retry_after}, sticky=sticky)


def server_error(*, sticky: bool = False) -> Reply:
    error = {"error": {"message": "internal error", "type": "server_error"}}
    return Reply(status=500, body=error, headers={"Retry-After": "0.01"}, sticky=sticky)


def slow(reply: Reply, delay_s: float) -> Reply:
    return Reply(reply.status, reply.body, reply.headers, delay_s, reply.sticky)


@dataclass(frozen=True)
class Request:
    """One request the server received; header names in lower case."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeOpenAI(LocalServer):
    """The server: `push` scripted replies, read `requests`; use as a context manager."""

    def __init__(self) -> None:
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.requests: list[Request] = []
        super().__init__(self._handler_class())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def stop(self) -> None:
        self._stopping.set()  # a reply that is made to wait (a timeout test) gives up now
        super().stop()

    def _next(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if not self._replies:
                return Reply(status=500, body={"error": {"message": "fake server: no scripted reply left"}})
            return self._replies[0] if self._replies[0].sticky else self._replies.popleft()

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._stopping.is_set():
            time.sleep(0.01)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = fake._next(Request(self.path, headers, body))
                if self.path.rstrip("/") != "/v1/chat/completions":
                    reply = Reply(status=404, body={"error": {"message": f"no route {self.path}"}})
                fake._wait(reply.delay_s)
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                return

        return Handler
