"""What `opsbot.yaml` turns into: frozen settings, and the problems found while reading it (file:line, en + zh)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from adapters.wecom.chats import webhook_key, webhook_target, wecom_robot_name
from bot.config.auth import AuthConfig
from bot.config.llm import LlmSettings
from metrics.catalog.load import CatalogError
from metrics.file_problems import FileProblem

Lang = Literal["zh", "en"]
PLATFORMS = ("web", "slack", "dingtalk", "wecom")
ENVIRONMENT = "environment"  # the "file" of a problem that comes from environment variables alone


@dataclass(frozen=True)
class ConfigProblem(FileProblem):
    """A problem in the configuration; line 0 means "no line" (the environment, a whole file)."""

    zh: str = ""

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line > 0 else self.file

    def text(self, lang: str = "en") -> str:
        return f"{self.where()}: {self.zh if lang == 'zh' and self.zh else self.message}"

    def __str__(self) -> str:
        return self.text("en")


class ConfigError(CatalogError):
    """The configuration is invalid; ``problems`` lists every problem found (file:line: message)."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        super().__init__(list[FileProblem](problems))
        self.config_problems: tuple[ConfigProblem, ...] = tuple(problems)

    def text(self, lang: str = "en") -> str:
        n = len(self.config_problems)
        head = f"配置有 {n} 个问题：" if lang == "zh" else f"the configuration has {n} problem(s):"
        return "\n".join([head, *(f"  {p.text(lang)}" for p in self.config_problems)])


def default_answer_processes() -> int:
    """One per CPU core this process may use but one, which is left to the server (acks, replies); at least 1.
    More would make the webhooks wait for the CPU (nice does not keep them out of the way)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 2
    return max(1, cores - 1)


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"  # no trailing slash; the base of signed action links
    answer_processes: int = field(default_factory=default_answer_processes)  # 0: answers in the server process


@dataclass(frozen=True)
class SlackConfig:
    """For ``SlackAdapter(bot_token, base_url=api_url)`` and request verification with ``signing_secret``."""

    bot_token: str = field(repr=False)
    signing_secret: str = field(repr=False)
    api_url: str | None = None


@dataclass(frozen=True)
class NamedRobot:
    """One group robot of ``platforms.<platform>.robots``: its webhook URL (WeCom: or key) and, for DingTalk,
    its 加签 secret."""

    webhook: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CardCallbackConfig:
    """``platforms.dingtalk.card_callback``: interactive card clicks over HTTP — cards are created with
    ``callbackType: HTTP`` and ``route_key``, which opsbot registers for ``/dingtalk/card/callback`` with
    ``api_secret`` (the key DingTalk signs each callback with)."""

    route_key: str
    api_secret: str = field(repr=False)


@dataclass(frozen=True)
class DingTalkConfig:
    """App callbacks (``CallbackVerifier(app_secret)``) and/or group robots: the default one
    (``DingTalkRobot(robot_webhook, robot_secret, base_url=api_url)``) for any ``dingtalk:<group>``, and named
    ones (``robots``) for ``dingtalk:<name>``."""

    app_key: str | None = None
    app_secret: str | None = field(default=None, repr=False)
    robot_webhook: str | None = field(default=None, repr=False)
    robot_secret: str | None = field(default=None, repr=False)
    api_url: str | None = None
    stream: bool = False  # receive the app robot's messages over DingTalk Stream mode (dingtalk-stream SDK)
    robots: Mapping[str, NamedRobot] = field(default_factory=dict)  # dingtalk:<name> → that group's robot
    # interactive cards sent by the app robot to dingtalk:card:<openConversationId> (template made in the card builder)
    card_template_id: str | None = None
    card_robot_code: str | None = None  # the robot sending them (default: app_key)
    card_callback: CardCallbackConfig | None = None  # their clicks over HTTP instead of Stream mode

    @property
    def has_app(self) -> bool:
        return bool(self.app_key and self.app_secret)

    @property
    def has_cards(self) -> bool:
        return bool(self.has_app and self.card_template_id)

    @property
    def has_robot(self) -> bool:
        return bool(self.robot_webhook)

    def robot_for(self, chat: str) -> NamedRobot | None:
        """The robot that posts to ``dingtalk:<chat>``: the one named so, else the default, else None."""
        if chat in self.robots:
            return self.robots[chat]
        return NamedRobot(self.robot_webhook, self.robot_secret) if self.robot_webhook else None


@dataclass(frozen=True)
class AiBotConfig:
    """WeCom's 智能机器人: ``bot_id`` + ``secret`` for the long connection (``url``: WeCom's, or a test server),
    and/or ``token`` + ``encoding_aes_key`` for encrypted JSON callbacks at ``/wecom/aibot/callback``."""

    bot_id: str | None = None
    secret: str | None = field(default=None, repr=False)
    url: str = "wss://openws.work.weixin.qq.com"
    token: str | None = field(default=None, repr=False)
    encoding_aes_key: str | None = field(default=None, repr=False)
    heartbeat_s: float = 30.0
    reconnect_s: float = 1.0  # the first reconnect's wait, doubled each failed attempt up to 30 s

    @property
    def long_connection(self) -> bool:
        return bool(self.bot_id and self.secret)

    @property
    def callback(self) -> bool:
        return bool(self.token and self.encoding_aes_key)


@dataclass(frozen=True)
class WeComConfig:
    """The app (``WeComClient(corp_id, secret, agent_id, base_url=api_url)``), its callback
    (``WeComCallback(token, encoding_aes_key, corp_id)``) and/or group robots (``RobotSender.post(robot_key, …)``):
    the default one for ``wecom:robot``, named ones (``robots``) for ``wecom:robot:<name>``."""

    corp_id: str | None = None
    agent_id: int | None = None
    secret: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    encoding_aes_key: str | None = field(default=None, repr=False)
    robot_webhook: str | None = field(default=None, repr=False)
    api_url: str | None = None
    robots: Mapping[str, NamedRobot] = field(default_factory=dict)  # wecom:robot:<name> → that group's robot
    aibot: AiBotConfig | None = None  # wecom:aibot:<chatid> → the AI bot

    @property
    def has_app(self) -> bool:
        return bool(self.corp_id and self.agent_id is not None and self.secret)

    @property
    def has_callback(self) -> bool:
        return bool(self.corp_id and self.token and self.encoding_aes_key)

    @property
    def has_robot(self) -> bool:
        return bool(self.robot_webhook)

    @property
    def robot_key(self) -> str | None:
        """The default robot's webhook key (``robot_webhook`` is the full URL or just the key)."""
        return webhook_key(self.robot_webhook) if self.robot_webhook else None

    def robot_keys(self) -> dict[str, str]:
        """Each named robot's webhook key."""
        return {name: webhook_key(robot.webhook) for name, robot in self.robots.items()}

    def robot_targets(self) -> tuple[str | None, dict[str, str]]:
        """Where the default robot and each named one post (``RobotSender.post``): the webhook URL as given, or
        the key when the webhook is a bare key or the public URL while ``api_url`` points elsewhere."""
        default = webhook_target(self.robot_webhook, self.api_url) if self.robot_webhook else None
        return default, {name: webhook_target(r.webhook, self.api_url) for name, r in self.robots.items()}

    def robot_key_for(self, chat: str) -> str | None:
        """The key of the robot that posts to ``wecom:<chat>`` (the default robot for ``robot``, the named one
        for ``robot:<name>``); None when that robot is not configured or the chat is not a robot's."""
        name = wecom_robot_name(chat)
        if not name:
            return self.robot_key if name is not None else None
        robot = self.robots.get(name)
        return webhook_key(robot.webhook) if robot is not None else None


