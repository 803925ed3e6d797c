"""One outside login in progress: a random ``state`` (sent through the provider), a ``nonce`` (bound into the
OIDC id_token) and a PKCE verifier, kept in a signed, short-lived cookie of the browser that started it.

The callback is accepted only with that cookie, the same ``state``, before it expires, and once."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass

from bot.auth.methods.refusal import Reason, Refusal

COOKIE = "opsbot_login_flow"
TTL_S = 600.0
Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Flow:
    method: str
    state: str
    nonce: str
    verifier: str  # PKCE code_verifier; the provider sees only its S256 challenge
    next_url: str
    expires: float  # epoch seconds

    @property
    def challenge(self) -> str:
        return _b64(hashlib.sha256(self.verifier.encode()).digest())


def safe_next(next_url: str | None) -> str:
    """Only a path on this server (no scheme, no host, no ``//``): an open redirect otherwise."""
    url = (next_url or "/").strip()
    if not url.startswith("/") or url.startswith("//") or "\\" in url or any(ord(c) < 32 for c in url):
        return "/"
    return url


class FlowSigner:
    def __init__(self, secret: str, clock: Clock, ttl_s: float = TTL_S) -> None:
        self._key = hmac.new(secret.encode(), b"opsbot login flow", hashlib.sha256).digest()
        self._clock = clock
        self._ttl = ttl_s
        self._used: dict[str, float] = {}  # state → when it expires (kept until then: refused as replayed)
        self._lock = threading.Lock()

    def begin(self, method: str, next_url: str | None) -> tuple[Flow, str]:
        """A new flow and the cookie value that carries it."""
        flow = Flow(
            method=method,
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
            next_url=safe_next(next_url),
            expires=self._now() + self._ttl,
        )
        body = _b64(json.dumps(asdict(flow), separators=(",", ":")).encode())
        return flow, f"{body}.{self._sign(body)}"

    def finish(self, method: str, cookie: str | None, state: str | None) -> Flow | Refusal:
        """The flow the callback completes, or why it is refused. A flow finishes at most once."""
        flow = self._read(cookie)
        if flow is None or flow.method != method:
            return Refusal(Reason.NO_FLOW, "no or forged flow cookie")
        if not state or not hmac.compare_digest(flow.state.encode(), state.encode()):
            return Refusal(Reason.BAD_STATE, "state differs from the flow cookie's")
        now = self._now()
        if now > flow.expires:
            return Refusal(Reason.EXPIRED, f"flow expired {now - flow.expires:.0f} s ago")
        with self._lock:
            self._used = {s: t for s, t in self._used.items() if t >= now}
            if flow.state in self._used:
                return Refusal(Reason.REPLAYED, "state already used")
            self._used[flow.state] = flow.expires
        return flow

    def _read(self, cookie: str | None) -> Flow | None:
        body, _, sign = (cookie or "").partition(".")
        if not body or not hmac.compare_digest(self._sign(body).encode(), sign.encode()):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            return Flow(**data)
        except (ValueError, TypeError):
            return None

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def _now(self) -> float:
        return self._clock().timestamp()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
