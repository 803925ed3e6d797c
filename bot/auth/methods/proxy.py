"""A trusted reverse proxy's user header (oauth2-proxy ``X-Auth-Request-User`` and the like): believed only
when the request comes straight from a listed proxy address; the value is a person's name or e-mail."""

from __future__ import annotations

from collections.abc import Mapping

from bot.auth.methods.refusal import Reason, Refusal
from bot.config.login_methods import LoginMethods, ProxyMethod
from bot.config.schema import Person


def proxy_person(
    peer: str | None, headers: Mapping[str, str], method: ProxyMethod, methods: LoginMethods
) -> Person | Refusal | None:
    """The person the proxy names; None when the header is absent; a Refusal when it comes from anywhere but
    a trusted proxy or names nobody in ``people:``."""
    value = headers.get(method.header.lower(), headers.get(method.header))
    if value is None:
        return None
    if not method.trusts(peer):
        return Refusal(Reason.UNTRUSTED_PROXY, f"{method.header} from untrusted {peer}")
    value = _utf8(value).strip()
    person = methods.by_email(value) if method.match == "email" else methods.by_name(value)
    return person if person is not None else Refusal(Reason.UNKNOWN_PERSON, f"{method.header}={value!r}")


def _utf8(value: str) -> str:
    """HTTP headers arrive as latin-1; a proxy that sends a UTF-8 name (张伟) is read back as UTF-8."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value
