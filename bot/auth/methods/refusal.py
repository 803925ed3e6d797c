"""Why a login was refused, in the user's language (one wording per reason, defined once)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Reason(Enum):
    NO_FLOW = "no_flow"
    BAD_STATE = "bad_state"
    EXPIRED = "expired"
    REPLAYED = "replayed"
    NO_CODE = "no_code"
    PROVIDER = "provider"
    BAD_TOKEN = "bad_token"
    UNVERIFIED = "unverified"
    UNKNOWN_PERSON = "unknown_person"
    UNTRUSTED_PROXY = "untrusted_proxy"
    NOT_ENABLED = "not_enabled"


_TEXT: dict[Reason, tuple[str, str]] = {
    Reason.NO_FLOW: ("This login was not started here; start it again.", "此登录不是从这里发起的，请重新登录。"),
    Reason.BAD_STATE: ("The login's state does not match; start it again.", "登录状态不匹配，请重新登录。"),
    Reason.EXPIRED: ("The login took too long; start it again.", "登录已超时，请重新登录。"),
    Reason.REPLAYED: ("This login was already used; start it again.", "此登录已被使用过，请重新登录。"),
    Reason.NO_CODE: ("The provider sent no login code.", "登录服务没有返回授权码。"),
    Reason.PROVIDER: ("The login provider refused the code.", "登录服务拒绝了授权码。"),
    Reason.BAD_TOKEN: ("The provider's identity token is not valid.", "登录服务返回的身份令牌无效。"),
    Reason.UNVERIFIED: ("Your e-mail address is not verified by the provider.", "你的邮箱未经登录服务验证。"),
    Reason.UNKNOWN_PERSON: (
        "You are not in this bot's people list; ask an admin to add you.",
        "你不在本机器人的人员名单中，请联系管理员添加。",
    ),
    Reason.UNTRUSTED_PROXY: (
        "Login headers are accepted only from the trusted proxy.",
        "只接受来自受信代理的登录请求头。",
    ),
    Reason.NOT_ENABLED: ("This login method is not enabled.", "未启用此登录方式。"),
}


@dataclass(frozen=True)
class Refusal:
    """A refused login: the reason, and a detail for the log (never shown to the user)."""

    reason: Reason
    detail: str = ""

    def text(self, lang: str = "en") -> str:
        en, zh = _TEXT[self.reason]
        return zh if lang == "zh" else en
