"""`opsbot users` and `opsbot tokens` through the command line (in process: a subprocess per command would take
seconds each), checked against the bot's own auth service."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from alerts.tickets.store import open_store
from bot.auth.service import AuthService
from bot.cli import cli
from bot.config.load import load_config
from tests.live_bot import write_config

CONFIG = """
language: en
people:
  - name: 张伟
  - name: 李娜
unlisted_people: {may_use: false}
"""


def opsbot(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    got = CliRunner(env=env).invoke(cli, list(args), input=stdin, prog_name="opsbot")
    return subprocess.CompletedProcess(args, got.exit_code, got.stdout, got.stderr)


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    config = write_config(tmp_path, CONFIG)
    return {"OPSBOT_CONFIG": str(config), "OPSBOT_DATA_DIR": str(tmp_path / "data"), "OPSBOT_LANG": "en"}


def service(env: dict[str, str]) -> AuthService:
    config = load_config(Path(env["OPSBOT_CONFIG"]), env)
    return AuthService(open_store(config.state_url).engine, config, lambda: dt.datetime.now(dt.UTC))


def test_users_add_list_passwd_disable(env: dict[str, str]) -> None:
    got = opsbot(env, "users", "add", "张伟", "--admin", "--password-stdin", stdin="first password\n")
    assert got.returncode == 0 and "added 张伟 (admin)" in got.stdout, got.stderr
    again = opsbot(env, "users", "add", "张伟", "--password-stdin", stdin="x\n")
    assert again.returncode == 2 and "already has an account" in again.stderr
    weak = opsbot(env, "users", "add", "李娜", "--password-stdin", stdin="short\n")
    assert weak.returncode == 2 and "at least 8 characters" in weak.stderr
    stranger = opsbot(env, "users", "add", "路人甲", "--no-password")
    assert stranger.returncode == 0 and "not in people:" in stranger.stderr and "refused" in stranger.stderr

    listed = opsbot(env, "users", "list").stdout
    assert "张伟\tadmin,password" in listed and "路人甲\t-" in listed
    auth = service(env)
    assert auth.password_login("张伟", "first password") is not None
    stored = auth.accounts.engine.connect().exec_driver_sql("SELECT password_hash FROM auth_accounts").scalars()
    assert all(h is None or h.startswith("$argon2id$") for h in stored)  # never the password itself

    sid, _ = auth.password_login("张伟", "first password") or ("", None)
    assert opsbot(env, "users", "passwd", "张伟", "--password-stdin", stdin="second password\n").returncode == 0
    assert auth.password_login("张伟", "first password") is None
    assert auth.from_session(sid) is None  # a new password ends the old sessions
    assert auth.password_login("张伟", "second password") is not None

    assert opsbot(env, "users", "disable", "张伟").returncode == 0
    assert auth.password_login("张伟", "second password") is None
    assert "disabled" in opsbot(env, "users", "list").stdout


def test_tokens_create_list_revoke(env: dict[str, str]) -> None:
    made = opsbot(env, "tokens", "create", "--for", "李娜", "--label", "dashboard")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("opsbot_")
    auth = service(env)
    who = auth.from_token(token)
    assert who is not None and who.person == "李娜" and who.method == "token"
    token_id = token.split("_")[1]
    listed = opsbot(env, "tokens", "list").stdout
    assert f"{token_id}\t李娜\tdashboard" in listed and token not in listed  # the secret is never shown again
    assert auth.from_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert opsbot(env, "tokens", "revoke", token_id).returncode == 0
    assert auth.from_token(token) is None
    assert "revoked" in opsbot(env, "tokens", "list", "--for", "李娜").stdout
    gone = opsbot(env, "tokens", "revoke", token_id)
    assert gone.returncode == 2 and "no live token" in gone.stderr
