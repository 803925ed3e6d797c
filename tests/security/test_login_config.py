"""``auth.methods`` is read whole: each method's settings, and a problem (en + zh) for every unknown key,
missing secret, missing platform app or proxy without trusted addresses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config.load import load_config
from bot.config.login_methods import read_login_methods
from bot.config.schema import Config, ConfigError, DingTalkConfig, ServerConfig, WeComConfig
from metrics.yamlsrc import load_located


def _apps(wecom: WeComConfig | None = None, dingtalk: DingTalkConfig | None = None) -> Config:
    return Config(
        None, ServerConfig(), "w.duckdb", "sqlite://", Path("rules"), "en", "s", dingtalk=dingtalk, wecom=wecom
    )


def _problems(raw: dict[str, Any], apps: Config | None = None, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        read_login_methods(raw, (), apps or _apps(), env or {})
    return [p.text("en") + " | " + p.text("zh") for p in caught.value.config_problems]


def test_every_method_is_read() -> None:
    wecom = WeComConfig(corp_id="ww1", agent_id=1000002, secret="ws", api_url="http://127.0.0.1:1")
    dingtalk = DingTalkConfig(app_key="dk", app_secret="ds")
    raw = {
        "oidc": {"issuer": "https://sso.example.com/realms/ops/", "client_id": "opsbot",
                 "client_secret": "${OIDC_SECRET}", "scopes": ["openid", "email"], "claim": "preferred_username"},
        "wecom": {}, "dingtalk": None,
        "proxy": {"header": "X-Auth-Request-User", "trusted": ["10.0.0.0/8", "127.0.0.1"]},
    }  # fmt: skip
    methods = read_login_methods(raw, (), _apps(wecom, dingtalk), {"OIDC_SECRET": "from-env"})
    assert methods.enabled() == ("oidc", "wecom", "dingtalk", "proxy")
    assert methods.oidc is not None and methods.oidc.client_secret == "from-env"
    assert methods.oidc.discovery_url == "https://sso.example.com/realms/ops/.well-known/openid-configuration"
    assert methods.oidc.claim == "preferred_username" and methods.oidc.scopes == ("openid", "email")
    assert methods.wecom is not None and (methods.wecom.corp_id, methods.wecom.agent_id) == ("ww1", 1000002)
    assert methods.dingtalk is not None and methods.dingtalk.app_key == "dk"
    assert methods.proxy is not None and methods.proxy.trusts("10.1.2.3") and not methods.proxy.trusts("192.168.1.9")
    assert "from-env" not in repr(methods)
    azure = {"issuer": "https://login.microsoftonline.com/t1/v2.0", "client_id": "c", "client_secret": "s",
             "discovery_url": "https://login.microsoftonline.com/t1/v2.0/.well-known/openid-configuration?appid=c"}  # fmt: skip
    oidc = read_login_methods({"oidc": azure}, (), _apps(), {}).oidc
    assert oidc is not None and oidc.discovery_url.endswith("?appid=c")


def test_unknown_keys_missing_secrets_apps_and_trusted_addresses_are_problems() -> None:
    problems = _problems({
        "oidc": {"issuer": "http://sso.example.com", "client_id": "opsbot", "client_secret": "${NOPE}", "scope": "x"},
        "wecom": {}, "dingtalk": {}, "proxy": {"header": "X-User"}, "saml": {},
    })  # fmt: skip
    text = "\n".join(problems)
    assert "auth.methods: unknown key 'saml'" in text
    assert "unknown key 'scope'; did you mean scopes?" in text
    assert "NOPE is not set" in text and "环境变量 NOPE 未设置" in text
    assert "issuer: must be an https:// URL" in text
    assert "needs the WeCom app" in text and "需要钉钉应用" in text
    assert "list the reverse proxy's addresses in trusted" in text
    assert len(problems) == 7


def test_people_may_have_an_email(tmp_path: Path) -> None:
    path = tmp_path / "opsbot.yaml"
    path.write_text("people:\n  - name: 李娜\n    email: lina@example.com\n  - name: 张伟\n", encoding="utf-8")
    config = load_config(path, {"OPSBOT_DATA_DIR": str(tmp_path)})
    assert [(p.name, p.email) for p in config.people] == [("李娜", "lina@example.com"), ("张伟", None)]


def test_problems_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "opsbot.yaml"
    path.write_text(
        "auth:\n  methods:\n    proxy:\n      header: X-User\n      trusted: [not-an-ip]\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        read_login_methods(load_located(path)["auth"]["methods"], (), _apps(), {})
    assert [p.where() for p in caught.value.config_problems] == [f"{path}:5", f"{path}:5"]
    assert "'not-an-ip' is not an address" in caught.value.text("en")
