"""`opsbot tickets list|show|ack|assign|snooze|close|reopen`: work-order tickets from the terminal."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from alerts.rules.describe import severity_name
from alerts.rules.model import TIMEZONE
from alerts.tickets.model import Ticket, TicketEvent
from alerts.tickets.payload import ticket_card
from bot.cli.alerting import alerting_options, ticket_service, utc_now
from bot.cli.common import guarded, warehouse_options
from bot.tickets.delivery_state import DestinationState, delivery_states
from metrics.present import plain_json
from metrics.problems import default_lang, user_error

STATUSES = ("open", "acknowledged", "snoozed", "resolved", "closed")


def _local(at: dt.datetime | None) -> str:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M") if at else "—"


def ticket_json(t: Ticket) -> dict[str, Any]:
    """The ticket as the chat cards get it, plus where it posts."""
    return ticket_card(t) | {"value": plain_json(t.value), "channels": list(t.channels)}


def event_json(e: TicketEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at.isoformat(),
        "action": e.action,
        "actor": e.actor,
        "platform": e.platform,
        "from": e.from_status,
        "to": e.to_status,
        "note": e.note,
        "data": e.data,
    }


@click.group("tickets")
def tickets_group() -> None:
    """Work-order tickets (预警工单): list, show with the audit trail, and act on them."""


@tickets_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only tickets in this status.")
@click.option("--owner", default=None, help="Only tickets owned by this person.")
@click.option("--rule", "rule_id", default=None, help="Only tickets of this rule.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@warehouse_options
@alerting_options
@guarded
def list_cmd(
    status: str | None,
    owner: str | None,
    rule_id: str | None,
    fmt: str,
    db: str | None,
    as_of: str | None,
    state: str | None,
    rules_dir: Path | None,
) -> None:
    """Tickets, newest first."""
    tickets = ticket_service(state).list_tickets(status=status, owner=owner, rule_id=rule_id)
    if fmt == "json":
        click.echo(json.dumps([ticket_json(t) for t in tickets], ensure_ascii=False))
        return
    lang = default_lang()
    table = Table(title=f"{len(tickets)} tickets")
    for header in ("ticket", "status", "severity", "rule", "what", "value", "owner", "last seen"):
        table.add_column(header, no_wrap=header in ("ticket", "status"))
    for t in tickets:
        table.add_row(
            t.ticket_no,
            t.status,
            severity_name(t.severity, lang),
            t.rule_names.get(lang, t.rule_id),
            t.label,
            value_text(t),
            t.owner,
            _local(t.last_seen),
        )
    Console().print(table)


@tickets_group.command("show")
@click.argument("ticket_no")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@warehouse_options
@alerting_options
@guarded
def show_cmd(
    ticket_no: str, fmt: str, db: str | None, as_of: str | None, state: str | None, rules_dir: Path | None
) -> None:
    """One ticket with its evidence and audit trail."""
    service = ticket_service(state)
    history = service.get(ticket_no)
    t = history.ticket
    deliveries = delivery_states(service, t.ticket_no, utc_now())
    if fmt == "json":
        out = ticket_json(t) | {"events": [event_json(e) for e in history.events]}
        out["delivery"] = [
            {
                "destination": d.destination, "state": d.state, "since": d.since.isoformat(),
                "attempts": d.attempts, "next_try": d.next_try.isoformat() if d.next_try else None,
                "last_error": d.last_error,
            }
            for d in deliveries
        ]  # fmt: skip
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    lang = default_lang()
    lines = [
        f"{t.ticket_no} · {t.status} · {severity_name(t.severity, lang)} · {t.rule_names.get(lang, t.rule_id)}",
        f"  {t.label}: {value_text(t)}",
        f"  owner {t.owner} · first seen {_local(t.first_seen)} · last seen {_local(t.last_seen)}"
        + (f" · snoozed until {_local(t.snoozed_until)}" if t.snoozed_until else ""),
        f"  evidence: {json.dumps(t.evidence, ensure_ascii=False, default=str)[:400]}",
    ]
    lines += _delivery_lines(deliveries, lang)
    lines.append("  audit trail:")
    for e in history.events:
        note = f" — {e.note}" if e.note else ""
        step = f"{e.from_status or '·'} → {e.to_status}"
        lines.append(f"    {_local(e.at)}  {e.action:<9} {step}  by {e.actor} ({e.platform}){note}")
    click.echo("\n".join(lines))


def _delivery_lines(deliveries: list[DestinationState], lang: str) -> list[str]:
    """Each destination's delivery state, one line each."""
    zh = lang == "zh"
    out = ["  送达：" if zh else "  delivery:"] if deliveries else []
    for d in deliveries:
        if d.state == "delivered":
            what = f"已送达 · 最近更新 {_local(d.since)}" if zh else f"delivered · last update {_local(d.since)}"
        elif d.state == "waiting":
            what = f"等待发送（自 {_local(d.since)}）" if zh else f"waiting since {_local(d.since)}"
        elif d.state == "parked":
            what = (
                f"无法送达，已停止重试（自 {_local(d.since)}）：{d.last_error}" if zh
                else f"parked (not retried) since {_local(d.since)}: {d.last_error}"
            )  # fmt: skip
        else:
            nxt = _local(d.next_try) if d.next_try else "?"
            what = (
                f"送达失败（自 {_local(d.since)}，已试 {d.attempts} 次，下次 {nxt}）：{d.last_error}" if zh
                else f"failing since {_local(d.since)} · {d.attempts} attempts · next try {nxt}: {d.last_error}"
            )  # fmt: skip
        out.append(f"    {d.destination:<24} {what}")
    return out


