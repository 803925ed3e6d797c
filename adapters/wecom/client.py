"""The WeCom app-message API (自建应用): access token, message/send, message/update_template_card.

The access_token from ``/cgi-bin/gettoken`` is cached until shortly before it expires and fetched
again when WeCom rejects it (errcode 40014/42001), retrying the call once. Failures are
DeliveryErrors classified in ``errors.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from adapters.wecom.errors import TokenRejected, read_json, transport_error

DEFAULT_API_URL = "https://qyapi.weixin.qq.com"
TOKEN_MARGIN_S = 300.0  # refresh this long before WeCom's expires_in runs out


class WeComClient:
    def __init__(
        self,
        corp_id: str,
        secret: str,
        agent_id: int,
        *,
        base_url: str | None = None,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
        timeout_s: float = 10.0,
    ) -> None:
        self.corp_id = corp_id
        self.agent_id = int(agent_id)
        self._secret = secret
        url = base_url or DEFAULT_API_URL
        self.base_url = url.rstrip("/")
        self._http = http or httpx.Client(timeout=timeout_s)
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires = 0.0

    def close(self) -> None:
        self._http.close()

    # -- the access token ---------------------------------------------------------------------
    def access_token(self) -> str:
        """The cached token, fetched from /cgi-bin/gettoken when missing or about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._token_expires:
                self._token, self._token_expires = self._fetch_token()
            return self._token

    def invalidate_token(self, token: str) -> None:
        """Forget ``token`` (if it is still the cached one) so the next call fetches a new one."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch_token(self) -> tuple[str, float]:
        params = {"corpid": self.corp_id, "corpsecret": self._secret}
        try:
            response = self._http.get(f"{self.base_url}/cgi-bin/gettoken", params=params)
        except httpx.HTTPError as exc:
            raise transport_error(exc, "gettoken") from exc
        body = read_json(response, "gettoken")
        expires_in = float(body.get("expires_in") or 7200)
        return str(body["access_token"]), self._clock() + max(expires_in - TOKEN_MARGIN_S, expires_in / 2)

    # -- calls --------------------------------------------------------------------------------
    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to ``path`` with the access token; one retry with a new token if it was rejected."""
        token = self.access_token()
        try:
            return self._post_once(path, payload, token)
        except TokenRejected:
            self.invalidate_token(token)
            return self._post_once(path, payload, self.access_token())

    def _post_once(self, path: str, payload: dict[str, Any], token: str) -> dict[str, Any]:
        try:
            response = self._http.post(f"{self.base_url}{path}", params={"access_token": token}, json=payload)
        except httpx.HTTPError as exc:
            raise transport_error(exc, path) from exc
        return read_json(response, path)

    def upload_image(self, png: bytes, filename: str = "chart.png") -> str:
        """``/cgi-bin/media/upload?type=image`` (multipart field ``media``; an image at most 2 MB, JPG/PNG —
        developer.work.weixin.qq.com/document/path/90253): the temporary ``media_id`` (valid 3 days)."""
        path = "/cgi-bin/media/upload"
        token = self.access_token()
        for attempt in (0, 1):
            try:
                response = self._http.post(
                    f"{self.base_url}{path}",
                    params={"access_token": token, "type": "image"},
                    files={"media": (filename, png, "image/png")},
                )
            except httpx.HTTPError as exc:
                raise transport_error(exc, path) from exc
            try:
                return str(read_json(response, path)["media_id"])
            except TokenRejected:
                if attempt:
                    raise
                self.invalidate_token(token)
                token = self.access_token()
        raise AssertionError("unreachable")

    def send_image(self, touser: Sequence[str], media_id: str) -> dict[str, Any]:
        return self.send(touser, "image", {"media_id": media_id})

    def send(self, touser: Sequence[str], msgtype: str, content: dict[str, Any]) -> dict[str, Any]:
        """``/cgi-bin/message/send`` to userids; the answer carries ``msgid`` (and ``response_code`` for
        interactive template cards)."""
        payload = {"touser": "|".join(touser), "msgtype": msgtype, "agentid": self.agent_id, msgtype: content}
        return self.post("/cgi-bin/message/send", payload)

    def send_text(self, touser: Sequence[str], text: str) -> dict[str, Any]:
        return self.send(touser, "text", {"content": text})

    def send_markdown(self, touser: Sequence[str], markdown: str) -> dict[str, Any]:
        return self.send(touser, "markdown", {"content": markdown})

    def send_template_card(self, touser: Sequence[str], card: dict[str, Any]) -> dict[str, Any]:
        return self.send(touser, "template_card", card)

    def update_template_card(self, userids: Sequence[str], response_code: str, card: dict[str, Any]) -> dict[str, Any]:
        """Replace a sent card (``response_code`` is usable once, within 72 h)."""
        payload = {
            "userids": list(userids),
            "agentid": self.agent_id,
            "response_code": response_code,
            "template_card": card,
        }
        return self.post("/cgi-bin/message/update_template_card", payload)

    def replace_card_buttons(self, userids: Sequence[str], response_code: str, label: str) -> dict[str, Any]:
        """Grey out a sent card's buttons under ``label`` (e.g. "已处理"), keeping its content."""
        payload = {
            "userids": list(userids),
            "agentid": self.agent_id,
            "response_code": response_code,
            "button": {"replace_name": label},
        }
        return self.post("/cgi-bin/message/update_template_card", payload)
