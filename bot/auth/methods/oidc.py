"""OpenID Connect login (authorization code + PKCE + nonce) through authlib; the id_token is checked with
joserfc against the provider's JWKS: signature, issuer, audience, expiry and the flow's nonce."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import httpx
from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization

from bot.auth.methods.flow_state import Flow
from bot.auth.methods.refusal import Reason, Refusal
from bot.config.login_methods import LoginMethods, OidcMethod
from bot.config.schema import Person

ALGORITHMS = ("RS256", "ES256", "PS256", "EdDSA")


class OidcLogin:
    def __init__(self, method: OidcMethod, now: Callable[[], float], *, timeout_s: float = 10.0) -> None:
        self.method = method
        self._now = now
        self._timeout = timeout_s

    def start(self, flow: Flow, redirect_uri: str) -> str:
        meta = self._discovery()
        with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                meta["authorization_endpoint"], state=flow.state, nonce=flow.nonce, code_verifier=flow.verifier
            )
        return str(url)

    def finish(self, flow: Flow, code: str, redirect_uri: str, methods: LoginMethods) -> Person | Refusal:
        try:
            meta = self._discovery()
            with self._client(redirect_uri) as client:
                token = client.fetch_token(meta["token_endpoint"], code=code, code_verifier=flow.verifier)
        except Exception as exc:  # authlib raises OAuthError, httpx errors, ValueError for a bad body
            return Refusal(Reason.PROVIDER, f"token endpoint: {type(exc).__name__}: {str(exc)[:200]}")
        claims = self._claims(str(token.get("id_token") or ""), meta, flow)
        if isinstance(claims, Refusal):
            return claims
        return self._person(claims, methods)

    def _claims(self, id_token: str, meta: dict[str, Any], flow: Flow) -> dict[str, Any] | Refusal:
        if not id_token:
            return Refusal(Reason.BAD_TOKEN, "no id_token")
        try:
            keys = KeySet.import_key_set(cast(KeySetSerialization, self._get(meta["jwks_uri"])))
            decoded = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
            registry = jwt.JWTClaimsRegistry(
                now=int(self._now()),
                leeway=60,
                iss={"essential": True, "value": meta.get("issuer", self.method.issuer)},
                aud={"essential": True, "value": self.method.client_id},
                exp={"essential": True},
                sub={"essential": True},
                nonce={"essential": True, "value": flow.nonce},
            )
            registry.validate(decoded.claims)
        except (JoseError, ValueError, KeyError, httpx.HTTPError) as exc:
            return Refusal(Reason.BAD_TOKEN, f"id_token: {type(exc).__name__}: {exc}")
        return dict(decoded.claims)

    def _person(self, claims: dict[str, Any], methods: LoginMethods) -> Person | Refusal:
        claim = self.method.claim
        value = claims.get(claim)
        if not isinstance(value, str) or not value.strip():
            return Refusal(Reason.UNKNOWN_PERSON, f"id_token has no {claim} claim")
        if claim == "email":
            if claims.get("email_verified") is not True:
                return Refusal(Reason.UNVERIFIED, f"email {value} not verified")
            person = methods.by_email(value)
        else:  # a claim the provider's admins control (Entra ID's preferred_username is the UPN): name or e-mail
            person = methods.by_name(value) or methods.by_email(value)
        return person if person is not None else Refusal(Reason.UNKNOWN_PERSON, f"{claim}={value} not in people")

    def _discovery(self) -> dict[str, Any]:
        meta = self._get(self.method.discovery_url)
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(meta.get(key), str):
                raise ValueError(f"OIDC discovery has no {key}")
        if meta.get("issuer", self.method.issuer).rstrip("/") != self.method.issuer:
            raise ValueError("OIDC discovery names another issuer")
        return meta

    def _get(self, url: str) -> dict[str, Any]:
        response = httpx.get(url, timeout=self._timeout)
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError(f"{url} is not a JSON object")
        return body

    def _client(self, redirect_uri: str) -> OAuth2Client:
        return OAuth2Client(
            self.method.client_id,
            self.method.client_secret,
            scope=" ".join(self.method.scopes),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=self._timeout,
        )
