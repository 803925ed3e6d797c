"""Load opsbot's configuration: `opsbot.yaml` (optional) over the environment over defaults.

Every problem is collected and raised at once as a `ConfigError` (file:line, like the catalog loader).
`${NAME}` in any string is replaced from the environment (`$${` stays a literal `${`). An unset variable
is a problem, except inside `platforms.<name>`: there the value counts as absent, so a platform whose
variables are all unset is simply disabled (one with some of them set says what is missing).
Relative paths in the file are relative to the file's directory.
"""

from __future__ import annotations

import os
import re
import secrets
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from adapters.wecom.crypto import aes_key
from alerts.rules.load import default_rules_dir
from bot.config_schema import (
    ENVIRONMENT,
    PLATFORMS,
    Config,
    ConfigError,
    ConfigProblem,
    DingTalkConfig,
    Lang,
    Person,
    ServerConfig,
    SlackConfig,
    WebConfig,
    WeComConfig,
    default_answer_processes,
)
from metrics.catalog_load import CatalogError, Collector, load_catalog
from metrics.paths import data_dir
from metrics.problems import nearest
from metrics.yamlsrc import Located, LocatedList, load_located

__all__ = ["Config", "ConfigError", "ConfigProblem", "default_config_path", "load_config"]

SECRET_FILE = "opsbot-secret"
TOP_KEYS = ("server", "warehouse", "state", "rules", "language", "secret", "platforms", "channels", "people")
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_CHANNEL = re.compile(r"^[a-z][a-z0-9_-]*:\S.*$")

# platform → its fields and the conventional environment variable of each
PLATFORM_ENV: dict[str, dict[str, str]] = {
    "slack": {
        "bot_token": "SLACK_BOT_TOKEN",
        "signing_secret": "SLACK_SIGNING_SECRET",
        "api_url": "OPSBOT_SLACK_API_URL",
    },
    "dingtalk": {
        "app_key": "DINGTALK_APP_KEY",
        "app_secret": "DINGTALK_APP_SECRET",
        "robot_webhook": "DINGTALK_ROBOT_WEBHOOK",
        "robot_secret": "DINGTALK_ROBOT_SECRET",
        "api_url": "OPSBOT_DINGTALK_API_URL",
    },
    "wecom": {
        "corp_id": "WECOM_CORP_ID",
        "agent_id": "WECOM_AGENT_ID",
        "secret": "WECOM_SECRET",
        "token": "WECOM_TOKEN",
        "encoding_aes_key": "WECOM_ENCODING_AES_KEY",
        "robot_webhook": "WECOM_ROBOT_WEBHOOK",
        "api_url": "OPSBOT_WECOM_API_URL",
    },
}
EXTRA_KEYS: dict[str, tuple[str, ...]] = {"dingtalk": ("stream",)}  # platform switches that are not secrets
LABEL = {"web": "web chat", "slack": "Slack", "dingtalk": "DingTalk", "wecom": "WeCom"}


@dataclass(frozen=True)
class Capability:
    en: str
    zh: str
    needs: tuple[str, ...]
    optional: tuple[str, ...] = ()


CAPABILITIES: dict[str, tuple[Capability, ...]] = {
    "slack": (Capability("receive and answer messages", "收发消息", ("bot_token", "signing_secret")),),
    "dingtalk": (
        Capability("app callbacks", "应用回调", ("app_key", "app_secret")),
        Capability("the group robot", "群机器人", ("robot_webhook",), ("robot_secret",)),
    ),
    "wecom": (
        Capability("app messages", "应用消息", ("corp_id", "agent_id", "secret")),
        Capability("app callbacks", "应用回调", ("corp_id", "token", "encoding_aes_key")),
        Capability("the group robot", "群机器人", ("robot_webhook",)),
    ),
}


