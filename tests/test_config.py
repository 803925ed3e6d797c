"""bot.config.load: opsbot.yaml over the environment over defaults; every problem at once with file:line."""

from __future__ import annotations

import base64
import os
import stat
import textwrap
from pathlib import Path

import pytest

from alerts.rules.load import default_rules_dir
from bot.config.load import Config, ConfigError, load_config
from bot.config.schema import NamedRobot, Unlisted

ROOT = Path(__file__).resolve().parent.parent
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")  # a valid 43-character EncodingAESKey


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "opsbot.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"OPSBOT_DATA_DIR": str(tmp_path / "data")}


def problems(path: Path | None, env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as e:
        load_config(path, env)
    return [str(p) for p in e.value.problems]


def test_no_file_gives_defaults(env: dict[str, str], tmp_path: Path) -> None:
    config = load_config(None, env)
    assert config.server.host == "127.0.0.1" and config.server.port == 8080
    assert config.server.public_url == "http://127.0.0.1:8080"
    assert config.warehouse == str(tmp_path / "data" / "demo.duckdb")
    assert config.state_url == f"sqlite:///{tmp_path / 'data' / 'opsbot-state.sqlite'}"
    assert config.rules_dir == default_rules_dir()
    assert config.language == "zh"
    assert config.enabled_platforms() == ("web",)
    assert config.people == () and config.warnings == ()
    assert config.destinations("web:#ops") == ("web:#ops",)


def test_environment_overrides_defaults(env: dict[str, str]) -> None:
    env |= {"OPSBOT_WAREHOUSE": "/w/x.duckdb", "OPSBOT_STATE_URL": "postgresql://u@h/db", "OPSBOT_SECRET": "s" * 32}
    config = load_config(None, env)
    assert (config.warehouse, config.state_url, config.secret) == ("/w/x.duckdb", "postgresql://u@h/db", "s" * 32)


SLACK = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "sign"}
DINGTALK_APP = {"DINGTALK_APP_KEY": "key", "DINGTALK_APP_SECRET": "secret"}
DINGTALK_ROBOT = {
    "DINGTALK_ROBOT_WEBHOOK": "https://oapi.dingtalk.com/robot/send?access_token=t",
    "DINGTALK_ROBOT_SECRET": "SEC1",
}
WECOM_APP = {"WECOM_CORP_ID": "ww1", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "s"}
WECOM_CALLBACK = {"WECOM_CORP_ID": "ww1", "WECOM_TOKEN": "tok", "WECOM_ENCODING_AES_KEY": AES_KEY}
WECOM_ROBOT = {"WECOM_ROBOT_WEBHOOK": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K1"}


@pytest.mark.parametrize(
    ("variables", "platform"),
    [
        (SLACK, "slack"),
        (DINGTALK_APP, "dingtalk"),
        (DINGTALK_ROBOT, "dingtalk"),
        (WECOM_APP, "wecom"),
        (WECOM_CALLBACK, "wecom"),
        (WECOM_ROBOT, "wecom"),
    ],
)
def test_environment_alone_enables_a_platform(env: dict[str, str], variables: dict[str, str], platform: str) -> None:
    config = load_config(None, env | variables)
    assert config.enabled_platforms() == ("web", platform)
    assert config.warnings == ()


def test_environment_values_reach_the_platform_settings(env: dict[str, str]) -> None:
    urls = {"OPSBOT_SLACK_API_URL": "http://127.0.0.1:9001/api/", "OPSBOT_WECOM_API_URL": "http://127.0.0.1:9002"}
    config = load_config(None, env | SLACK | DINGTALK_ROBOT | WECOM_APP | WECOM_CALLBACK | WECOM_ROBOT | urls)
    assert config.enabled_platforms() == ("web", "slack", "dingtalk", "wecom")
    assert config.slack is not None and config.slack.bot_token == "xoxb-1" and config.slack.signing_secret == "sign"
    assert config.slack.api_url == "http://127.0.0.1:9001/api"
    assert config.dingtalk is not None and config.dingtalk.has_robot and not config.dingtalk.has_app
    assert config.dingtalk.robot_secret == "SEC1"
    wecom = config.wecom
    assert wecom is not None and wecom.has_app and wecom.has_callback and wecom.has_robot
    assert (wecom.agent_id, wecom.robot_key, wecom.api_url) == (1000002, "K1", "http://127.0.0.1:9002")
    assert "xoxb-1" not in repr(config) and "sign" not in repr(config.slack)  # secrets stay out of logs


def test_substitutes_environment_variables_in_any_string(env: dict[str, str], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        server:
          host: ${HOST}
          public_url: https://${DOMAIN}/bot/
        warehouse: {path: "${WH}/shop.duckdb"}
        platforms:
          slack: {bot_token: "xoxb-${TOKEN_PART}", signing_secret: literal-secret}
        secret: "$${not-a-variable}-${SALT}"
        """,
    )
    env |= {"HOST": "0.0.0.0", "DOMAIN": "ops.example.com", "WH": "/data", "TOKEN_PART": "42", "SALT": "x" * 16}
    config = load_config(path, env)
    assert config.server.host == "0.0.0.0" and config.server.public_url == "https://ops.example.com/bot"
    assert config.warehouse == "/data/shop.duckdb"
    assert config.slack is not None and config.slack.bot_token == "xoxb-42"
    assert config.secret == "${not-a-variable}-" + "x" * 16


def test_file_values_win_over_environment_and_missing_fields_fall_back_to_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = write(tmp_path, "platforms:\n  slack:\n    bot_token: xoxb-file\n")
    config = load_config(path, env | SLACK)
    assert config.slack is not None and (config.slack.bot_token, config.slack.signing_secret) == ("xoxb-file", "sign")


def test_platform_with_unset_variables_is_disabled_and_enabled_false_wins(env: dict[str, str], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        platforms:
          web: {enabled: false}
          slack: {bot_token: "${MY_TOKEN}", signing_secret: "${MY_SIGNING}"}
          wecom: {enabled: false}
        """,
    )
    assert load_config(path, env | WECOM_ROBOT).enabled_platforms() == ()


def test_unset_variable_outside_platforms_is_a_problem_with_its_line(env: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  host: 127.0.0.1\n  public_url: https://${DOMAIN}\n")
    assert problems(path, env) == [f"{path}:3: DOMAIN is not set (used by server.public_url)"]


def test_partial_platform_secrets_name_what_is_missing(env: dict[str, str], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        platforms:
          slack:
            bot_token: ${SLACK_BOT_TOKEN}
            signing_secret: ${SLACK_SIGNING_SECRET}
          wecom:
            corp_id: ww1
            agent_id: 1000002
        """,
    )
    found = problems(path, env | {"SLACK_BOT_TOKEN": "xoxb-1"})
    assert found[0].startswith(
        f"{path}:3: platforms.slack: bot_token set but signing_secret (SLACK_SIGNING_SECRET is not set)"
    )
    assert found[1].startswith(f"{path}:6: platforms.wecom: corp_id, agent_id set but secret (set WECOM_SECRET or")
    assert "WeCom needs corp_id and agent_id and secret for app messages" in found[1]
    assert len(found) == 2  # corp_id alone does not also count as a half-configured callback


def test_partial_secrets_from_the_environment_alone(env: dict[str, str]) -> None:
    found = problems(None, env | {"SLACK_SIGNING_SECRET": "s", "DINGTALK_ROBOT_SECRET": "SEC1"})
    assert found == [
        "environment: platforms.slack: signing_secret set but bot_token (set SLACK_BOT_TOKEN or "
        "platforms.slack.bot_token) missing — Slack needs bot_token and signing_secret for receive and answer messages",
        "environment: platforms.dingtalk: robot_secret set but robot_webhook (set DINGTALK_ROBOT_WEBHOOK or "
        "platforms.dingtalk.robot_webhook) missing — DingTalk needs robot_webhook for the group robot",
    ]


def test_every_problem_is_reported_at_once_with_its_line(env: dict[str, str], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        server:
          prot: 8080
          port: 99999
        language: fr
        state: {url: "mysql://x"}
        rules: {dir: no-such-dir}
        platforms:
          dingtalk:
            robot_webhook: https://oapi.dingtalk.com/robot/send
          wecom:
            corp_id: ww1
            agent_id: abc
            secret: s
            token: t
            encoding_aes_key: short
          teams: {}
        channels:
          "#ops": [web:#ops]
          "web:#cs":
            - telegram:cs
        people:
          - name: 张伟
            role: supply_chian_east
          - name: 张伟
          - role: admin
          - name: 李娜
            ids: {slack: U1, qq: 123}
            may_close: maybe
          - name: 王芳
            ids: {slack: U1}
        """,
    )
    found = problems(path, env)
    lines = [int(p.split(":")[1]) for p in found]
    assert lines == sorted(lines)
    text = "\n".join(found)
    expected = {
        2: "server: unknown key 'prot'; did you mean port?",
        3: "server.port: 99999 is not a port (1-65535)",
        4: "language: 'fr' is not zh or en",
        5: "state.url: 'mysql://x' is not sqlite:///path.sqlite or postgresql://user@host/db",
        6: "rules.dir: ",
        9: "dingtalk robot_webhook has no access_token",
        12: "wecom agent_id 'abc' is not a number",
        15: "wecom encoding_aes_key is not a 43-character EncodingAESKey",
        16: "platforms: unknown key 'teams'",
        18: "channels: '#ops' is not platform:channel",
        20: "channels.web:#cs: 'telegram:cs' is not platform:chat",
        23: "role 'supply_chian_east' is not in the catalog's roles.yaml",
        24: "people: 张伟 is listed twice",
        25: "people: each entry needs a name",
        27: "people.李娜.ids: unknown key 'qq'",
        28: "people.李娜.may_close: expected true or false",
        30: "people.王芳: slack id 'U1' is also 李娜's",
    }
    for line, message in expected.items():
        assert f"{path}:{line}: {message}" in text, (line, message, text)
    assert "did you mean supply_chain_east?" in text
    assert len(found) == len(expected)


def test_problems_have_a_chinese_variant(env: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path, "language: fr\nserver: {public_url: 'https://${DOMAIN}'}\n")
    with pytest.raises(ConfigError) as e:
        load_config(path, env)
    zh = e.value.text("zh")
    assert "配置有 2 个问题" in zh and f"{path}:1: language：'fr' 不是 zh 或 en" in zh
    assert f"{path}:2: 环境变量 DOMAIN 未设置（server.public_url 用到）" in zh


def test_invalid_yaml_and_missing_file(env: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  host: [1,\n")
    assert problems(path, env)[0].startswith(f"{path}:3: invalid YAML")
    assert problems(tmp_path / "nope.yaml", env) == [f"{tmp_path / 'nope.yaml'}: configuration file not found"]


def test_channels_map_to_enabled_platforms_and_warn_about_the_rest(env: dict[str, str], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        channels:
          "web:#supply-chain": [slack:C0123ABC, wecom:robot, dingtalk:ops-group]
          "web:#cs": wecom:WangFang
        """,
    )
    config = load_config(path, env | SLACK | WECOM_CALLBACK)
    assert config.destinations("web:#supply-chain") == ("slack:C0123ABC",)
    assert config.destinations("web:#cs") == ("web:#cs",)  # no destination left → the web chat
    assert config.destinations("web:#unmapped") == ("web:#unmapped",)
    assert [str(w) for w in config.warnings] == [
        f"{path}:2: channels.web:#supply-chain: wecom:robot needs WeCom robot_webhook",
        f"{path}:2: channels.web:#supply-chain: dingtalk:ops-group skipped — DingTalk is not enabled",
        f"{path}:3: channels.web:#cs: wecom:WangFang needs WeCom corp_id, agent_id and secret",
    ]


def example(env: dict[str, str]) -> Config:
    return load_config(ROOT / "opsbot.example.yaml", env)


def test_example_file_loads_with_no_environment(env: dict[str, str]) -> None:
    config = example(env)
    assert config.enabled_platforms() == ("web",)
    assert config.warehouse == str(ROOT / "data" / "demo.duckdb")
    assert config.destinations("web:#supply-chain") == ("web:#supply-chain",)
    assert all("is not enabled" in str(w) for w in config.warnings) and config.warnings
    assert [p.name for p in config.people] == ["张伟", "李娜", "王芳"]


def test_example_owners_cover_the_demo_rules(env: dict[str, str]) -> None:
    owners = {line.split("owner:")[1].strip() for f in default_rules_dir().glob("*.yaml") for line in f.read_text().splitlines()
              if "owner: " in line and "owner: {" not in line and line.split("owner:")[1].strip()}  # fmt: skip
    assert owners and owners <= {p.name for p in example(env).people}


def test_example_with_platforms_enabled_by_environment(env: dict[str, str]) -> None:
    config = example(env | SLACK | WECOM_ROBOT | DINGTALK_ROBOT)
    assert config.enabled_platforms() == ("web", "slack", "dingtalk", "wecom")
    assert config.destinations("web:#supply-chain") == ("slack:C0123ABC", "wecom:robot", "web:#supply-chain")
    assert config.destinations("web:#douyin-ops") == ("dingtalk:ops-group", "web:#douyin-ops")


def test_person_lookup_and_mention_ids(env: dict[str, str]) -> None:
    config = example(env)
    zhang = config.person_by_platform_id("slack", "U01ZHANGWEI")
    assert zhang is not None and zhang.name == "张伟" and zhang.role == "supply_chain_east" and zhang.may_close
    assert config.person_by_platform_id("dingtalk", "13800000001") is zhang  # a quoted mobile stays text
    assert config.person_by_platform_id("web", "李娜") is config.person("李娜")
    assert config.person_by_platform_id("slack", "U999") is None
    assert config.mention_id("王芳", "wecom") == "WangFang"
    assert config.mention_id("王芳", "web") == "王芳"
    assert config.mention_id("王芳", "dingtalk") == "13800000003"
    assert config.mention_id("赵六", "slack") is None and config.mention_id("赵六", "web") == "赵六"
    wang = config.person("王芳")
    assert wang is not None and not wang.may_close and wang.role is None


def test_secret_is_generated_once_with_mode_0600_and_reused(env: dict[str, str], tmp_path: Path) -> None:
    first = load_config(None, env).secret
    secret_file = tmp_path / "data" / "opsbot-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(first) >= 32 and secret_file.read_text().strip() == first
    assert load_config(None, env).secret == first
    assert load_config(None, env | {"OPSBOT_SECRET": "from-the-environment"}).secret == "from-the-environment"


def test_no_secret_file_is_written_when_the_configuration_is_invalid(env: dict[str, str], tmp_path: Path) -> None:
    problems(write(tmp_path, "language: fr\n"), env)
    assert not (tmp_path / "data" / "opsbot-secret").exists()


def test_short_secret_is_a_warning(env: dict[str, str], tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "secret: short\n"), env)
    assert [str(w) for w in config.warnings] == [
        f"{tmp_path / 'opsbot.yaml'}:1: the action-link secret is shorter than 16 characters; anyone could guess it"
    ]


def test_a_shared_field_alone_is_still_named(env: dict[str, str]) -> None:
    assert problems(None, env | {"WECOM_CORP_ID": "ww1"}) == [
        "environment: platforms.wecom: corp_id set but agent_id (set WECOM_AGENT_ID or platforms.wecom.agent_id); "
        "secret (set WECOM_SECRET or platforms.wecom.secret) missing — WeCom needs corp_id and agent_id and secret "
        "for app messages"
    ]


def test_answer_processes_default_and_bad_values(env: dict[str, str], tmp_path: Path) -> None:
    assert load_config(None, env).server.answer_processes == max(1, len(os.sched_getaffinity(0)) - 1)
    assert load_config(write(tmp_path, "server: {answer_processes: 0}\n"), env).server.answer_processes == 0
    env["N"] = "3"
    assert load_config(write(tmp_path, "server: {answer_processes: '${N}'}\n"), env).server.answer_processes == 3
    for bad in ("-1", "two", "100"):
        found = problems(write(tmp_path, f"server:\n  answer_processes: {bad}\n"), env)
        assert len(found) == 1 and found[0].startswith(f"{tmp_path / 'opsbot.yaml'}:2: server.answer_processes: ")
        assert found[0].endswith("is not a number of processes (0-64)"), found


def test_unlisted_people_defaults_and_settings(env: dict[str, str], tmp_path: Path) -> None:
    assert load_config(None, env).unlisted == Unlisted(role=None, may_close=True, may_use=True)
    path = write(tmp_path, "unlisted_people: {role: douyin_ops, may_close: false, may_use: true}\n")
    assert load_config(path, env).unlisted == Unlisted(role="douyin_ops", may_close=False, may_use=True)
    path = write(tmp_path, "unlisted_people:\n  may_use: false\n")
    assert load_config(path, env).unlisted.may_use is False


def test_unlisted_people_problems_in_both_languages(env: dict[str, str], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        unlisted_people:
          role: douyin_opps
          may_use: no way
          can_close: false
        """,
    )
    with pytest.raises(ConfigError) as e:
        load_config(path, env)
    en, zh = e.value.text("en"), e.value.text("zh")
    assert f"{path}:2: role 'douyin_opps' is not in the catalog's roles.yaml" in en and "douyin_ops" in en
    assert f"{path}:3: unlisted_people.may_use: expected true or false" in en
    assert f"{path}:4: unlisted_people: unknown key 'can_close'" in en
    assert "unlisted_people.may_use：应为 true 或 false" in zh
    assert len(e.value.problems) == 3


def test_named_robots_enable_a_platform_and_are_checked(env: dict[str, str], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        platforms:
          dingtalk:
            robots:
              供应链群: {webhook: "https://oapi.dingtalk.com/robot/send?access_token=A", secret: SECa}
              抖音群: {webhook: "${DOUYIN_WEBHOOK}"}
          wecom:
            robots:
              cs: {webhook: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K9"}
        channels:
          "web:#supply-chain": [dingtalk:供应链群, dingtalk:抖音群, wecom:robot:cs, wecom:robot:c5, wecom:robot]
        """,
    )
    config = load_config(path, env)
    dingtalk, wecom = config.dingtalk, config.wecom
    assert dingtalk is not None and not dingtalk.has_robot and set(dingtalk.robots) == {"供应链群"}
    assert dingtalk.robot_for("供应链群") == NamedRobot("https://oapi.dingtalk.com/robot/send?access_token=A", "SECa")
    assert dingtalk.robot_for("其他群") is None
    assert wecom is not None and wecom.robot_keys() == {"cs": "K9"} and not wecom.has_robot
    assert config.channels["web:#supply-chain"] == ("dingtalk:供应链群", "wecom:robot:cs")
    warned = "\n".join(str(w) for w in config.warnings)
    assert f"{path}:5: platforms.dingtalk.robots.抖音群: left out — DOUYIN_WEBHOOK is not set" in warned
    assert "dingtalk:抖音群 skipped — DingTalk has no robot_webhook or a robot named '抖音群'" in warned
    assert "wecom:robot:c5 skipped — WeCom has no robot_webhook or a robot named 'c5'" in warned
    assert "did you mean cs?" in warned
    assert "wecom:robot needs WeCom robot_webhook" in warned
    assert len(config.warnings) == 4


def test_named_robot_problems(env: dict[str, str], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        platforms:
          dingtalk:
            robots:
              a: {webhook: "https://oapi.dingtalk.com/robot/send"}
              b: {url: "https://oapi.dingtalk.com/robot/send?access_token=B"}
              "c d": {webhook: "https://oapi.dingtalk.com/robot/send?access_token=C"}
              e: just-a-string
          wecom:
            robots:
              f: {webhook: K, secret: S}
        """,
    )
    found = "\n".join(problems(path, env))
    assert f"{path}:4: platforms.dingtalk.robots.a has no access_token" in found
    assert f"{path}:5: platforms.dingtalk.robots.b: unknown key 'url'" in found
    assert f"{path}:5: platforms.dingtalk.robots.b: webhook is missing" in found
    assert f"{path}:6: platforms.dingtalk.robots.c d: a robot's name has no spaces" in found
    assert f"{path}:7: platforms.dingtalk.robots.e: expected {{webhook: …}}" in found
    assert f"{path}:10: platforms.wecom.robots.f: unknown key 'secret'" in found
    with pytest.raises(ConfigError) as e:
        load_config(path, env)
    assert "platforms.dingtalk.robots.a 缺少 access_token" in e.value.text("zh")


def test_auth_section_defaults_settings_and_problems(env: dict[str, str], tmp_path: Path) -> None:
    defaults = load_config(None, env).auth
    assert (defaults.session_hours, defaults.login_link_minutes, dict(defaults.methods)) == (12.0, 15.0, {})
    assert defaults.secure_cookie("http://127.0.0.1:8080") is False and defaults.secure_cookie("https://x") is True
    oidc = "{issuer: https://id.example, client_id: opsbot, client_secret: s3}"
    text = f"auth:\n  session_hours: 2\n  cookie_secure: true\n  methods: {{oidc: {oidc}}}\n"
    auth = load_config(write(tmp_path, text), env).auth
    assert auth.session_hours == 2.0 and auth.secure_cookie("http://x") is True
    assert dict(auth.methods["oidc"])["issuer"] == "https://id.example"  # kept raw here, read by the login methods
    half = "auth:\n  methods: {oidc: {issuer: https://id.example}}\n"  # a method missing its keys: a config error
    assert any("auth.methods.oidc" in p and "client_id" in p for p in problems(write(tmp_path, half), env))
    bad = "auth:\n  session_hours: -1\n  login_link_minutes: soon\n  methods: [oidc]\n  cookie: true\n"
    got = problems(write(tmp_path, bad), env)
    assert len(got) == 4, got
    assert any("auth.session_hours" in p for p in got) and any("auth.login_link_minutes" in p for p in got)
    assert any("auth.methods: expected a mapping" in p for p in got)
    assert any("unknown key 'cookie'" in p and "cookie_secure" in p for p in got)
