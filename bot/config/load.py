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
from pathlib import Path
from typing import Any, cast

import yaml

from alerts.rules.load import default_rules_dir
from bot.config.auth_read import read_auth
from bot.config.delivery import read_delivery
from bot.config.llm import read_llm
from bot.config.people import read_channels, read_people, read_unlisted
from bot.config.platforms import read_platforms
from bot.config.reader import Reader
from bot.config.schema import (
    ENVIRONMENT,
    PLATFORMS,
    Config,
    ConfigError,
    ConfigProblem,
    Lang,
    ServerConfig,
    default_answer_processes,
)
from metrics.paths import data_dir
from metrics.yamlsrc import Located, load_located

__all__ = ["Config", "ConfigError", "ConfigProblem", "default_config_path", "load_config"]

SECRET_FILE = "opsbot-secret"
TOP_KEYS = (
    "server",
    "warehouse",
    "state",
    "rules",
    "language",
    "secret",
    "platforms",
    "channels",
    "people",
    "unlisted_people",
    "auth",
    "delivery",
)


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
    slack, dingtalk, wecom, web = read_platforms(doc, r)
    enabled = {p for p, on in zip(PLATFORMS, (web.enabled, slack, dingtalk, wecom), strict=True) if on}
    settings: dict[str, Any] = {
        "source": path,
        "server": server,
        "warehouse": _warehouse(doc, base, r)
        or env.get("OPSBOT_WAREHOUSE_URL")
        or str(env.get("OPSBOT_WAREHOUSE") or _data(env) / "demo.duckdb"),
        "state_url": _state_url(doc, r)
        or env.get("OPSBOT_STATE_URL")
        or f"sqlite:///{_data(env) / 'opsbot-state.sqlite'}",
        "rules_dir": _rules_dir(doc, base, r),
        "language": _language(doc, r),
        "slack": slack,
        "dingtalk": dingtalk,
        "wecom": wecom,
        "web": web,
        "channels": types.MappingProxyType(read_channels(doc, enabled, wecom, dingtalk, r)),
        "people": read_people(doc, r),
        "unlisted": read_unlisted(doc, r),
        "llm": read_llm(env),
        "auth": read_auth(doc, r),
        "delivery": read_delivery(doc, r),
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


def _warehouse(doc: Located, base: Path, r: Reader) -> str | None:
    """``warehouse: URL-or-path``, ``warehouse: {url: …}`` or ``warehouse: {path: …}`` (a DuckDB file,
    relative to the config file); None when the file names none."""
    node = doc.get("warehouse") if "warehouse" in doc else None
    if isinstance(node, Located):
        r.keys(node, ("url", "path"), "warehouse")
        if "url" in node:
            text = r.text(node, "url", "warehouse.url")
            return _warehouse_text(text, base) if text else None
        return None if "path" not in node else _warehouse_text(r.text(node, "path", "warehouse.path"), base)
    if node is None:
        return None
    return _warehouse_text(r.text(doc, "warehouse", "warehouse"), base)


def _warehouse_text(text: str | None, base: Path) -> str | None:
    if not text:
        return None
    return text if "://" in text else str(base / Path(text).expanduser())


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