@dataclass
class Reader:
    """Reads values out of the located YAML, substituting ${VARS} and collecting problems."""

    env: Mapping[str, str]
    file: str
    out: Collector = field(default_factory=Collector)
    warnings: list[ConfigProblem] = field(default_factory=list)

    def problem(
        self, where: Located | LocatedList | None, key: str | None, en: str, zh: str, warn: bool = False
    ) -> None:
        if where is None:
            item = ConfigProblem(ENVIRONMENT if self.file == ENVIRONMENT else self.file, 0, en, zh)
        else:
            line = where.line_of(key) if isinstance(where, Located) and key is not None else where.line
            item = ConfigProblem(where.file, line, en, zh)
        (self.warnings if warn else self.out.problems).append(item)

    def at_item(self, items: LocatedList, i: int, en: str, zh: str, warn: bool = False) -> None:
        item = ConfigProblem(items.file, items.item_lines[i], en, zh)
        (self.warnings if warn else self.out.problems).append(item)

    def substitute(self, text: str) -> tuple[str, tuple[str, ...]]:
        missing: list[str] = []

        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name is None:
                return "$"
            if name in self.env:
                return self.env[name]
            missing.append(name)
            return ""

        return _VAR.sub(one, text), tuple(missing)

    def soft(self, node: Located, key: str, path: str) -> tuple[str | None, tuple[str, ...]]:
        """The text at ``key`` (None when absent or empty) and the unset variables it refers to."""
        raw = node.get(key)
        if raw is None:
            return None, ()
        if isinstance(raw, dict | list | bool):
            self.problem(node, key, f"{path}: expected text, got {raw!r}", f"{path}：应为文本，实际是 {raw!r}")
            return None, ()
        value, missing = self.substitute(str(raw))
        return (None if missing or not value.strip() else value.strip()), missing

    def text(self, node: Located, key: str, path: str) -> str | None:
        value, missing = self.soft(node, key, path)
        for name in missing:
            self.problem(node, key, f"{name} is not set (used by {path})", f"环境变量 {name} 未设置（{path} 用到）")
        return value

    def mapping(self, node: Located, key: str, path: str) -> Located | None:
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, Located):
            self.problem(node, key, f"{path}: expected a mapping", f"{path}：应为键值映射")
            return None
        return value

    def keys(self, node: Located, allowed: tuple[str, ...], path: str) -> None:
        for key in node:
            if key not in allowed:
                hint = nearest(key, allowed, 1)
                also = f"; did you mean {hint[0]}?" if hint else f"; known: {', '.join(allowed)}"
                zh_also = f"；你是不是想写 {hint[0]}？" if hint else f"；可用：{'、'.join(allowed)}"
                self.problem(node, key, f"{path}: unknown key {key!r}{also}", f"{path}：未知的键 {key!r}{zh_also}")


def default_config_path(env: Mapping[str, str] = os.environ) -> Path | None:
    """$OPSBOT_CONFIG, else ./opsbot.yaml when it exists, else None (defaults and environment only)."""
    explicit = env.get("OPSBOT_CONFIG")
    if explicit:
        return Path(explicit)
    here = Path("opsbot.yaml")
    return here if here.is_file() else None


def load_config(path: Path | None, env: Mapping[str, str] = os.environ) -> Config:
    """The configuration from ``path`` (None: no file) and ``env``; raise ConfigError listing every problem."""
    r = Reader(env, str(path) if path is not None else ENVIRONMENT)
    doc = _read_file(path, r) if path is not None else Located()
    if not isinstance(doc, Located):
        doc = _empty(doc, path, r)
    r.keys(doc, TOP_KEYS, "opsbot.yaml")
    base = path.parent if path is not None else Path(".")
    server = _server(doc, r)
    slack, dingtalk, wecom, web = _platforms(doc, r)
    enabled = {p for p, on in zip(PLATFORMS, (web.enabled, slack, dingtalk, wecom), strict=True) if on}
    settings: dict[str, Any] = {
        "source": path,
        "server": server,
        "warehouse": _path(doc, "warehouse", "path", base, r)
        or Path(env.get("OPSBOT_WAREHOUSE") or _data(env) / "demo.duckdb"),
        "state_url": _state_url(doc, r)
        or env.get("OPSBOT_STATE_URL")
        or f"sqlite:///{_data(env) / 'opsbot-state.sqlite'}",
        "rules_dir": _rules_dir(doc, base, r),
        "language": _language(doc, r),
        "slack": slack,
        "dingtalk": dingtalk,
        "wecom": wecom,
        "web": web,
        "channels": types.MappingProxyType(_channels(doc, enabled, wecom, dingtalk, r)),
        "people": _people(doc, r),
    }
    explicit_secret = r.text(doc, "secret", "secret") if "secret" in doc else None
    if r.out.problems:
        raise ConfigError(cast(list[ConfigProblem], sorted(r.out.problems, key=lambda p: (p.file, p.line))))
    secret = _secret(explicit_secret, doc, env, r)
    return Config(secret=secret, warnings=tuple(r.warnings), **settings)


