"""Who is talking: platform user ids → the people of the config (their name, role, whether they may close).

A person not in the config is still someone: they act under their platform name (or id), see what the
default role sees, and may close tickets (``may_close: false`` in the config takes it from a person).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adapters.base import InboundEvent
from bot.config_schema import Config, Person

_SLACK_MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")


@dataclass(frozen=True)
class Actor:
    platform: str
    user_id: str
    name: str  # the person's name when configured, else the platform's name or id
    person: Person | None = None

    @property
    def role(self) -> str | None:
        return self.person.role if self.person else None

    @property
    def may_close(self) -> bool:
        return self.person.may_close if self.person else True

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
        return Actor(event.platform, event.user, event.user_name or event.user)

    def assignee(self, platform: str, token: str) -> str:
        """The person a command names: ``@李娜``, ``李娜``, a Slack ``<@U02LINA>`` or a platform id."""
        text = token.strip().lstrip("@")
        m = _SLACK_MENTION.match(token.strip())
        if m:
            text = m.group(1)
        person = self.config.person(text) or self.config.person_by_platform_id(platform, text)
        return person.name if person else text

    def mention_ids(self, platform: str) -> dict[str, str]:
        """Owner name → the id to @-mention them with on ``platform``."""
        out: dict[str, str] = {}
        for p in self.config.people:
            pid = p.id_on(platform)
            if pid:
                out[p.name] = pid
        return out
