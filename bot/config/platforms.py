"""The ``platforms:`` section of `opsbot.yaml`: each chat platform's fields from the file or the conventional
environment variables, enabled when a capability's fields are all present, with a problem naming what is
missing when only some are."""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field

from adapters.wecom.crypto import aes_key
from bot.config.aibot import read_aibot
from bot.config.reader import Reader
from bot.config.robots import ROBOT_KEYS, check_dingtalk_webhook, read_robots
from bot.config.schema import (
    PLATFORMS,
    AiBotConfig,
    CardCallbackConfig,
    DingTalkConfig,
    NamedRobot,
    SlackConfig,
    WebConfig,
    WeComConfig,
)
from metrics.yamlsrc import Located

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
EXTRA_KEYS: dict[str, tuple[str, ...]] = {
    "dingtalk": ("stream", "robots", "card_template_id", "card_robot_code", "card_callback"),
    "wecom": ("robots", "aibot"),
}  # not secrets
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
class Fields:
    """One platform's values, and where each came from: (node, key) in the file or an environment variable."""

    platform: str
    values: dict[str, str] = field(default_factory=dict)
    origin: dict[str, tuple[Located | None, str]] = field(default_factory=dict)
    unset: dict[str, tuple[str, ...]] = field(default_factory=dict)
    node: Located = field(default_factory=Located)  # platforms.<platform> (empty when only the environment)
    robots: dict[str, NamedRobot] = field(default_factory=dict)  # platforms.<platform>.robots
    aibot: AiBotConfig | None = None  # platforms.wecom.aibot

    def how_to_set(self, key: str) -> tuple[str, str]:
        var = PLATFORM_ENV[self.platform][key]
        if key in self.unset:
            names = ", ".join(self.unset[key])
            return f"{key} ({names} is not set)", f"{key}（环境变量 {names} 未设置）"
        return (
            f"{key} (set {var} or platforms.{self.platform}.{key})",
            f"{key}（设置 {var} 或 platforms.{self.platform}.{key}）",
        )


def read_platforms(
    doc: Located, r: Reader
) -> tuple[SlackConfig | None, DingTalkConfig | None, WeComConfig | None, WebConfig]:
    section = r.mapping(doc, "platforms", "platforms") or Located()
    if "platforms" in doc and isinstance(doc["platforms"], Located):
        r.keys(section, PLATFORMS, "platforms")
    web_node = r.mapping(section, "web", "platforms.web")
    web = WebConfig()
    if web_node is not None:
        r.keys(web_node, ("enabled",), "platforms.web")
        web = WebConfig(enabled=r.flag(web_node, "enabled", "platforms.web", True))
    got = {name: _fields(name, r.mapping(section, name, f"platforms.{name}"), r) for name in PLATFORM_ENV}
    slack = _slack(got["slack"], r) if got["slack"] else None
    dingtalk = _dingtalk(got["dingtalk"], r) if got["dingtalk"] else None
    wecom = _wecom(got["wecom"], r) if got["wecom"] else None
    return slack, dingtalk, wecom, web


def _fields(name: str, node: Located | None, r: Reader) -> Fields | None:
    """The platform's values when at least one capability is complete or it has named robots; None when
    disabled."""
    envs = PLATFORM_ENV[name]
    f = Fields(name)
    if node is not None:
        r.keys(node, (*envs, "enabled", *EXTRA_KEYS.get(name, ())), f"platforms.{name}")
        if node.get("enabled", True) is False:
            return None
        f.node = node
        if name in ROBOT_KEYS:
            f.robots = read_robots(node, name, r)
        if name == "wecom":
            f.aibot = read_aibot(r.mapping(node, "aibot", "platforms.wecom.aibot"), r)
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
    complete = any(all(k in f.values for k in c.needs) for c in CAPABILITIES[name])
    return f if f.robots or f.aibot or complete else None


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


def _dingtalk(f: Fields, r: Reader) -> DingTalkConfig:
    webhook = f.values.get("robot_webhook")
    if webhook is not None:
        check_dingtalk_webhook(webhook, *f.origin["robot_webhook"], r, "dingtalk robot_webhook")
    v = f.values
    stream = r.flag(f.node, "stream", "platforms.dingtalk", False)
    template = r.text(f.node, "card_template_id", "platforms.dingtalk.card_template_id")
    robot_code = r.text(f.node, "card_robot_code", "platforms.dingtalk.card_robot_code")
    if template and not (v.get("app_key") and v.get("app_secret")):
        r.problem(
            f.node, "card_template_id", "platforms.dingtalk.card_template_id: interactive cards are sent by the app "
            "robot and need app_key and app_secret", "platforms.dingtalk.card_template_id：互动卡片由应用机器人发送，"
            "需要 app_key 和 app_secret",
        )  # fmt: skip
    callback = _card_callback(f, r, template)
    if template and not stream and callback is None:
        r.problem(
            f.node, "card_template_id", "platforms.dingtalk.card_template_id: card clicks arrive through Stream mode "
            "(set stream: true) or HTTP (set card_callback)",
            "platforms.dingtalk.card_template_id：卡片点击经 Stream 模式（请设置 stream: true）"
            "或 HTTP（请设置 card_callback）回调",
            warn=True,
        )  # fmt: skip
    if robot_code and not template:
        r.problem(
            f.node, "card_robot_code", "platforms.dingtalk.card_robot_code is used only with card_template_id",
            "platforms.dingtalk.card_robot_code 只与 card_template_id 一起使用",
        )  # fmt: skip
    return DingTalkConfig(
        v.get("app_key"), v.get("app_secret"), webhook, v.get("robot_secret"), _check_url(f, r), stream,
        types.MappingProxyType(f.robots), template, robot_code, callback,
    )  # fmt: skip


CARD_CALLBACK = "platforms.dingtalk.card_callback"


def _card_callback(f: Fields, r: Reader, template: str | None) -> CardCallbackConfig | None:
    """``card_callback: {route_key, api_secret}``, both needed, and only with ``card_template_id``."""
    node = r.mapping(f.node, "card_callback", CARD_CALLBACK)
    if node is None:
        return None
    r.keys(node, ("route_key", "api_secret"), CARD_CALLBACK)
    route_key = r.text(node, "route_key", f"{CARD_CALLBACK}.route_key")
    api_secret = r.text(node, "api_secret", f"{CARD_CALLBACK}.api_secret")
    missing = [k for k, v in (("route_key", route_key), ("api_secret", api_secret)) if not v]
    if missing:
        r.problem(
            node, None, f"{CARD_CALLBACK}: {' and '.join(missing)} missing — HTTP card callbacks need route_key and "
            "api_secret", f"{CARD_CALLBACK}：缺少 {'、'.join(missing)}——HTTP 卡片回调需要 route_key 和 api_secret",
        )  # fmt: skip
        return None
    if not template:
        r.problem(
            node, None, f"{CARD_CALLBACK} is used only with card_template_id",
            f"{CARD_CALLBACK} 只与 card_template_id 一起使用",
        )  # fmt: skip
        return None
    return CardCallbackConfig(str(route_key), str(api_secret))


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
        v.get("robot_webhook"), _check_url(f, r), types.MappingProxyType(f.robots), f.aibot,
    )  # fmt: skip
