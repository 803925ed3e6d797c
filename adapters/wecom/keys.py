"""Button keys: a card button's ``key`` is ``action:value`` (e.g. ``ack:T-20261122-0001``)."""

from __future__ import annotations

import re
import uuid

_TASK_ID_UNSAFE = re.compile(r"[^0-9A-Za-z_\-@]")


def button_key(action: str, value: str) -> str:
    if ":" in action:
        raise ValueError(f"wecom: a button action may not contain ':' ({action!r})")
    return f"{action}:{value}"


def parse_button_key(key: str) -> tuple[str, str]:
    """``(action, value)``; a key without ``:`` is an action without a value."""
    action, _, value = key.partition(":")
    return action, value


def new_task_id(prefix: str = "opsbot") -> str:
    """A template card task_id: unique, at most 128 bytes of digits, letters and ``_-@``."""
    clean = _TASK_ID_UNSAFE.sub("_", prefix)[:80]
    return f"{clean}-{uuid.uuid4().hex}"
