"""DingTalk login (扫码 / in-app OAuth2): authCode → user access token (``/v1.0/oauth2/userAccessToken``) →
``/v1.0/contact/users/me`` (unionId) → with the app's token (``/v1.0/oauth2/accessToken``)
``/topapi/user/getbyunionid`` (the member's userid)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

AUTHORIZE_URL = "https://login.dingtalk.com/oauth2/auth"
API_URL = "https://api.dingtalk.com"
OAPI_URL = "https://oapi.dingtalk.com"


class LoginRejected(Exception):
    """DingTalk did not name a user for this code."""


@dataclass(frozen=True)
class DingTalkUser:
    union_id: str
    user_id: str | None  # None when the user is not a member of the app's organisation
    nick: str = ""


class DingTalkLogin:
    def __init__(
        self,
        app_key: str,
        app_secret: str,
        *,
        api_url: str | None = None,
        oapi_url: str | None = None,
        http: httpx.Client | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._key, self._secret = app_key, app_secret
        self._api = (api_url or API_URL).rstrip("/")
        self._oapi = (oapi_url or OAPI_URL).rstrip("/")
        self._http = http or httpx.Client(timeout=timeout_s)

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = {"redirect_uri": redirect_uri, "response_type": "code", "client_id": self._key,
                 "scope": "openid", "state": state, "prompt": "consent"}  # fmt: skip
        return f"{AUTHORIZE_URL}?{urlencode(query)}"

    def user(self, auth_code: str) -> DingTalkUser:
        grant = {
            "clientId": self._key,
            "clientSecret": self._secret,
            "code": auth_code,
            "grantType": "authorization_code",
        }
        token = self._json("POST", f"{self._api}/v1.0/oauth2/userAccessToken", json=grant).get("accessToken")
        if not isinstance(token, str) or not token:
            raise LoginRejected("userAccessToken: no accessToken")
        me = self._json("GET", f"{self._api}/v1.0/contact/users/me", headers={"x-acs-dingtalk-access-token": token})
        union_id = me.get("unionId")
        if not isinstance(union_id, str) or not union_id:
            raise LoginRejected("contact/users/me: no unionId")
        return DingTalkUser(union_id, self._userid(union_id), str(me.get("nick") or ""))

    def _userid(self, union_id: str) -> str | None:
        app = {"appKey": self._key, "appSecret": self._secret}  # in the body: a secret in a URL ends up in logs
        token = self._json("POST", f"{self._api}/v1.0/oauth2/accessToken", json=app).get("accessToken")
        found = self._json(
            "POST", f"{self._oapi}/topapi/user/getbyunionid", params={"access_token": str(token)},
            json={"unionid": union_id}, errcode_ok=(0, 60121),
        )  # fmt: skip
        result = found.get("result")
        userid = result.get("userid") if isinstance(result, dict) else None
        return userid if isinstance(userid, str) and userid else None

    def _json(self, method: str, url: str, *, errcode_ok: tuple[int, ...] = (0,), **kw: Any) -> dict[str, Any]:
        what = url.rsplit("/", 1)[-1]
        try:
            response = self._http.request(method, url, **kw)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise LoginRejected(f"{what}: {type(exc).__name__}") from exc
        if not isinstance(body, dict) or response.status_code != 200:
            raise LoginRejected(f"{what}: HTTP {response.status_code} {str(body)[:200]}")
        if body.get("errcode", 0) not in errcode_ok:
            raise LoginRejected(f"{what}: errcode {body.get('errcode')} {body.get('errmsg', '')}")
        return body

    def close(self) -> None:
        self._http.close()
