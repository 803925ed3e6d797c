"""A ticket as a chat card (a neutral Message): what, how bad, since when, evidence, owner, buttons."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from adapters.base import Button, ButtonStyle, Mention, Message
from alerts.tickets.vocabulary import VERB, severity_word, status_word
from metrics.present import format_number

ZONE = ZoneInfo("Asia/Shanghai")
MEMBERS_ON_CARD = 5  # a storm card names its worst members; the thread ("成员" / "members") lists them all
BUTTONS: dict[str, tuple[tuple[str, ButtonStyle], ...]] = {  # by status: (verb, style); labels: VERB[verb].button
    "open": (("ack", "primary"), ("snooze", "default"), ("assign", "default"), ("close", "danger")),
    "acknowledged": (("snooze", "default"), ("assign", "default"), ("close", "danger")),
    "snoozed": (("ack", "primary"), ("close", "danger")),
    "resolved": (("close", "default"), ("reopen", "default")),
    "closed": (("reopen", "default"),),
}


def _local(iso: str | None) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(ZONE).strftime("%m-%d %H:%M") if iso else "—"


def _point(p: Any, fmt: str) -> str:
    if isinstance(p, dict):
        value = p.get("text") or (format_number(p.get("value"), fmt) if fmt else p.get("value"))
        return f"{str(p.get('date', ''))[5:]} {value}".strip()
    return str(p)


def member_lines(evidence: dict[str, Any], lang: str, limit: int | None = None) -> list[str]:
    """A storm ticket's members, worst first, each with its value and threshold, and how many are not shown."""
    zh = lang == "zh"
    members = evidence.get("members") or []
    shown = members if limit is None else members[:limit]
    lines = []
    for n, m in enumerate(shown, 1):
        value = _number(m.get("value"))
        lines.append(
            f"{n}. {m.get('label', '')}：{value}（阈值 {m.get('threshold', '')}）"
            if zh
            else f"{n}. {m.get('label', '')}: {value} (threshold {m.get('threshold', '')})"
        )
    rest = int(evidence.get("count", len(members))) - len(shown)
    if rest > 0:
        lines.append(f"还有 {rest} 个，回复“成员”看全部" if zh else f"{rest} more; reply “members” for all")
    return lines


def _number(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def ticket_message(ticket: dict[str, Any], lang: str = "zh", mention_ids: dict[str, str] | None = None) -> Message:
    """The card of a ticket from its outbox payload (``alerts.tickets.payload.ticket_card``)."""
    zh = lang == "zh"
    t = ticket
    names = t.get("rule_names") or {}
    rule = names.get(lang) or names.get("zh") or t["rule_id"]
    status = status_word(t["status"], lang)
    severity = severity_word(t["severity"], lang)
    evidence = t.get("evidence") or {}
    value = evidence.get("value_text", t.get("value"))
    owner = t["owner"]
    count = evidence.get("count")
    lines = [
        (f"{count} 个对象同时触发，最严重的在前：" if zh else f"{count} entities firing, worst first:")
        if evidence.get("storm")
        else f"{t['label']}：{value}（阈值 {t['threshold']}）"
        if zh
        else f"{t['label']}: {value} (threshold {t['threshold']})",
        (f"负责人 @{owner} · 状态 {status}" if zh else f"owner @{owner} · status {status}"),
        (
            f"首次 {_local(t.get('first_seen'))} · 最近 {_local(t.get('last_seen'))}"
            if zh
            else f"first seen {_local(t.get('first_seen'))} · last seen {_local(t.get('last_seen'))}"
        ),
    ]
    if t.get("acked_by"):
        lines.append(f"认领人 {t['acked_by']}" if zh else f"acknowledged by {t['acked_by']}")
    if t["status"] == "snoozed" and t.get("snoozed_until"):
        until = _local(t["snoozed_until"])
        lines.append(f"{VERB['snooze'].name.zh}至 {until}" if zh else f"{VERB['snooze'].done.en} until {until}")
    if evidence.get("storm"):
        lines[1:1] = member_lines(evidence, lang, MEMBERS_ON_CARD)
    trend = evidence.get("trend") or []
    if trend:
        points = ", ".join(_point(p, str(evidence.get("format") or "")) for p in trend[-7:])
        lines.append(("近7天：" if zh else "last 7 days: ") + points)
    buttons = tuple(
        Button(action=verb, label=VERB[verb].button(lang), value=t["ticket_no"], style=style)
        for verb, style in BUTTONS.get(t["status"], ())
    )
    owner_id = (mention_ids or {}).get(owner)  # no id on this platform: named in the text, not @-mentioned
    mentions = (Mention(user_id=owner_id, name=owner),) if owner_id else ()
    return Message(
        text="\n".join(lines),
        title=f"{severity} {rule} · {t['ticket_no']}",
        buttons=buttons,
        mentions=mentions,
        footer=(
            f"规则 {t['rule_id']} · 指标 {t.get('metric', '')}"
            if zh
            else f"rule {t['rule_id']} · metric {t.get('metric', '')}"
        ),
    )