def _actor(by: str | None) -> str:
    return by or getpass.getuser()


def parse_until(text: str, now: dt.datetime) -> dt.datetime:
    """'2h', '30m', '1d', or a local 'YYYY-MM-DD HH:MM' / ISO time."""
    m = re.fullmatch(r"\s*(\d+)\s*([mhd])\s*", text)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return now + dt.timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: n})
    try:
        at = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise user_error(
            "bad_until",
            f"--until {text!r}: use 30m, 2h, 1d or a time like '2026-11-23 09:00'.",
            f"--until {text!r}：请用 30m、2h、1d 或时间，例如“2026-11-23 09:00”。",
        ) from None
    if at.tzinfo is None:
        from zoneinfo import ZoneInfo

        at = at.replace(tzinfo=ZoneInfo(TIMEZONE))
    return at


def _done(t: Ticket, what: str) -> None:
    click.echo(f"{t.ticket_no}: {what} · status {t.status} · owner {t.owner}")


def value_text(t: Ticket) -> str:
    """The value as the rule's metric formats it (the evidence carries the text), with its threshold."""
    text = t.evidence.get("value_text") if isinstance(t.evidence, dict) else None
    return f"{text if text is not None else plain_json(t.value)} ({t.threshold})"


def _action(name: str, help_text: str) -> Callable[[Callable[..., None]], click.Command]:
    def decorate(func: Callable[..., None]) -> click.Command:
        func = click.option("--note", default=None, help="A note for the audit trail.")(func)
        func = click.option("--by", default=None, help="Who acts (default: your login name).")(func)
        func = click.argument("ticket_no")(func)
        func = warehouse_options(func)
        func = alerting_options(func)
        func = guarded(func)
        command: click.Command = tickets_group.command(name, help=help_text)(func)
        return command

    return decorate


@_action("ack", "Acknowledge (认领) a ticket: escalation stops.")
def ack_cmd(ticket_no: str, by: str | None, note: str | None, **_: Any) -> None:
    _done(ticket_service(_["state"]).ack(ticket_no, by=_actor(by), platform="cli", note=note), "acknowledged")


@_action("close", "Close (关闭) a ticket, with a note on what was done.")
def close_cmd(ticket_no: str, by: str | None, note: str | None, **_: Any) -> None:
    _done(ticket_service(_["state"]).close(ticket_no, by=_actor(by), platform="cli", note=note), "closed")


@_action("reopen", "Reopen (重开) a resolved or closed ticket.")
def reopen_cmd(ticket_no: str, by: str | None, note: str | None, **_: Any) -> None:
    _done(ticket_service(_["state"]).reopen(ticket_no, by=_actor(by), platform="cli", note=note), "reopened")


@_action("assign", "Assign (转派) a ticket to someone else.")
@click.option("--to", "to", required=True, help="The new owner.")
def assign_cmd(ticket_no: str, to: str, by: str | None, note: str | None, **_: Any) -> None:
    t = ticket_service(_["state"]).assign(ticket_no, to=to, by=_actor(by), platform="cli", note=note)
    _done(t, f"assigned to {to}")


@_action("snooze", "Snooze (暂缓) a ticket until a time: escalation pauses, then it reopens.")
@click.option("--until", "until", required=True, help="30m, 2h, 1d, or a local time '2026-11-23 09:00'.")
def snooze_cmd(ticket_no: str, until: str, by: str | None, note: str | None, **_: Any) -> None:
    when = parse_until(until, utc_now())
    t = ticket_service(_["state"]).snooze(ticket_no, until=when, by=_actor(by), platform="cli", note=note)
    _done(t, f"snoozed until {_local(when)}")
