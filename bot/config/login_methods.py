"""The ``auth.methods:`` section of `opsbot.yaml`: which outside logins the web chat accepts (OIDC, WeCom,
DingTalk, a trusted reverse-proxy header) and how each finds the person in ``people:``.

```yaml
auth:
  methods:
    oidc: {issuer: https://sso.example.com/realms/ops, client_id: opsbot, client_secret: ${OIDC_SECRET}}
    wecom: {}        # the WeCom app of platforms.wecom (corp_id, agent_id, secret)
    dingtalk: {}     # the DingTalk app of platforms.dingtalk (app_key, app_secret)
    proxy: {header: X-Auth-Request-User, trusted: [127.0.0.1, 10.0.0.0/8]}
```
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, cast

from bot.config.reader import Reader
from bot.config.schema import ConfigError, ConfigProblem, DingTalkConfig, Person, WeComConfig
from metrics.yamlsrc import Located, LocatedList

METHODS = ("oidc", "wecom", "dingtalk", "proxy")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Match = Literal["email", "name"]


class Apps(Protocol):
    """Where the platform apps are configured (``Config`` is one)."""

    @property
    def wecom(self) -> WeComConfig | None: ...

    @property
    def dingtalk(self) -> DingTalkConfig | None: ...


@dataclass(frozen=True)
class OidcMethod:
    """An OpenID Connect provider; ``claim`` of the id_token names the person (``email``: a verified e-mail
    matched to ``people[].email``; any other claim: matched to ``people[].name``, else ``people[].email``)."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    claim: str = "email"
    discovery: str | None = None  # the discovery document's URL when it is not under the issuer

    @property
    def discovery_url(self) -> str:
        return self.discovery or f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"


@dataclass(frozen=True)
class WeComLoginMethod:
    """WeCom 网页授权 (inside the WeCom client) and 扫码登录 (desktop QR) through the app of platforms.wecom."""

    corp_id: str
    agent_id: int
    secret: str = field(repr=False)
    api_url: str | None = None


@dataclass(frozen=True)
class DingTalkLoginMethod:
    """DingTalk QR / in-app login (OAuth2 authCode) through the app of platforms.dingtalk."""

    app_key: str
    app_secret: str = field(repr=False)
    api_url: str | None = None  # api.dingtalk.com (userAccessToken, contact/users/me)
    oapi_url: str | None = None  # oapi.dingtalk.com (topapi/user/getbyunionid)


@dataclass(frozen=True)
class ProxyMethod:
    """A header set by a trusted reverse proxy (oauth2-proxy and the like), believed only from ``trusted``."""

    header: str = "X-Forwarded-User"
    trusted: tuple[Network, ...] = ()
    match: Match = "name"

    def trusts(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in net for net in self.trusted)


@dataclass(frozen=True)
class LoginMethods:
    people: tuple[Person, ...] = ()
    oidc: OidcMethod | None = None
    wecom: WeComLoginMethod | None = None
    dingtalk: DingTalkLoginMethod | None = None
    proxy: ProxyMethod | None = None

    def enabled(self) -> tuple[str, ...]:
        on = {"oidc": self.oidc, "wecom": self.wecom, "dingtalk": self.dingtalk, "proxy": self.proxy}
        return tuple(m for m in METHODS if on[m] is not None)

    def by_platform_id(self, platform: str, user_id: str) -> Person | None:
        return next((p for p in self.people if user_id and p.id_on(platform) == user_id), None)

    def by_email(self, email: str) -> Person | None:
        wanted = email.strip().casefold()
        return next((p for p in self.people if wanted and p.email and p.email.casefold() == wanted), None)

    def by_name(self, name: str) -> Person | None:
        return next((p for p in self.people if p.name == name.strip()), None)


def read_login_methods(
    raw: Mapping[str, Any] | None, people: tuple[Person, ...], apps: Apps, env: Mapping[str, str] | None = None
) -> LoginMethods:
    """``auth.methods`` as LoginMethods; raises ConfigError listing every problem (unknown keys included)."""
    node = _located(raw or {}, getattr(raw, "file", "opsbot.yaml"))
    r = Reader(env if env is not None else {}, node.file)
    r.keys(node, METHODS, "auth.methods")
    read = {"oidc": _oidc, "wecom": _wecom, "dingtalk": _dingtalk, "proxy": _proxy}
    found: dict[str, Any] = {}
    for name in METHODS:
        if name in node and node[name] is not False:
            sub = _section(node, name, r)
            if sub is not None:
                found[name] = read[name](sub, apps, r)
    if r.out.problems:
        raise ConfigError(cast(list[ConfigProblem], r.out.problems))
    return LoginMethods(people=people, **found)


def _located(raw: Mapping[str, Any], file: str) -> Located:
    if isinstance(raw, Located):
        return raw
    node = Located(raw)
    node.file, node.line, node.key_lines = file, 0, {}
    return node


