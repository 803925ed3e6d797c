"""An InboundEvent as JSON and back, for the inbox table (everything kept: the reply URL, the raw payload)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from adapters.base import ButtonAction, InboundEvent, MessageRef


def event_json(event: InboundEvent) -> str:
    return json.dumps(dataclasses.asdict(event), ensure_ascii=False, default=str)


def event_from_json(text: str) -> InboundEvent:
    d: dict[str, Any] = json.loads(text)
    action = d.get("action")
    if action is not None:
        ref = action.get("message")
        action = ButtonAction(
            action=action["action"],
            value=action["value"],
            message=MessageRef(**ref) if ref is not None else None,
            response_token=action.get("response_token"),
            target=action.get("target"),
        )
    return InboundEvent(**{**d, "mentions": tuple(d.get("mentions") or ()), "action": action})