def _read_file(path: Path, r: Reader) -> Any:
    if not path.is_file():
        r.problem(None, None, "configuration file not found", "找不到配置文件")
        raise ConfigError(cast(list[ConfigProblem], r.out.problems))
    try:
        return load_located(path)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        what = getattr(e, "problem", None) or e
        raise ConfigError([ConfigProblem(str(path), line, f"invalid YAML: {what}", f"YAML 格式错误：{what}")]) from e


def _empty(doc: Any, path: Path | None, r: Reader) -> Located:
    if doc is not None:
        r.out.problems.append(ConfigProblem(str(path), 1, "expected a mapping of sections", "应为各配置段的映射"))
    empty = Located()
    empty.file, empty.line, empty.key_lines = str(path), 1, {}
    return empty


def _data(env: Mapping[str, str]) -> Path:
    return Path(env["OPSBOT_DATA_DIR"]) if env.get("OPSBOT_DATA_DIR") else data_dir()


def _server(doc: Located, r: Reader) -> ServerConfig:
    node = r.mapping(doc, "server", "server")
    if node is None:
        return ServerConfig()
    r.keys(node, ("host", "port", "public_url", "answer_processes"), "server")
    host = r.text(node, "host", "server.host") or "127.0.0.1"
    port = node.get("port", 8080)
    if isinstance(port, str):
        port = r.substitute(port)[0]
    if not str(port).isdigit() or not 1 <= int(port) <= 65535:
        r.problem(
            node,
            "port",
            f"server.port: {port!r} is not a port (1-65535)",
            f"server.port：{port!r} 不是端口号（1-65535）",
        )
        port = 8080
    public_url = r.text(node, "public_url", "server.public_url")
    if public_url is not None and not re.match(r"^https?://[^/\s]+", public_url):
        r.problem(
            node, "public_url", f"server.public_url: {public_url!r} is not an http(s) URL",
            f"server.public_url：{public_url!r} 不是 http(s) 地址",
        )  # fmt: skip
    if public_url is None and host in ("0.0.0.0", "::"):
        r.problem(
            node, "host", f"server.public_url is not set and host {host} is not an address people can open; "
            "action links will not work", f"未设置 server.public_url，而 {host} 不是可访问的地址，操作链接将无法打开",
            warn=True,
        )  # fmt: skip
    url = (public_url or f"http://{host}:{int(port)}").rstrip("/")
    processes = node.get("answer_processes", default_answer_processes())
    if isinstance(processes, str):
        processes = r.substitute(processes)[0]
    if not str(processes).isdigit() or int(processes) > 64:
        r.problem(
            node, "answer_processes", f"server.answer_processes: {processes!r} is not a number of processes (0-64)",
            f"server.answer_processes：{processes!r} 不是进程数（0-64）",
        )  # fmt: skip
        processes = default_answer_processes()
    return ServerConfig(host=host, port=int(port), public_url=url, answer_processes=int(processes))


def _section_value(doc: Located, section: str, key: str, r: Reader) -> tuple[Located, str] | None:
    """``section: value`` or ``section: {key: value}`` → (node, key) holding the value."""
    if section not in doc:
        return None
    node = doc[section]
    if isinstance(node, Located):
        r.keys(node, (key,), section)
        return (node, key) if key in node else None
    return doc, section


def _path(doc: Located, section: str, key: str, base: Path, r: Reader) -> Path | None:
    found = _section_value(doc, section, key, r)
    if found is None:
        return None
    text = r.text(found[0], found[1], f"{section}.{key}")
    return (base / Path(text).expanduser()) if text else None


def _state_url(doc: Located, r: Reader) -> str | None:
    found = _section_value(doc, "state", "url", r)
    if found is None:
        return None
    url = r.text(found[0], found[1], "state.url")
    if url is not None and not re.match(r"^(sqlite|postgresql)(\+\w+)?://", url):
        r.problem(
            found[0], found[1], f"state.url: {url!r} is not sqlite:///path.sqlite or postgresql://user@host/db",
            f"state.url：{url!r} 不是 sqlite:///文件.sqlite 或 postgresql://用户@主机/数据库",
        )  # fmt: skip
    return url


