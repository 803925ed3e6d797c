"""``GET/POST /wecom/aibot/callback`` — the AI bot's callback URL (its "API mode" with a URL), framework-free.

The same crypto as the app's callbacks (``adapters/wecom/crypto.py``: sha1 ``msg_signature`` over token,
timestamp, nonce and the ciphertext; AES-256-CBC with the EncodingAESKey), with two differences WeCom documents
for the AI bot (developer.work.weixin.qq.com/document/path/101033): the body is JSON ``{"encrypt": …}`` and the
plaintext is JSON, and the receiveid is the empty string. GET verifies the URL (the decrypted ``echostr`` as plain
text); POST is verified, decrypted, parsed (``inbound.py``) and answered at once with an empty 200 — the answer
follows through the message's ``response_url`` (``reply_by_response_url``), so the 5 s window is never at risk.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from adapters.base import DeliveryError, InvalidSignature, Message, StaleRequest
from adapters.http_status import json_body
from adapters.webhook import WebhookRequest, WebhookResult, bad_callback, invalid_signature, stale_request
from adapters.wecom import crypto
from adapters.wecom.aibot.inbound import parse_body
from adapters.wecom.callback import WeComCallback
from adapters.wecom.render import markdown

PATH = "/wecom/aibot/callback"
RECEIVE_ID = ""  # WeCom: for an enterprise's own AI bot the receiveid is the empty string
REPLY_LIMIT = 4096


class AiBotCallback:
    def __init__(
        self, token: str, aes_key: str, *, max_age_s: float | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self._url = WeComCallback(token, aes_key, RECEIVE_ID, max_age_s=max_age_s, clock=clock)

    def verify_url(self, params: Mapping[str, str]) -> str:
        return self._url.verify_url(params)

    def decrypt(self, params: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """The verified, decrypted JSON body of a POST; InvalidSignature when forged, ValueError when no JSON."""
        signature, timestamp, nonce = self._url.signed_params(params)
        try:
            outer = json.loads(body)
        except ValueError as e:
            raise InvalidSignature("wecom aibot: the body is not JSON") from e
        encrypted = outer.get("encrypt") if isinstance(outer, dict) else None
        if not isinstance(encrypted, str) or not encrypted:
            raise InvalidSignature("wecom aibot: the body has no encrypt")
        crypto.check_signature(self._url.token, timestamp, nonce, encrypted, signature)
        inner = json.loads(crypto.decrypt(self._url.aes_key, encrypted, RECEIVE_ID))
        if not isinstance(inner, dict):
            raise ValueError("wecom aibot: the plaintext is not a JSON object")
        return inner


class AiBotWebhook:
    def __init__(self, callback: AiBotCallback) -> None:
        self.callback = callback

    async def __call__(self, request: WebhookRequest) -> WebhookResult:
        try:
            if request.method == "GET":
                return WebhookResult(body=self.callback.verify_url(request.query).encode())
            body = self.callback.decrypt(request.query, request.body)
            event = parse_body(body, "")
        except StaleRequest:
            return stale_request()
        except InvalidSignature:
            return invalid_signature()
        except ValueError:
            return bad_callback()
        return WebhookResult(events=(event,) if event is not None else ())


def reply_by_response_url(url: str, message: Message, http: httpx.Client | None = None) -> None:
    """Answer a callback-mode message through its ``response_url`` (usable once, for an hour) as markdown."""
    client = http or httpx.Client(timeout=10.0)
    body = {"msgtype": "markdown", "markdown": {"content": markdown(message, limit=REPLY_LIMIT)}}
    try:
        got = json_body(client.post(url, json=body), "wecom aibot response_url", detail=True)
    except httpx.TransportError as e:
        raise DeliveryError(f"wecom aibot response_url: {e}", retryable=True) from e
    if isinstance(got, dict) and got.get("errcode", 0) != 0:
        raise DeliveryError(f"wecom aibot response_url: errcode {got.get('errcode')}", retryable=False)
