"""WeCom login: 网页授权 inside the WeCom client and 扫码登录 on the desktop both end in a ``code`` that
``/cgi-bin/auth/getuserinfo`` turns into the member's userid (with the app's access token)."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx

from adapters.base import DeliveryError
from adapters.wecom.client import WeComClient
from adapters.wecom.errors import TokenRejected, read_json

IN_CLIENT_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
QR_URL = "https://login.work.weixin.qq.com/wwlogin/sso/login"
GETUSERINFO = "/cgi-bin/auth/getuserinfo"


class LoginRejected(Exception):
    """WeCom did not name a member for this code (invalid, used, or a non-member)."""


class WeComLogin:
    def __init__(self, client: WeComClient, *, http: httpx.Client | None = None, timeout_s: float = 10.0) -> None:
        self._client = client
        self._http = http or httpx.Client(timeout=timeout_s)

    def authorize_url(self, redirect_uri: str, state: str, *, in_client: bool) -> str:
        """Inside the WeCom client: silent 网页授权 (snsapi_base); elsewhere: the QR login page."""
        if in_client:
            query = {"appid": self._client.corp_id, "redirect_uri": redirect_uri, "response_type": "code",
                     "scope": "snsapi_base", "state": state, "agentid": str(self._client.agent_id)}  # fmt: skip
            return f"{IN_CLIENT_URL}?{urlencode(query)}#wechat_redirect"
        query = {"login_type": "CorpApp", "appid": self._client.corp_id, "agentid": str(self._client.agent_id),
                 "redirect_uri": redirect_uri, "state": state}  # fmt: skip
        return f"{QR_URL}?{urlencode(query)}"

    def userid(self, code: str) -> str:
        """The member's userid for ``code``; LoginRejected when WeCom names none."""
        token = self._client.access_token()
        try:
            body = self._get(code, token)
        except TokenRejected:
            self._client.invalidate_token(token)
            body = self._get(code, self._client.access_token())
        userid = body.get("userid") or body.get("UserId")
        if not isinstance(userid, str) or not userid:
            raise LoginRejected("not a member of this corp (no userid)")
        return userid

    def _get(self, code: str, token: str) -> dict[str, object]:
        try:
            response = self._http.get(
                f"{self._client.base_url}{GETUSERINFO}", params={"access_token": token, "code": code}
            )
        except httpx.HTTPError as exc:
            raise LoginRejected(f"getuserinfo: {type(exc).__name__}") from exc
        try:
            return read_json(response, "getuserinfo")
        except TokenRejected:
            raise
        except DeliveryError as exc:
            raise LoginRejected(str(exc)) from exc

    def close(self) -> None:
        self._http.close()