def _rules_dir(doc: Located, base: Path, r: Reader) -> Path:
    directory = _path(doc, "rules", "dir", base, r)
    if directory is None:
        return default_rules_dir()
    if not directory.is_dir():
        node, key = cast(tuple[Located, str], _section_value(doc, "rules", "dir", r))
        r.problem(node, key, f"rules.dir: {directory} is not a directory", f"rules.dir：{directory} 不是目录")
    return directory


def _language(doc: Located, r: Reader) -> Lang:
    if "language" not in doc:
        lang = r.env.get("OPSBOT_LANG", "").lower()
        return "en" if lang.startswith("en") else "zh"
    value = r.text(doc, "language", "language")
    if value not in ("zh", "en"):
        r.problem(doc, "language", f"language: {value!r} is not zh or en", f"language：{value!r} 不是 zh 或 en")
        return "zh"
    return cast(Lang, value)


def _secret(explicit: str | None, doc: Located, env: Mapping[str, str], r: Reader) -> str:
    """secret: in the file, else $OPSBOT_SECRET, else <data dir>/opsbot-secret (created 0600 on first use)."""
    value = explicit or env.get("OPSBOT_SECRET")
    if value:
        if len(value) < 16:
            where = doc if explicit else None
            r.problem(
                where, "secret", "the action-link secret is shorter than 16 characters; anyone could guess it",
                "操作链接密钥少于 16 个字符，容易被猜出", warn=True,
            )  # fmt: skip
        return value
    return _secret_file(_data(env) / SECRET_FILE)


def _secret_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or _write_secret(path, replace=True)
    except FileNotFoundError:
        return _write_secret(path, replace=False)


def _write_secret(path: Path, *, replace: bool) -> str:
    value = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
    os.chmod(path, 0o600)
    return value


# ---- platforms ----------------------------------------------------------------------------------------------------


@dataclass
class Fields:
    """One platform's values, and where each came from: (node, key) in the file or an environment variable."""

    platform: str
    values: dict[str, str] = field(default_factory=dict)
    origin: dict[str, tuple[Located | None, str]] = field(default_factory=dict)
    unset: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def how_to_set(self, key: str) -> tuple[str, str]:
        var = PLATFORM_ENV[self.platform][key]
        if key in self.unset:
            names = ", ".join(self.unset[key])
            return f"{key} ({names} is not set)", f"{key}（环境变量 {names} 未设置）"
        return (
            f"{key} (set {var} or platforms.{self.platform}.{key})",
            f"{key}（设置 {var} 或 platforms.{self.platform}.{key}）",
        )


def _platforms(
    doc: Located, r: Reader
) -> tuple[SlackConfig | None, DingTalkConfig | None, WeComConfig | None, WebConfig]:
    section = r.mapping(doc, "platforms", "platforms") or Located()
    if "platforms" in doc and isinstance(doc["platforms"], Located):
        r.keys(section, PLATFORMS, "platforms")
    web_node = r.mapping(section, "web", "platforms.web")
    web = WebConfig()
    if web_node is not None:
        r.keys(web_node, ("enabled",), "platforms.web")
        enabled = web_node.get("enabled", True)
        if not isinstance(enabled, bool):
            r.problem(
                web_node,
                "enabled",
                "platforms.web.enabled: expected true or false",
                "platforms.web.enabled：应为 true 或 false",
            )
        web = WebConfig(enabled=enabled is not False)
    got = {name: _fields(name, r.mapping(section, name, f"platforms.{name}"), r) for name in PLATFORM_ENV}
    slack = _slack(got["slack"], r) if got["slack"] else None
    dingtalk = _dingtalk(got["dingtalk"], r, _flag(section, "dingtalk", "stream", r)) if got["dingtalk"] else None
    wecom = _wecom(got["wecom"], r) if got["wecom"] else None
    return slack, dingtalk, wecom, web


