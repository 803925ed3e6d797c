"""DingTalk login: the authorize URL and authCode → unionId → userid → the person whose ``ids.dingtalk`` it
is (the userid, or else the unionId)."""

from __future__ import annotations

from adapters.dingtalk.login import DingTalkLogin, LoginRejected
from bot.auth.methods.flow_state import Flow
from bot.auth.methods.refusal import Reason, Refusal
from bot.config.login_methods import DingTalkLoginMethod, LoginMethods
from bot.config.schema import Person


class DingTalkMethod:
    def __init__(self, method: DingTalkLoginMethod) -> None:
        self._login = DingTalkLogin(method.app_key, method.app_secret, api_url=method.api_url, oapi_url=method.oapi_url)

    def start(self, flow: Flow, redirect_uri: str) -> str:
        return self._login.authorize_url(redirect_uri, flow.state)

    def finish(self, code: str, methods: LoginMethods) -> Person | Refusal:
        try:
            user = self._login.user(code)
        except LoginRejected as exc:
            return Refusal(Reason.PROVIDER, f"dingtalk: {exc}")
        for platform_id in (user.user_id, user.union_id):
            person = methods.by_platform_id("dingtalk", platform_id) if platform_id else None
            if person is not None:
                return person
        return Refusal(Reason.UNKNOWN_PERSON, f"dingtalk userid {user.user_id} unionid {user.union_id}")
