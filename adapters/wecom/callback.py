"""The WeCom callback endpoint's logic: URL verification (GET) and encrypted message parsing (POST).

The caller (bot/'s HTTP app) passes the query parameters and the raw body; answer the GET with the
returned echostr as plain text, and the POST fast (WeCom retries after 5 s), deduplicating by
``InboundEvent.event_id``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from adapters.base import InboundEvent, InvalidSignature, StaleRequest
from adapters.wecom import crypto
from adapters.wecom.inbound import parse_message
from adapters.wecom.xmlsafe import parse_fields


class WeComCallback:
    def __init__(
        self,
        token: str,
        aes_key: str,
        corp_id: str,
        *,
        max_age_s: float | None = None,
        agent_id: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        crypto.aes_key(aes_key)  # fail fast on a bad EncodingAESKey
        self.token, self.aes_key, self.corp_id = token, aes_key, corp_id
        self.max_age_s = max_age_s  # the window around now a callback's timestamp must fall in (None: any)
        self.agent_id = agent_id  # the app messages must be addressed to (None: any of the corp's)
        self._clock = clock

    def _params(self, params: Mapping[str, str], *names: str) -> list[str]:
        missing = [n for n in names if not params.get(n)]
        if missing:
            raise InvalidSignature(f"wecom: missing query parameter(s) {', '.join(missing)}")
        return [params[n] for n in names]

    def _check_age(self, timestamp: str) -> None:
        if self.max_age_s is None:
            return
        try:
            age = abs(self._clock() - float(timestamp))
        except ValueError as exc:
            raise InvalidSignature("wecom: timestamp is not a number") from exc
        if age > self.max_age_s:
            raise StaleRequest(f"wecom: request timestamp is {age:.0f}s away")

    def signed_params(self, params: Mapping[str, str]) -> tuple[str, str, str]:
        """``(msg_signature, timestamp, nonce)`` of a POST, its timestamp inside the window."""
        signature, timestamp, nonce = self._params(params, "msg_signature", "timestamp", "nonce")
        self._check_age(timestamp)
        return signature, timestamp, nonce

    def verify_url(self, params: Mapping[str, str]) -> str:
        """The decrypted echostr of a GET verification request (the plain-text reply)."""
        signature, timestamp, nonce, echostr = self._params(params, "msg_signature", "timestamp", "nonce", "echostr")
        self._check_age(timestamp)
        return crypto.verify_url(self.token, self.aes_key, self.corp_id, signature, timestamp, nonce, echostr)

    def decrypt_body(self, params: Mapping[str, str], body: bytes) -> str:
        """The verified, decrypted inner XML of a POST callback."""
        signature, timestamp, nonce = self._params(params, "msg_signature", "timestamp", "nonce")
        self._check_age(timestamp)
        encrypted = parse_fields(body).get("Encrypt", "")
        if not encrypted:
            raise InvalidSignature("wecom: callback body has no Encrypt")
        crypto.check_signature(self.token, timestamp, nonce, encrypted, signature)
        return crypto.decrypt(self.aes_key, encrypted, self.corp_id)

    def parse(self, params: Mapping[str, str], body: bytes) -> InboundEvent | None:
        """The InboundEvent of a POST callback, None for kinds opsbot ignores; InvalidSignature if forged
        or addressed to another corp or app."""
        xml = self.decrypt_body(params, body)
        self._check_addressee(parse_fields(xml))
        return parse_message(xml)

    def _check_addressee(self, fields: dict[str, str]) -> None:
        if "From/UserId" in fields:  # a group robot's callback names no corp or app
            return
        to = fields.get("ToUserName")
        if to is not None and to != self.corp_id:
            raise InvalidSignature("wecom: the message is addressed to another corp")
        agent = fields.get("AgentID")
        if self.agent_id is not None and agent is not None and agent.strip() != str(self.agent_id):
            raise InvalidSignature("wecom: the message is addressed to another app")
