"""A ticket's thread as NLQ context: follow-ups there are about the ticket's metric, entity and period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from adapters.base import Message
from alerts.tickets.model import Ticket
from bot.tickets.card import member_lines
from metrics.query import DimensionFilter, MetricFilter, MetricQuery, TimeRange
from metrics.service import SemanticLayer
from nlq import forecast_query as F
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
    scope: dict[str, Any] = ticket.evidence.get("scope") or {}
    if (
        scope.get("ahead_days")
        and F.is_forecast_metric(layer.catalog, ticket.metric)
        and F.forecast_available(layer.catalog)
    ):
        return _stockout_context(ticket, layer, scope, filters)
    query = MetricQuery(metrics=(ticket.metric,), time_range=_period(ticket, layer), filters=filters)
    return Context(query=query, question=ticket.label)


def _stockout_context(
    ticket: Ticket, layer: SemanticLayer, scope: dict[str, Any], filters: tuple[DimensionFilter, ...]
) -> Context:
    """A forecast rule's ticket: its thread asks about stockouts over the rule's own slice — its grain,
    filters, days ahead and `having` limits — so "哪些SKU会断货?" there lists what the rule counted."""
    dims = layer.catalog.dimensions
    known = {f.dimension for f in filters}
    filters += tuple(
        DimensionFilter(d, tuple(str(v) for v in vs))
        for d, vs in (scope.get("filters") or {}).items()
        if d in dims and d not in known
    )
    having = tuple(
        MetricFilter(h["metric"], h["op"], float(h["value"]))
        for h in scope.get("having") or []
        if h.get("metric") in layer.catalog.metrics
    )
    grain = tuple(d for d in scope.get("dimensions") or () if d in dims) or ("sku", "warehouse")
    query = MetricQuery(
        metrics=F.LIST_METRICS,
        time_range=_period(ticket, layer),
        dimensions=grain,
        filters=filters,
        metric_filters=F.stockout_filters(having),
        order_by=F.soonest_first(),
    )
    return Context(query=query, question=ticket.label, forecast="stockouts")


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
