"""A local OpenID Connect provider for tests: discovery, JWKS, authorize and token, on a real http.server.

``GET /authorize`` logs in ``user`` (the claims of the next id_token; set it before the browser gets there)
without a page: it checks client_id, redirect_uri and the S256 PKCE challenge, and redirects back with a
one-time code. ``POST /token`` (client_secret_basic or _post) trades the code — once — for a token whose
id_token is RS256-signed with the JWKS key and carries the authorize request's nonce. ``extra_claims``
override any claim (a wrong ``aud``, an old ``exp``); ``sign_with_other_key`` signs with a key not in the JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fake_http import JsonHandler, LocalServer
from joserfc import jwt
from joserfc.jwk import RSAKey


@dataclass
class _Grant:
    claims: dict[str, Any]
    nonce: str
    challenge: str
    redirect_uri: str
    used: bool = False


@dataclass
class FakeOidc(LocalServer):
    client_id: str = "opsbot"
    client_secret: str = "oidc-secret"
    user: dict[str, Any] = field(default_factory=dict)
    extra_claims: dict[str, Any] = field(default_factory=dict)
    sign_with_other_key: bool = False
    now: Callable[[], float] = time.time  # the provider's clock (iat, exp): pass the bot's pinned clock

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
        self.grants: dict[str, _Grant] = {}
        self.token_calls: list[dict[str, str]] = []
        self._lock = threading.Lock()
        super().__init__(self._handler_class())

    @property
    def issuer(self) -> str:
        return self.root

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def _authorize(self, q: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return 400, {}, {"error": "invalid_request"}
        if (
            q.get("code_challenge_method") != "S256"
            or not q.get("code_challenge")
            or "openid" not in q.get("scope", "")
        ):
            return 400, {}, {"error": "invalid_request", "error_description": "PKCE S256 and openid required"}
        code = secrets.token_urlsafe(16)
        with self._lock:
            self.grants[code] = _Grant(dict(self.user), q.get("nonce", ""), q["code_challenge"], q["redirect_uri"])
        target = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}"
        return 302, {"Location": target}, None

    def _token(self, form: dict[str, str], auth: str) -> tuple[int, dict[str, str], Any]:
        self.token_calls.append(form)
        cid, secret = form.get("client_id"), form.get("client_secret")
        if auth.startswith("Basic "):
            cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if cid != self.client_id or secret != self.client_secret:
            return 401, {}, {"error": "invalid_client"}
        with self._lock:
            grant = self.grants.get(form.get("code", ""))
            if grant is None or grant.used:
                return 400, {}, {"error": "invalid_grant", "error_description": "unknown or used code"}
            grant.used = True
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if digest != grant.challenge or form.get("redirect_uri") != grant.redirect_uri:
            return 400, {}, {"error": "invalid_grant", "error_description": "PKCE or redirect_uri mismatch"}
        now = int(self.now())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, "nonce": grant.nonce}
        claims.update(grant.claims)
        claims.update(self.extra_claims)
        key = self.other_key if self.sign_with_other_key else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        return 200, {}, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                         "id_token": id_token}  # fmt: skip

    def _answer(
        self, method: str, path: str, query: dict[str, str], form: dict[str, str], auth: str
    ) -> tuple[int, dict[str, str], Any]:
        if method == "GET" and path == "/.well-known/openid-configuration":
            return 200, {}, self.discovery()
        if method == "GET" and path == "/jwks":
            return 200, {}, {"keys": [self.key.as_dict(private=False)]}
        if method == "GET" and path == "/authorize":
            return self._authorize(query)
        if method == "POST" and path == "/token":
            return self._token(form, auth)
        return 404, {}, {"error": "not_found"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(JsonHandler):
            def _handle(self, method: str) -> None:
                url = urlsplit(self.path)
                raw = self.request_body().decode()
                status, headers, body = fake._answer(
                    method,
                    url.path,
                    dict(parse_qsl(url.query)),
                    dict(parse_qsl(raw)),
                    self.headers.get("Authorization", ""),
                )
                self.reply_json(status, json.dumps(body).encode() if body is not None else b"", headers)

        return Handler
