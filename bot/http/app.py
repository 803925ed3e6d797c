"""The HTTP app: health, the governed-metric API and the one error shape (the chat routes are added by
server.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

from bot.answers.result_json import result_json
from bot.auth.who import Who
from bot.http.errors import HttpError, install_error_shape
from bot.http.gate import who_of
from metrics.problems import Problem, user_error
from metrics.query import DEFAULT_PERIOD_DAYS, DimensionFilter, MetricFilter, MetricQuery, OrderBy, TimeRange
from metrics.service import SemanticLayer
from nlq.ask import Asker


class QueryRequest(BaseModel):
    """A MetricQuery as JSON. Dates default to the 30 days ending on the warehouse's last day; ``role`` may only
    narrow what the caller's own role shows."""

    metrics: list[str] = Field(min_length=1)
    dimensions: list[str] = []
    grain: Literal["day", "week", "month"] = "day"
    start: dt.date | None = None
    end: dt.date | None = None
    where: dict[str, list[str]] = {}
    having: list[tuple[str, Literal[">", ">=", "<", "<=", "=", "!="], float]] = []
    compare: Literal["previous", "yoy"] | None = None
    order: list[tuple[str, bool]] = []
    limit: int | None = None
    role: str | None = None

    def to_query(self, today: dt.date) -> MetricQuery:
        end = self.end or today
        start = self.start or TimeRange.last_days(end, DEFAULT_PERIOD_DAYS).start
        if end < start:
            raise user_error(
                "bad_range", f"end {end} is before start {start}.", f"结束日期 {end} 早于开始日期 {start}。"
            )
        return MetricQuery(
            metrics=tuple(self.metrics),
            dimensions=tuple(self.dimensions),
            grain=self.grain,
            time_range=TimeRange(start, end),
            filters=tuple(DimensionFilter(d, tuple(v)) for d, v in self.where.items()),
            metric_filters=tuple(MetricFilter(m, op, v) for m, op, v in self.having),
            compare=self.compare,
            order_by=tuple(OrderBy(k, desc) for k, desc in self.order),
            limit=self.limit,
        )


class AskRequest(BaseModel):
    """A question in Chinese or English; `as_of` pins "today" (default: the warehouse's last day)."""

    question: str = Field(min_length=1, max_length=2000)
    role: str | None = None
    as_of: dt.date | None = None


def role_for(who: Who, asked: str | None) -> str | None:
    """The role whose filters apply: the person's own; a ``role`` asked for may only narrow what they see (any
    role for someone without one, else only their own)."""
    if asked is None or asked == who.role or who.role is None:
        return asked if asked is not None else who.role
    raise HttpError(
        403,
        Problem(
            "auth.role_not_yours",
            f"{who.person} has role {who.role!r}, not {asked!r}",
            f"{who.person} 的角色是 {who.role!r}，不是 {asked!r}",
        ),
    )


def create_app(layer: SemanticLayer, health: Callable[[], dict[str, Any]] | None = None) -> FastAPI:
    """The metric API; ``health`` adds the running bot's state (platforms, outbox) to ``/health``."""
    app = FastAPI(title="opsbot", version="0.1.0")
    asker = Asker(layer)

    install_error_shape(app)

    @app.get("/health")
    def health_endpoint() -> dict[str, Any]:
        doc: dict[str, Any] = {"status": "ok", "warehouse": layer.warehouse.label}
        doc["as_of"] = layer.as_of().isoformat()
        if health is not None:
            doc.update(health())
        return doc

    @app.get("/api/metrics")
    def list_metrics() -> list[dict[str, Any]]:
        return [
            {
                "id": m.id,
                "name_zh": m.names.zh,
                "name_en": m.names.en,
                "description_zh": m.description_zh,
                "description_en": m.description_en,
                "unit": m.unit,
                "owner": m.owner,
                "version": m.version,
                "dimensions": sorted(layer.catalog.sliceable[m.id]),
            }
            for m in layer.catalog.public_metrics()
        ]

    @app.post("/api/query")
    def run_query(req: QueryRequest, request: Request) -> dict[str, Any]:
        role = role_for(who_of(request), req.role)
        res = layer.run(req.to_query(layer.as_of()), layer.role(role))
        return result_json(res)

    @app.post("/api/ask")
    def ask(req: AskRequest, request: Request) -> dict[str, Any]:
        role = role_for(who_of(request), req.role)
        answer, _ = asker.ask(req.question, today=req.as_of, role=layer.role(role))
        return answer.to_json()

    return app