def _flag(section: Located, platform: str, key: str, r: Reader) -> bool:
    """``platforms.<platform>.<key>``: true or false (absent: false)."""
    node = section.get(platform)
    if not isinstance(node, Located) or key not in node:
        return False
    value = node[key]
    if not isinstance(value, bool):
        r.problem(
            node, key, f"platforms.{platform}.{key}: expected true or false",
            f"platforms.{platform}.{key}：应为 true 或 false",
        )  # fmt: skip
        return False
    return value


def _fields(name: str, node: Located | None, r: Reader) -> Fields | None:
    """The platform's values when at least one capability is complete; None when disabled."""
    envs = PLATFORM_ENV[name]
    if node is not None:
        r.keys(node, (*envs, "enabled", *EXTRA_KEYS.get(name, ())), f"platforms.{name}")
        if node.get("enabled", True) is False:
            return None
    f = Fields(name)
    for key, var in envs.items():
        if node is not None and key in node:
            value, unset = r.soft(node, key, f"platforms.{name}.{key}")
            if unset:
                f.unset[key] = unset
            if value is not None:
                f.values[key], f.origin[key] = value, (node, key)
        elif r.env.get(var, "").strip():
            f.values[key], f.origin[key] = r.env[var].strip(), (None, var)
    _check_capabilities(f, r)
    if "robot_secret" in f.unset and "robot_webhook" in f.values:
        node_, key_ = f.origin["robot_webhook"]
        r.problem(
            node_, key_, f"platforms.{name}.robot_secret: {', '.join(f.unset['robot_secret'])} is not set; "
            "the robot will post unsigned", f"platforms.{name}.robot_secret：环境变量未设置，机器人将不加签发送",
            warn=True,
        )  # fmt: skip
    return f if any(all(k in f.values for k in c.needs) for c in CAPABILITIES[name]) else None


def _check_capabilities(f: Fields, r: Reader) -> None:
    """A capability with some of its own fields set but not all of its needs is a problem; a field shared by
    several capabilities (WeCom's corp_id) counts only when no capability that uses it is complete."""
    caps = CAPABILITIES[f.platform]
    fields_of = {c.en: (*c.needs, *c.optional) for c in caps}
    complete = [c for c in caps if all(k in f.values for k in c.needs)]
    used = {k for c in complete for k in fields_of[c.en]}
    reported = False
    for cap in caps:
        shared = {k for c in caps if c is not cap for k in fields_of[c.en]}
        present = [k for k in fields_of[cap.en] if k in f.values]
        missing = [k for k in cap.needs if k not in f.values]
        if missing and any(k not in shared for k in present):
            _partial(f, cap, present, missing, r)
            reported = True
    leftover = [k for k in f.values if k != "api_url" and k not in used]
    if leftover and not complete and not reported:  # only shared fields set: name the first capability using them
        cap = next(c for c in caps if leftover[0] in fields_of[c.en])
        _partial(
            f, cap, [k for k in fields_of[cap.en] if k in f.values], [k for k in cap.needs if k not in f.values], r
        )


def _partial(f: Fields, cap: Capability, present: list[str], missing: list[str], r: Reader) -> None:
    node, key = f.origin[present[0]]
    label, need = LABEL[f.platform], " and ".join(cap.needs)
    en_missing, zh_missing = zip(*(f.how_to_set(k) for k in missing), strict=True)
    r.problem(
        node, key,
        f"platforms.{f.platform}: {', '.join(present)} set but {'; '.join(en_missing)} missing — "
        f"{label} needs {need} for {cap.en}",
        f"platforms.{f.platform}：已设置 {'、'.join(present)}，但缺少 {'；'.join(zh_missing)}——"
        f"{label} 的{cap.zh}需要 {'、'.join(cap.needs)}",
    )  # fmt: skip


def _check_url(f: Fields, r: Reader) -> str | None:
    url = f.values.get("api_url")
    if url is not None and not re.match(r"^https?://[^/\s]+", url):
        node, key = f.origin["api_url"]
        r.problem(
            node,
            key,
            f"{f.platform} api_url {url!r} is not an http(s) URL",
            f"{f.platform} 的 api_url {url!r} 不是 http(s) 地址",
        )
    return url.rstrip("/") if url else None


def _slack(f: Fields, r: Reader) -> SlackConfig:
    return SlackConfig(f.values["bot_token"], f.values["signing_secret"], _check_url(f, r))