def _section(node: Located, name: str, r: Reader) -> Located | None:
    value = node[name]
    if value is None or value is True:
        return _located({}, node.file)
    if isinstance(value, Located):
        return value
    if isinstance(value, dict):
        return _located(value, node.file)
    r.problem(node, name, f"auth.methods.{name}: expected a mapping", f"auth.methods.{name}：应为键值映射")
    return None


def _oidc(node: Located, apps: Apps, r: Reader) -> OidcMethod | None:
    path = "auth.methods.oidc"
    r.keys(node, ("issuer", "discovery_url", "client_id", "client_secret", "scopes", "claim"), path)
    issuer = r.text(node, "issuer", f"{path}.issuer")
    client_id = r.text(node, "client_id", f"{path}.client_id")
    secret = r.text(node, "client_secret", f"{path}.client_secret")
    for key, value in (("issuer", issuer), ("client_id", client_id), ("client_secret", secret)):
        if value is None and key not in node:
            r.problem(node, None, f"{path}: {key} is required", f"{path}：需要 {key}")
    scopes = _words(node, "scopes", path, r) or ("openid", "email", "profile")
    if "openid" not in scopes:
        r.problem(node, "scopes", f"{path}.scopes: must include openid", f"{path}.scopes：必须包含 openid")
    claim = r.text(node, "claim", f"{path}.claim") or "email"
    discovery = r.text(node, "discovery_url", f"{path}.discovery_url")
    for key, url in (("issuer", issuer), ("discovery_url", discovery)):
        if url is not None and not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            r.problem(node, key, f"{path}.{key}: must be an https:// URL", f"{path}.{key}：必须是 https:// 地址")
    if issuer is None or client_id is None or secret is None:
        return None
    return OidcMethod(issuer.rstrip("/"), client_id, secret, scopes, claim, discovery)


def _wecom(node: Located, apps: Apps, r: Reader) -> WeComLoginMethod | None:
    r.keys(node, (), "auth.methods.wecom")
    app = apps.wecom
    if app is None or not app.has_app or app.corp_id is None or app.agent_id is None or app.secret is None:
        r.problem(
            node, None, "auth.methods.wecom: needs the WeCom app (platforms.wecom corp_id, agent_id and secret)",
            "auth.methods.wecom：需要企业微信应用（platforms.wecom 的 corp_id、agent_id 和 secret）",
        )  # fmt: skip
        return None
    return WeComLoginMethod(app.corp_id, app.agent_id, app.secret, app.api_url)


def _dingtalk(node: Located, apps: Apps, r: Reader) -> DingTalkLoginMethod | None:
    path = "auth.methods.dingtalk"
    r.keys(node, ("api_url", "oapi_url"), path)
    api_url = r.text(node, "api_url", f"{path}.api_url")
    oapi_url = r.text(node, "oapi_url", f"{path}.oapi_url")
    app = apps.dingtalk
    if app is None or app.app_key is None or app.app_secret is None:
        r.problem(
            node, None, f"{path}: needs the DingTalk app (platforms.dingtalk app_key and app_secret)",
            f"{path}：需要钉钉应用（platforms.dingtalk 的 app_key 和 app_secret）",
        )  # fmt: skip
        return None
    return DingTalkLoginMethod(app.app_key, app.app_secret, api_url, oapi_url)


def _proxy(node: Located, apps: Apps, r: Reader) -> ProxyMethod | None:
    path = "auth.methods.proxy"
    r.keys(node, ("header", "trusted", "match"), path)
    header = r.text(node, "header", f"{path}.header") or "X-Forwarded-User"
    match = r.text(node, "match", f"{path}.match") or "name"
    if match not in ("name", "email"):
        r.problem(node, "match", f"{path}.match: expected name or email", f"{path}.match：应为 name 或 email")
        match = "name"
    trusted: list[Network] = []
    for word in _words(node, "trusted", path, r):
        try:
            trusted.append(ipaddress.ip_network(word, strict=False))
        except ValueError:
            r.problem(
                node, "trusted", f"{path}.trusted: {word!r} is not an address", f"{path}.trusted：{word!r} 不是地址"
            )
    if not trusted:
        r.problem(
            node, "trusted" if "trusted" in node else None,
            f"{path}: list the reverse proxy's addresses in trusted (the header is believed only from them)",
            f"{path}：请在 trusted 中列出反向代理的地址（只相信来自这些地址的请求头）",
        )  # fmt: skip
        return None
    return ProxyMethod(header, tuple(trusted), "email" if match == "email" else "name")


def _words(node: Located, key: str, path: str, r: Reader) -> tuple[str, ...]:
    value = node.get(key)
    if value is None:
        return ()
    items = list(value) if isinstance(value, list | LocatedList) else str(value).split()
    if any(isinstance(v, dict | list) for v in items):
        r.problem(node, key, f"{path}.{key}: expected a list of words", f"{path}.{key}：应为文本列表")
        return ()
    return tuple(r.substitute(str(v))[0].strip() for v in items if str(v).strip())
