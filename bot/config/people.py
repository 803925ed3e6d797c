"""The ``channels:`` and ``people:`` sections of `opsbot.yaml`: where each logical channel is posted, and who is
who on each platform (their role, whether they may close tickets)."""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from pathlib import Path

from adapters.destination import Destination
from adapters.wecom.chats import wecom_robot_name
from bot.config.platforms import LABEL
from bot.config.reader import Reader
from bot.config.schema import (
    PLATFORMS,
    DingTalkConfig,
    Person,
    Unlisted,
    WeComConfig,
)
from metrics.catalog.load import CatalogError, load_catalog
from metrics.problems import nearest
from metrics.yamlsrc import Located, LocatedList

_CHANNEL = re.compile(r"^[a-z][a-z0-9_-]*:\S.*$")


def read_channels(
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
    try:
        parsed = Destination.parse(dest)
    except ValueError:
        parsed = Destination("", "")
    platform, chat = parsed.platform, parsed.chat
    if platform not in PLATFORMS:
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
    missing = _missing_robot(platform, chat, wecom, dingtalk)
    if missing:  # a named robot that is not configured
        hint = nearest(missing, _robot_names(platform, wecom, dingtalk), 1)
        what = f"robot_webhook or a robot named {missing!r} in platforms.{platform}.robots"
        report(
            f"channels.{logical}: {dest} skipped — {LABEL[platform]} has no {what}"
            + (f"; did you mean {hint[0]}?" if hint else ""),
            f"channels.{logical}：已跳过 {dest}——{LABEL[platform]} 没有 platforms.{platform}.robots 中名为 {missing!r}"
            "的机器人" + (f"；你是不是想写 {hint[0]}？" if hint else ""), True,
        )  # fmt: skip
        return False
    needs_robot = missing == ""
    aibot = platform == "wecom" and chat.startswith("aibot:")
    needs_app = (
        platform == "wecom" and not aibot and wecom_robot_name(chat) is None and wecom is not None
        and not wecom.has_app
    )  # fmt: skip
    needs_aibot = aibot and not (wecom and wecom.aibot and wecom.aibot.long_connection)
    needs_cards = platform == "dingtalk" and chat.startswith("card:") and not (dingtalk and dingtalk.has_cards)
    if needs_robot or needs_app or needs_cards or needs_aibot:
        what = (
            "robot_webhook" if needs_robot
            else "app_key, app_secret and card_template_id" if needs_cards
            else "aibot: {bot_id, secret}" if needs_aibot
            else "corp_id, agent_id and secret"
        )  # fmt: skip
        report(
            f"channels.{logical}: {dest} needs {LABEL[platform]} {what}",
            f"channels.{logical}：{dest} 需要 {LABEL[platform]} 的 {what}",
            True,
        )
        return False
    return True


def _missing_robot(platform: str, chat: str, wecom: WeComConfig | None, dingtalk: DingTalkConfig | None) -> str | None:
    """The robot a destination needs when it is not configured: "" for the default robot, else its name
    (``wecom:robot:<name>``; ``dingtalk:<name>`` when DingTalk has named robots); None when it is there or the
    destination needs no robot."""
    if platform == "dingtalk" and chat.startswith("card:"):
        return None  # an interactive card, sent by the app robot (checked by needs_cards)
    if platform == "dingtalk" and dingtalk is not None and dingtalk.robot_for(chat) is None:
        return chat if dingtalk.robots else ""
    name = wecom_robot_name(chat)
    if platform == "wecom" and wecom is not None and name is not None and wecom.robot_key_for(chat) is None:
        return name
    return None


def _robot_names(platform: str, wecom: WeComConfig | None, dingtalk: DingTalkConfig | None) -> tuple[str, ...]:
    config = wecom if platform == "wecom" else dingtalk
    return tuple(config.robots) if config is not None else ()


def read_people(doc: Located, r: Reader) -> tuple[Person, ...]:
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


def read_unlisted(doc: Located, r: Reader) -> Unlisted:
    """``unlisted_people: {role, may_close, may_use}`` — what anyone not in ``people:`` gets."""
    node = r.mapping(doc, "unlisted_people", "unlisted_people")
    if node is None:
        return Unlisted()
    r.keys(node, ("role", "may_close", "may_use"), "unlisted_people")
    role = r.text(node, "role", "unlisted_people.role") if "role" in node else None
    if role is not None:
        _check_roles([(node, role)], r)
    path = "unlisted_people"
    return Unlisted(role, r.flag(node, "may_close", path, True), r.flag(node, "may_use", path, True))


def _person(node: Located, r: Reader) -> Person:
    name = str(node["name"]).strip()
    r.keys(node, ("name", "role", "ids", "may_close", "email"), f"people.{name}")
    ids: dict[str, str] = {}
    ids_node = r.mapping(node, "ids", f"people.{name}.ids")
    if ids_node is not None:
        r.keys(ids_node, PLATFORMS, f"people.{name}.ids")
        for platform in PLATFORMS:
            if platform in ids_node and not isinstance(ids_node[platform], dict | list):
                value = r.text(ids_node, platform, f"people.{name}.ids.{platform}")
                if value:
                    ids[platform] = value
    may_close = r.flag(node, "may_close", f"people.{name}", True)
    role = r.text(node, "role", f"people.{name}.role") if "role" in node else None
    email = r.text(node, "email", f"people.{name}.email") if "email" in node else None
    return Person(name=name, role=role, ids=types.MappingProxyType(ids), may_close=may_close, email=email)


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