def _dingtalk(f: Fields, r: Reader, stream: bool = False) -> DingTalkConfig:
    webhook = f.values.get("robot_webhook")
    if webhook is not None and "access_token=" not in webhook:
        node, key = f.origin["robot_webhook"]
        r.problem(
            node, key, "dingtalk robot_webhook has no access_token (expected https://oapi.dingtalk.com/robot/send?access_token=…)",
            "钉钉 robot_webhook 缺少 access_token（应为 https://oapi.dingtalk.com/robot/send?access_token=…）",
        )  # fmt: skip
    v = f.values
    return DingTalkConfig(
        v.get("app_key"), v.get("app_secret"), webhook, v.get("robot_secret"), _check_url(f, r), stream
    )


def _wecom(f: Fields, r: Reader) -> WeComConfig:
    v = f.values
    agent_id: int | None = None
    if "agent_id" in v:
        if v["agent_id"].isdigit():
            agent_id = int(v["agent_id"])
        else:
            node, key = f.origin["agent_id"]
            r.problem(
                node,
                key,
                f"wecom agent_id {v['agent_id']!r} is not a number",
                f"企业微信 agent_id {v['agent_id']!r} 不是数字",
            )
    if "encoding_aes_key" in v:
        try:
            aes_key(v["encoding_aes_key"])
        except ValueError:
            node, key = f.origin["encoding_aes_key"]
            r.problem(
                node, key, "wecom encoding_aes_key is not a 43-character EncodingAESKey",
                "企业微信 encoding_aes_key 不是 43 位的 EncodingAESKey",
            )  # fmt: skip
    return WeComConfig(
        v.get("corp_id"), agent_id, v.get("secret"), v.get("token"), v.get("encoding_aes_key"),
        v.get("robot_webhook"), _check_url(f, r),
    )  # fmt: skip


# ---- channels and people ------------------------------------------------------------------------------------------


def _channels(
    doc: Located, enabled: set[str], wecom: WeComConfig | None, dingtalk: DingTalkConfig | None, r: Reader
) -> dict[str, tuple[str, ...]]:
    node = r.mapping(doc, "channels", "channels")
    if node is None:
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for logical, raw in node.items():
        if not _CHANNEL.match(logical):
            r.problem(
                node, logical, f'channels: {logical!r} is not platform:channel, e.g. "web:#ops"',
                f'channels：{logical!r} 不是 平台:频道 的形式，例如 "web:#ops"',
            )  # fmt: skip
            continue
        values = list(raw) if isinstance(raw, list) else [raw]
        kept: list[str] = []
        for i, value in enumerate(values):
            dest = r.substitute(str(value))[0].strip() if value is not None else ""
            report = _Report(r, node, logical, raw if isinstance(raw, LocatedList) else None, i)
            if _destination_ok(logical, dest, enabled, wecom, dingtalk, report):
                kept.append(dest)
        result[logical] = tuple(dict.fromkeys(kept))
    return result


@dataclass(frozen=True)
class _Report:
    """Reports a problem at one destination of a channel (its list item's line, else the channel's)."""

    r: Reader
    node: Located
    key: str
    items: LocatedList | None
    index: int

    def __call__(self, en: str, zh: str, warn: bool = False) -> None:
        if self.items is not None:
            self.r.at_item(self.items, self.index, en, zh, warn)
        else:
            self.r.problem(self.node, self.key, en, zh, warn)


def _destination_ok(
    logical: str,
    dest: str,
    enabled: set[str],
    wecom: WeComConfig | None,
    dingtalk: DingTalkConfig | None,
    report: _Report,
) -> bool:
    platform, sep, chat = dest.partition(":")
    if not sep or not chat.strip() or platform not in PLATFORMS:
        report(
            f"channels.{logical}: {dest!r} is not platform:chat with platform one of {', '.join(PLATFORMS)}",
            f"channels.{logical}：{dest!r} 不是 平台:群 的形式（平台为 {'、'.join(PLATFORMS)} 之一）",
        )
        return False
    if platform not in enabled:
        report(
            f"channels.{logical}: {dest} skipped — {LABEL[platform]} is not enabled",
            f"channels.{logical}：已跳过 {dest}——{LABEL[platform]} 未启用", True,
        )  # fmt: skip
        return False
    needs_robot = (platform == "wecom" and chat == "robot" and wecom is not None and not wecom.has_robot) or (
        platform == "dingtalk" and dingtalk is not None and not dingtalk.has_robot
    )
    needs_app = platform == "wecom" and chat != "robot" and wecom is not None and not wecom.has_app
    if needs_robot or needs_app:
        what = "robot_webhook" if needs_robot else "corp_id, agent_id and secret"
        report(
            f"channels.{logical}: {dest} needs {LABEL[platform]} {what}",
            f"channels.{logical}：{dest} 需要 {LABEL[platform]} 的 {what}",
            True,
        )
        return False
    return True


