"""A ticket's thread as NLQ context: follow-ups there are about the ticket's metric, entity and period."""

from __future__ import annotations

import datetime as dt

from adapters.base import Message
from alerts.tickets.model import Ticket
from bot.tickets.card import member_lines
from metrics.query import DimensionFilter, MetricQuery, TimeRange
from metrics.service import SemanticLayer
from nlq.understand import Context

# the breakdown "为什么?" asks for: the first of these the metric can be sliced by and the entity does not fix
BREAKDOWN_ORDER = ("channel", "category", "warehouse", "region", "brand", "sku", "date")


def _period(ticket: Ticket, layer: SemanticLayer) -> TimeRange:
    period = ticket.evidence.get("period") or {}
    try:
        return TimeRange(dt.date.fromisoformat(period["start"]), dt.date.fromisoformat(period["end"]))
    except (KeyError, TypeError, ValueError):
        return TimeRange.last_days(layer.as_of(), 7)


def ticket_context(ticket: Ticket, layer: SemanticLayer) -> Context:
    dims = layer.catalog.dimensions
    filters = tuple(DimensionFilter(d, (str(v),)) for d, v in ticket.entity.items() if d in dims)
    query = MetricQuery(metrics=(ticket.metric,), time_range=_period(ticket, layer), filters=filters)
    return Context(query=query, question=ticket.label)


def breakdown_dimension(ticket: Ticket, layer: SemanticLayer) -> str:
    sliceable = layer.catalog.sliceable.get(ticket.metric, frozenset())
    for dim in BREAKDOWN_ORDER:
        if dim not in ticket.entity and (dim in sliceable or dim == "date"):
            return dim
    return "date"


def breakdown_question(ticket: Ticket, layer: SemanticLayer, lang: str) -> str:
    """The follow-up that answers "why?" in a ticket's thread: its metric broken down one level further."""
    dim = breakdown_dimension(ticket, layer)
    if dim == "date":
        return "按天看" if lang == "zh" else "by day"
    names = layer.catalog.dimensions[dim].names
    return f"按{names.zh}看" if lang == "zh" else f"by {names.en}"


def members_message(ticket: Ticket, lang: str) -> Message:
    """A storm ticket's full member list, worst first (a reply to "成员" / "members" in its thread)."""
    if not ticket.is_storm:
        text = (
            f"{ticket.ticket_no} 不是合并工单，只有一个对象：{ticket.label}"
            if lang == "zh"
            else f"{ticket.ticket_no} is not a grouped ticket; it is about one entity: {ticket.label}"
        )
        return Message(text=text)
    count = ticket.evidence.get("count", 0)
    head = (
        f"{ticket.ticket_no} 的 {count} 个成员（最严重的在前）："
        if lang == "zh"
        else (f"The {count} members of {ticket.ticket_no}, worst first:")
    )
    return Message(text="\n".join((head, *member_lines(ticket.evidence, lang))))
