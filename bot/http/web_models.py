"""What the web chat's API accepts: validated request bodies (422 with the field on a bad one). Who is posting is
the session's person, never a field: a body naming a ``user`` (or any other unknown field) is refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TEXT = 4_000
MAX_NAME = 64
MAX_CHAT = 100


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


class PostMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chat: str = Field(min_length=1, max_length=MAX_CHAT)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    thread: str | None = Field(default=None, max_length=40)

    _strip = field_validator("chat", "text")(_not_blank)


class PostAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(min_length=1, max_length=40)
    action: str = Field(pattern=r"^[a-z_]{1,32}$")
    value: str = Field(min_length=1, max_length=500)
    to: str | None = Field(default=None, max_length=MAX_NAME)

    _strip = field_validator("value")(_not_blank)
