"""The semantic layer's catalog as frozen values: tables, models, dimensions, metrics, roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlglot import exp

from metrics.file_problems import Source

MetricKind = Literal["aggregate", "snapshot", "derived", "trailing", "repeat"]
Unit = Literal["currency", "count", "units", "ratio", "days", "number", "date"]
Grain = Literal["day", "week", "month"]
TIME_DIMENSION = "date"
PERIOD_DAYS = "period_days"


@dataclass(frozen=True)
class Names:
    """A display name and synonyms in Chinese and English."""

    zh: str
    en: str
    synonyms_zh: tuple[str, ...] = ()
    synonyms_en: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return (self.zh, self.en, *self.synonyms_zh, *self.synonyms_en)

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Join:
    table: str
    alias: str
    on: exp.Expr
    fanout: bool = False  # one row of the model's table may match many rows of this join


@dataclass(frozen=True)
class Totals:
    """Rows whose `column` IS NULL hold the total over `dimensions` (e.g. all warehouses together).

    A query that breaks down or filters by one of the dimensions reads the other rows; any other
    query reads only the total rows, so nothing is counted twice."""

    column: exp.Column
    dimensions: tuple[str, ...]
    source: Source


@dataclass(frozen=True)
class Model:
    id: str
    names: Names
    description: str
    table: str
    alias: str
    joins: tuple[Join, ...]
    where: exp.Expr | None
    time_column: exp.Column
    time_type: Literal["timestamp", "date"]
    dimensions: dict[str, exp.Expr]
    source: Source
    primary_key: exp.Column | None = None  # unique per row of `table`
    totals: Totals | None = None


@dataclass(frozen=True)
class DimensionValue:
    id: str
    zh: str
    en: str
    synonyms: tuple[str, ...] = ()

    def spellings(self) -> tuple[str, ...]:
        return (self.id, self.zh, self.en, *self.synonyms)


@dataclass(frozen=True)
class Lookup:
    """The table that lists a dimension's values (and their names, when it has them)."""

    table: str
    key: str
    name_zh: str | None = None
    name_en: str | None = None


@dataclass(frozen=True)
class Dimension:
    id: str
    names: Names
    kind: Literal["time", "categorical"]
    key_column: str
    lookup: Lookup | None
    values: tuple[DimensionValue, ...]
    grains: tuple[Grain, ...]
    source: Source

    def output_columns(self) -> tuple[str, ...]:
        """The result columns a breakdown by this dimension produces: key, then names."""
        if self.lookup is not None and self.lookup.name_zh and self.lookup.name_en:
            return (self.key_column, f"{self.id}_name_zh", f"{self.id}_name_en")
        return (self.key_column,)


@dataclass(frozen=True)
class Metric:
    id: str
    names: Names
    description_zh: str
    description_en: str
    owner: str
    unit: Unit
    format: str
    version: int
    kind: MetricKind
    source: Source
    model: str | None = None
    expr: exp.Expr | None = None
    internal: bool = False
    base: str | None = None
    days: int | None = None
    entity: exp.Expr | None = None
    count: exp.Expr | None = None
    at_least: int | None = None
    depends_on: tuple[str, ...] = ()
    lower_is_better: bool = False  # `better: lower` (refund rate, complaints): "worst" ranks it highest first
    at_risk: float | None = None  # a probability's "at risk" line (stockout probability ≥ 0.5): 有断货风险

    def description(self, lang: str) -> str:
        return self.description_zh if lang == "zh" else self.description_en


@dataclass(frozen=True)
class Role:
    id: str
    names: Names
    row_filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    allow_metrics: tuple[str, ...] | None = None
    deny_metrics: tuple[str, ...] = ()
    source: Source = field(default_factory=lambda: Source("roles.yaml", 1))


Merge = Literal["sum", "count", "distinct", "entity"]


@dataclass(frozen=True)
class RollupMeasure:
    """A metric a rollup stores per group: `sum` and `count` re-aggregate by summing (a count cast back
    to BIGINT); `distinct` (a distinct count) is read only at the rollup's own grain and dimensions;
    `entity` keeps the counted value itself (the buyer) as a column of the rollup, so the distinct count
    is counted again, exactly, over any days and groups."""

    metric: str
    merge: Merge


@dataclass(frozen=True)
class Rollup:
    """A pre-aggregated table of one model: per day × `dimensions`, the `measures` (metrics/rollups/)."""

    id: str
    model: str
    dimensions: tuple[str, ...]
    grain: Grain
    measures: tuple[RollupMeasure, ...]
    source: Source

    @property
    def table(self) -> str:
        return f"ru_{self.id}"

    @property
    def entities(self) -> tuple[str, ...]:
        """The metrics whose counted values the rollup keeps (`distinct:` in rollups.yaml)."""
        return tuple(m.metric for m in self.measures if m.merge == "entity")

    def measure(self, metric_id: str) -> RollupMeasure | None:
        return next((m for m in self.measures if m.metric == metric_id), None)


@dataclass(frozen=True)
class Catalog:
    tables: dict[str, dict[str, str]]  # every table models may read, generated ones included
    models: dict[str, Model]
    dimensions: dict[str, Dimension]
    metrics: dict[str, Metric]
    roles: dict[str, Role]
    leaf_models: dict[str, frozenset[str]] = field(default_factory=dict)
    sliceable: dict[str, frozenset[str]] = field(default_factory=dict)
    # tables opsbot writes itself (the forecast store): absent until first made, checked when present
    generated_tables: frozenset[str] = frozenset()
    rollups: dict[str, Rollup] = field(default_factory=dict)  # rollups.yaml: pre-aggregated tables

    def public_metrics(self) -> list[Metric]:
        return [m for m in self.metrics.values() if not m.internal]
