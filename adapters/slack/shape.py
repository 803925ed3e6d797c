"""Is a (verified) Slack request body shaped as Slack sends it? A signed body that is not — bad JSON, a
list where an object belongs, a string where a list belongs — is answered 400 before bolt sees it, never
a 500 with a traceback.

Events API: a JSON object; its ``event``, when present, an object whose text fields are strings.
Slash commands and interactivity: a form; ``payload``, when present, a JSON object whose ``actions`` is a
list of objects and whose ``user``/``channel``/``container``/``message`` are objects."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

_EVENT_TEXT = ("type", "text", "channel", "user", "ts", "thread_ts", "event_ts", "subtype", "bot_id")
_MESSAGES = ("message", "app_mention")
_PAYLOAD_OBJECTS = ("user", "channel", "container", "message", "team")


def _is_form(headers: Mapping[str, str]) -> bool:
    kind = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return kind.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _event_ok(payload: dict[str, Any]) -> bool:
    if "event" not in payload:
        return True
    event = payload["event"]
    if not isinstance(event, dict):
        return False
    if event.get("type") not in _MESSAGES:  # other events (channel_created …) have objects there: not ours to judge
        return True
    return all(isinstance(event[k], str) for k in _EVENT_TEXT if k in event and event[k] is not None)


def _payload_ok(payload: dict[str, Any]) -> bool:
    if not all(isinstance(payload[k], dict) for k in _PAYLOAD_OBJECTS if k in payload and payload[k] is not None):
        return False
    actions = payload.get("actions", [])
    return isinstance(actions, list) and all(isinstance(a, dict) for a in actions)


def well_formed(headers: Mapping[str, str], body: bytes) -> bool:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not _is_form(headers):
        payload = _json_object(text)
        return payload is not None and _event_ok(payload)
    try:
        form = parse_qs(text, keep_blank_values=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        return False
    if "payload" not in form:
        return True
    inner = _json_object(form["payload"][0])
    return inner is not None and _payload_ok(inner)
