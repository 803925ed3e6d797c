"""The group robot webhook (群机器人): ``POST /cgi-bin/webhook/send?key=…``, or the robot's full webhook URL as
configured (a private deployment or an outbound gateway keeps its own host and path).

WeCom allows at most 20 messages per minute per robot (the outbox paces sends); errcode 45009,
HTTP 429 and 5xx come back as retryable DeliveryErrors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from adapters.wecom.client import DEFAULT_API_URL
from adapters.wecom.errors import read_json, transport_error

WEBHOOK_PATH = "/cgi-bin/webhook/send"


class RobotSender:
    def __init__(
        self, *, base_url: str | None = None, http: httpx.Client | None = None, timeout_s: float = 10.0
    ) -> None:
        url = base_url or DEFAULT_API_URL
        self.base_url = url.rstrip("/")
        self._http = http or httpx.Client(timeout=timeout_s)

    def close(self) -> None:
        self._http.close()

    def post(self, key: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one robot message (``{"msgtype": …, …}``) to the robot with webhook ``key``: its key, posted to
        ``base_url``, or its whole webhook URL (``http(s)://…?key=…``), posted there as is."""
        try:
            if key.startswith(("http://", "https://")):
                response = self._http.post(key, json=payload)
            else:
                response = self._http.post(f"{self.base_url}{WEBHOOK_PATH}", params={"key": key}, json=payload)
        except httpx.HTTPError as exc:
            raise transport_error(exc, "webhook/send") from exc
        return read_json(response, "webhook/send")

    def send_text(self, key: str, text: str, *, mentioned_list: Sequence[str] = ()) -> dict[str, Any]:
        content: dict[str, Any] = {"content": text}
        if mentioned_list:
            content["mentioned_list"] = list(mentioned_list)
        return self.post(key, {"msgtype": "text", "text": content})

    def send_markdown(self, key: str, markdown: str) -> dict[str, Any]:
        return self.post(key, {"msgtype": "markdown", "markdown": {"content": markdown}})

    def send_template_card(self, key: str, card: dict[str, Any]) -> dict[str, Any]:
        return self.post(key, {"msgtype": "template_card", "template_card": card})
