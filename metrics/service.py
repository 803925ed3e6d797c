"""The semantic layer as one service: catalog + warehouse + value resolution + policies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from metrics.catalog_types import Catalog, Role
from metrics.compiler import CompiledQuery, compile_query
from metrics.problems import nearest, user_error
from metrics.query import DimensionFilter, MetricQuery
from metrics.values import ValueResolver
from metrics.warehouse import QueryResult, Warehouse


@dataclass(frozen=True)
class MetricResult:
    compiled: CompiledQuery
    result: QueryResult


@dataclass
class SemanticLayer:
    catalog: Catalog
    warehouse: Warehouse
    values: ValueResolver = field(init=False)

    def __post_init__(self) -> None:
        self.values = ValueResolver(self.catalog, self.warehouse)

    def role(self, role_id: str | None) -> Role | None:
        if role_id is None:
            return None
        if role_id not in self.catalog.roles:
            raise user_error(
                "unknown_role",
                f"Unknown role {role_id!r}.",
                f"没有角色 {role_id!r}。",
                nearest(role_id, list(self.catalog.roles)),
            )
        return self.catalog.roles[role_id]

    def as_of(self) -> dt.date:
        return self.warehouse.last_day()

    def canonical(self, query: MetricQuery) -> MetricQuery:
        """The query with every filter value resolved to the id the warehouse stores."""
        filters = tuple(
            DimensionFilter(f.dimension, tuple(self.values.resolve(f.dimension, v).id for v in f.values), f.negate)
            for f in query.filters
        )
        return replace(query, filters=filters)

    def compile(self, query: MetricQuery, role: Role | None = None) -> CompiledQuery:
        return compile_query(self.catalog, self.canonical(query), role)

    def run(self, query: MetricQuery, role: Role | None = None) -> MetricResult:
        compiled = self.compile(query, role)
        return MetricResult(compiled, self.warehouse.query(compiled.sql(), compiled.params))
