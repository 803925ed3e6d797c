"""WeCom login: the authorize URL (网页授权 in the WeCom client, 扫码登录 elsewhere) and code → userid →
the person whose ``ids.wecom`` it is."""

from __future__ import annotations

from adapters.wecom.client import WeComClient
from adapters.wecom.login import LoginRejected, WeComLogin
from bot.auth.methods.flow_state import Flow
from bot.auth.methods.refusal import Reason, Refusal
from bot.config.login_methods import LoginMethods, WeComLoginMethod
from bot.config.schema import Person


class WeComMethod:
    def __init__(self, method: WeComLoginMethod) -> None:
        client = WeComClient(method.corp_id, method.secret, method.agent_id, base_url=method.api_url)
        self._login = WeComLogin(client)

    def start(self, flow: Flow, redirect_uri: str, user_agent: str) -> str:
        return self._login.authorize_url(redirect_uri, flow.state, in_client="wxwork" in user_agent.lower())

    def finish(self, code: str, methods: LoginMethods) -> Person | Refusal:
        try:
            userid = self._login.userid(code)
        except LoginRejected as exc:
            return Refusal(Reason.PROVIDER, f"wecom: {exc}")
        person = methods.by_platform_id("wecom", userid)
        return person if person is not None else Refusal(Reason.UNKNOWN_PERSON, f"wecom userid {userid}")
