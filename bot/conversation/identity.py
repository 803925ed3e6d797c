"""Who is talking: platform user ids → the people of the config (their name, role, whether they may close).

A person not in the config is still someone: they act under their platform name (or id) with what
``unlisted_people:`` gives them (by default: no role, so no row filter; may close; may use the bot).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from adapters.base import InboundEvent
from bot.config.schema import Config, Person, Unlisted
from metrics.problems import nearest, user_error

_SLACK_MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")


@dataclass(frozen=True)
class Actor:
    platform: str
    user_id: str
    name: str  # the person's name when configured, else the platform's name or id
    person: Person | None = None
    unlisted: Unlisted = field(default_factory=Unlisted)  # what they get when ``person`` is None

    @property
    def role(self) -> str | None:
        return self.person.role if self.person else self.unlisted.role

    @property
    def may_close(self) -> bool:
        return self.person.may_close if self.person else self.unlisted.may_close

    @property
    def may_use(self) -> bool:
        return self.person is not None or self.unlisted.may_use

    def check_may_use(self) -> None:
        """Raise a bilingual UserError when ``unlisted_people: {may_use: false}`` shuts this person out."""
        if not self.may_use:
            raise user_error(
                "people.not_listed",
                f"You ({self.name}) are not in opsbot's people list (people: in opsbot.yaml), so the bot "
                "cannot serve you yet; ask an administrator to add you.",
                f"你（{self.name}）不在 opsbot 的人员名单（opsbot.yaml 的 people:）中，暂时不能使用机器人，"
                "请联系管理员添加。",
            )

    @property
    def audit_name(self) -> str:
        """How the audit log names them: the person, or ``platform:id`` for someone unknown."""
        if self.person is not None:
            return self.person.name
        return self.name if self.platform == "web" else f"{self.name} ({self.platform}:{self.user_id})"


class Directory:
    def __init__(self, config: Config) -> None:
        self.config = config

    def actor(self, event: InboundEvent) -> Actor:
        person = self.config.person_by_platform_id(event.platform, event.user)
        if person is None and event.platform in ("web", "console"):  # people name themselves there
            person = self.config.person(event.user)
        if person is not None:
            return Actor(event.platform, event.user, person.name, person)
        return Actor(event.platform, event.user, event.user_name or event.user, unlisted=self.config.unlisted)

    def named(self, platform: str, name: str) -> Actor:
        """Someone who says who they are (an action link's form): the person of that name, else unlisted."""
        person = self.config.person(name)
        if person is not None:
            return Actor(platform, name, person.name, person)
        return Actor(platform, name, name, unlisted=self.config.unlisted)

    def assignee(self, platform: str, token: str) -> str:
        """The person a command names: ``@李娜``, ``李娜``, a Slack ``<@U02LINA>`` or a platform id."""
        text = token.strip().lstrip("@")
        m = _SLACK_MENTION.match(token.strip())
        if m:
            text = m.group(1)
        person = self.config.person(text) or self.config.person_by_platform_id(platform, text)
        if person is None:  # an owner the bot cannot reach, or markup posing as a name: refused
            text = text[:40]
            known = [p.name for p in self.config.people]
            raise user_error(
                "tickets.unknown_person",
                f"{text!r} is not a person the bot knows; tickets can go to: {', '.join(known) or 'nobody yet'}.",
                f"「{text}」不是机器人认识的人；工单可以转派给：{'、'.join(known) or '（还没有配置人员）'}。",
                nearest(text, known),
            )
        return person.name

    def mention_ids(self, platform: str) -> dict[str, str]:
        """Owner name → the id to @-mention them with on ``platform``."""
        out: dict[str, str] = {}
        for p in self.config.people:
            pid = p.id_on(platform)
            if pid:
                out[p.name] = pid
        return out