def _people(doc: Located, r: Reader) -> tuple[Person, ...]:
    raw = doc.get("people")
    if raw is None:
        return ()
    if not isinstance(raw, LocatedList):
        r.problem(
            doc,
            "people",
            "people: expected a list of {name, role, ids, may_close}",
            "people：应为 {name, role, ids, may_close} 的列表",
        )
        return ()
    people: list[Person] = []
    roles: list[tuple[Located, str]] = []
    for i, node in enumerate(raw):
        if not isinstance(node, Located) or not isinstance(node.get("name"), str) or not node["name"].strip():
            r.at_item(raw, i, "people: each entry needs a name", "people：每一项都需要 name")
            continue
        person = _person(node, r)
        if any(p.name == person.name for p in people):
            r.problem(node, "name", f"people: {person.name} is listed twice", f"people：{person.name} 重复出现")
            continue
        _check_ids(person, people, node, r)
        people.append(person)
        if person.role is not None:
            roles.append((node, person.role))
    _check_roles(roles, r)
    return tuple(people)


def _person(node: Located, r: Reader) -> Person:
    name = str(node["name"]).strip()
    r.keys(node, ("name", "role", "ids", "may_close"), f"people.{name}")
    ids: dict[str, str] = {}
    ids_node = r.mapping(node, "ids", f"people.{name}.ids")
    if ids_node is not None:
        r.keys(ids_node, PLATFORMS, f"people.{name}.ids")
        for platform in PLATFORMS:
            if platform in ids_node and not isinstance(ids_node[platform], dict | list):
                value = r.text(ids_node, platform, f"people.{name}.ids.{platform}")
                if value:
                    ids[platform] = value
    may_close = node.get("may_close", True)
    if not isinstance(may_close, bool):
        r.problem(
            node,
            "may_close",
            f"people.{name}.may_close: expected true or false",
            f"people.{name}.may_close：应为 true 或 false",
        )
    role = r.text(node, "role", f"people.{name}.role") if "role" in node else None
    return Person(name=name, role=role, ids=types.MappingProxyType(ids), may_close=may_close is not False)


def _check_ids(person: Person, earlier: list[Person], node: Located, r: Reader) -> None:
    for platform in PLATFORMS:
        mine = person.id_on(platform)
        other = next((p for p in earlier if mine is not None and p.id_on(platform) == mine), None)
        if other is not None:
            r.problem(
                node, "ids", f"people.{person.name}: {platform} id {mine!r} is also {other.name}'s",
                f"people.{person.name}：{platform} 账号 {mine!r} 与 {other.name} 的相同",
            )  # fmt: skip


def _check_roles(roles: list[tuple[Located, str]], r: Reader) -> None:
    if not roles:
        return
    try:
        catalog = load_catalog(Path(r.env["OPSBOT_CATALOG"]) if r.env.get("OPSBOT_CATALOG") else None)
    except CatalogError:
        node = roles[0][0]
        r.problem(node, "role", "cannot check roles: the metric catalog is invalid", "无法检查角色：指标目录有错误")
        return
    known = sorted(catalog.roles)
    for node, role in roles:
        if role not in catalog.roles:
            hint = nearest(role, known, 1)
            r.problem(
                node, "role", f"role {role!r} is not in the catalog's roles.yaml (known: {', '.join(known)})"
                + (f"; did you mean {hint[0]}?" if hint else ""),
                f"角色 {role!r} 不在指标目录的 roles.yaml 中（可用：{'、'.join(known)}）"
                + (f"；你是不是想写 {hint[0]}？" if hint else ""),
            )  # fmt: skip
