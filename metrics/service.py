"""The semantic layer as one service: catalog + warehouse + value resolution + policies."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlglot import exp

from metrics.catalog.types import Catalog, Role
from metrics.compiler import Available, CompiledQuery, compile_query
from metrics.forecast.store import GENERATED_TABLES, HORIZON_DAYS
from metrics.problems import nearest, user_error
from metrics.query import DimensionFilter, MetricQuery
from metrics.rollups.fresh import Fingerprints, available
from metrics.values import ValueResolver
from metrics.warehouse import QueryResult, Warehouse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MetricResult:
    compiled: CompiledQuery
    result: QueryResult


@dataclass
class SemanticLayer:
    catalog: Catalog
    warehouse: Warehouse
    # called with (stage, fraction) while a query waits for a forecast refresh
    forecast_progress: Callable[[str, float], None] | None = None
    use_rollups: bool = True  # answer from fresh rollups where one covers the query (docs/rollups.md)
    values: ValueResolver = field(init=False)
    fingerprints: Fingerprints = field(init=False)
    _warned: set[tuple[str, ...]] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.values = ValueResolver(self.catalog, self.warehouse)
        self.fingerprints = Fingerprints.of_catalog(self.catalog)

    def _first_warning(self, stale: tuple[str, ...]) -> bool:
        """Whether these stale rollups are news for this warehouse file (logged once, not per query)."""
        key = (self.warehouse.rollup_source(), *sorted(stale))
        if key in self._warned:
            return False
        self._warned.add(key)
        return True

    def rollups(self) -> Available | None:
        """The rollups a query may read now (fresh ones) and the stale ones; None when switched off."""
        if not self.use_rollups or not self.catalog.rollups:
            return None
        stamps = self.warehouse.rollup_stamps()
        if not stamps:
            return None
        return available(self.fingerprints, stamps, self.warehouse.rollup_source())

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
        compiled = compile_query(self.catalog, self.canonical(query), role, self.rollups())
        if compiled.stale_rollups and self._first_warning(compiled.stale_rollups):
            log.warning(
                "rollup %s is older than the warehouse %s: reading %s instead (run `opsbot rollups refresh`)",
                ", ".join(compiled.stale_rollups),
                self.warehouse.label,
                ", ".join(compiled.rollups) or "the raw tables",
            )
        return compiled

    def run(self, query: MetricQuery, role: Role | None = None, *, as_of: dt.date | None = None) -> MetricResult:
        """Compile and run; a query over forecasts first makes sure they are as of ``as_of``
        (default: the warehouse's last day), refreshing them when they are missing or older."""
        compiled = self.compile(query, role)
        self.prepare(compiled, as_of=as_of)
        return MetricResult(compiled, self.warehouse.query(compiled.ast, compiled.params))

    def prepare(self, compiled: CompiledQuery, *, as_of: dt.date | None = None) -> None:
        """Make sure what a compiled query reads is there before it runs (or before a caller runs
        SQL built around it): forecasts as of ``as_of`` when it reads them."""
        if uses_forecast(compiled):
            day = as_of or self.as_of()
            check_forecast_period(compiled.query, day)
            self.ensure_forecast(day)

    def ensure_forecast(self, as_of: dt.date) -> None:
        from metrics.forecast.refresh import ensure  # numpy, pandas and statsforecast only when needed

        if self.warehouse.forecast_as_of() != as_of:
            ensure(self.warehouse.target, as_of, self.forecast_progress)


def forecast_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The days a forecast made on ``as_of`` covers."""
    return as_of + dt.timedelta(days=1), as_of + dt.timedelta(days=HORIZON_DAYS)


def check_forecast_period(query: MetricQuery, as_of: dt.date) -> None:
    """Forecast metrics exist for the coming days only: a period outside them is an error, not zeros."""
    first, last = forecast_window(as_of)
    r = query.time_range
    if r.end < first or r.start > last:
        raise user_error(
            "forecast_period",
            f"Forecasts cover the {HORIZON_DAYS} days after {as_of} ({first} … {last}); {r.start} … {r.end} "
            "is outside them. Ask about the coming days, e.g. next week or the next 7 days.",
            f"预测只覆盖 {as_of} 之后的 {HORIZON_DAYS} 天（{first} … {last}），{r.start} … {r.end} 不在其中。"
            "可以问接下来的日子，例如“下周”或“未来7天”。",
        )


def uses_forecast(compiled: CompiledQuery) -> bool:
    return any(t.name in GENERATED_TABLES for t in compiled.ast.find_all(exp.Table))