@dataclass(frozen=True)
class DeliveryConfig:
    """``delivery:`` (config/delivery.py): when a failing destination is reported, and to which channels."""

    report_after: dt.timedelta = dt.timedelta(minutes=10)
    operations: tuple[str, ...] = ("web:#ops",)
    repeat_every: dt.timedelta = dt.timedelta(hours=1)  # a still-failing destination is reported again after


@dataclass(frozen=True)
class WebConfig:
    enabled: bool = True


@dataclass(frozen=True)
class Person:
    """An owner named in alert rules, with their id on each platform (web: the name unless given)."""

    name: str
    role: str | None = None
    ids: Mapping[str, str] = field(default_factory=dict)
    may_close: bool = True
    email: str | None = None  # how a login by e-mail (OIDC, a proxy header) finds them

    def id_on(self, platform: str) -> str | None:
        if platform == "web":
            return self.ids.get("web", self.name)
        return self.ids.get(platform)


@dataclass(frozen=True)
class Unlisted:
    """What someone who is not in ``people:`` gets (``unlisted_people:``): by default everything but a row filter."""

    role: str | None = None  # the role whose row filters and hidden metrics apply to their answers
    may_close: bool = True
    may_use: bool = True  # false: the bot refuses them (questions, commands, buttons, action links)


@dataclass(frozen=True)
class Config:
    source: Path | None
    server: ServerConfig
    warehouse: str  # a DuckDB path or a warehouse URL (metrics/engines/url.py)
    state_url: str
    rules_dir: Path
    language: Lang
    secret: str = field(repr=False)
    slack: SlackConfig | None = None
    dingtalk: DingTalkConfig | None = None
    wecom: WeComConfig | None = None
    web: WebConfig = WebConfig()
    channels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # logical → "platform:chat", enabled only
    people: tuple[Person, ...] = ()
    unlisted: Unlisted = Unlisted()
    llm: LlmSettings = field(default_factory=LlmSettings)  # the NLQ service's optional model
    auth: AuthConfig = field(default_factory=AuthConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)  # when and where undeliverable cards are reported
    warnings: tuple[ConfigProblem, ...] = ()

    def enabled_platforms(self) -> tuple[str, ...]:
        on = {"web": self.web.enabled, "slack": self.slack, "dingtalk": self.dingtalk, "wecom": self.wecom}
        return tuple(p for p in PLATFORMS if on[p])

    def destinations(self, channel: str) -> tuple[str, ...]:
        """Where a rule's logical channel (``web:#ops``) is posted; unmapped → the built-in web chat."""
        mapped = self.channels.get(channel)
        if mapped:
            return mapped
        _, sep, chat = channel.partition(":")
        return (f"web:{chat if sep else channel}",)

    def person(self, name: str) -> Person | None:
        return next((p for p in self.people if p.name == name), None)

    def person_by_platform_id(self, platform: str, user_id: str) -> Person | None:
        """Who a platform user is (``slack``, ``U0123ABC``) — None when not configured."""
        return next((p for p in self.people if p.id_on(platform) == user_id), None)

    def mention_id(self, owner: str, platform: str) -> str | None:
        """The id to @-mention ``owner`` with on ``platform`` (web: the name), None when unknown there."""
        person = self.person(owner)
        if person is None:
            return owner if platform == "web" else None
        return person.id_on(platform)
