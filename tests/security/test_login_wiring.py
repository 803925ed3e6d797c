"""The login methods inside the running bot: ``auth.methods`` in opsbot.yaml is checked when the configuration is
read, the login page offers each configured method, and behind a trusted proxy a browser without a session is
logged in as the person the proxy names — and only from the trusted address."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.config.load import load_config
from bot.config.schema import ConfigError
from tests.live_bot import bot_env, live_bot, write_config

PEOPLE = """
language: zh
people:
  - name: 张伟
  - name: 李娜
"""


def test_a_bad_login_method_is_a_config_error_with_its_line(tmp_path: Path, small_db: Path) -> None:
    path = write_config(tmp_path, PEOPLE + "auth:\n  methods:\n    oidc: {issuer: 'https://id.example.com'}\n")
    with pytest.raises(ConfigError) as e:
        load_config(path, bot_env(tmp_path, small_db))
    assert "auth.methods.oidc" in e.value.text("en") and "client_id" in e.value.text("en")


def test_behind_a_trusted_proxy_the_named_person_is_logged_in(tmp_path: Path, small_db: Path) -> None:
    proxied = PEOPLE + "auth:\n  methods:\n    proxy: {header: X-Forwarded-User, trusted: ['127.0.0.1']}\n"
    with live_bot(write_config(tmp_path, proxied), bot_env(tmp_path, small_db)) as bot:
        page = httpx.get(f"{bot.url}/auth/login")
        assert 'data-testid="login-proxy"' in page.text  # the login page offers the configured method
        with httpx.Client(base_url=bot.url, headers={"X-Forwarded-User": "李娜".encode()}) as browser:
            landed = browser.get("/", follow_redirects=True)
            assert landed.status_code == 200 and str(landed.url).rstrip("/") == bot.url
            me = browser.get("/auth/me").json()
        assert (me["person"], me["method"]) == ("李娜", "proxy")
        with httpx.Client(base_url=bot.url) as stranger:  # no header: not logged in, not let through
            refused = stranger.get("/", follow_redirects=True)
            assert refused.status_code == 403
            assert stranger.get("/web/api/messages", params={"chat": "#general"}).status_code == 401
        with httpx.Client(base_url=bot.url, headers={"X-Forwarded-User": "王五".encode()}) as unknown:
            assert unknown.get("/", follow_redirects=True).status_code == 403  # not in people:


def test_without_login_methods_the_page_offers_only_the_password(tmp_path: Path, small_db: Path) -> None:
    with live_bot(write_config(tmp_path, PEOPLE), bot_env(tmp_path, small_db)) as bot:
        page = httpx.get(f"{bot.url}/", follow_redirects=True)
    assert 'data-testid="login-form"' in page.text and "login-methods" not in page.text
