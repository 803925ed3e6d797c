"""MetricQuery → sqlglot AST (with bind parameters) → SQL for DuckDB or another dialect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from metrics.catalog.types import Catalog, Metric, Role
from metrics.compiler.assemble import OutputColumn, core
from metrics.compiler.complete import UNIVERSE, complete_dimension, filled, universe
from metrics.compiler.finish import compare_select, final_select, output_columns
from metrics.compiler.params import Params, inline
from metrics.compiler.plan import plan
from metrics.compiler.route import Available, route
from metrics.compiler.sqlparts import with_ctes
from metrics.query import MetricQuery, TimeRange

__all__ = ["Available", "CompiledQuery", "OutputColumn", "compile_query"]


@dataclass(frozen=True)
class CompiledQuery:
    """The compiled SELECT, its bind parameters, and what each result column means."""

    ast: exp.Select
    params: dict[str, Any]
    columns: tuple[OutputColumn, ...]
    metrics: tuple[Metric, ...]
    dimensions: tuple[str, ...]
    query: MetricQuery
    compare_range: TimeRange | None
    rollups: tuple[str, ...] = ()  # the rollups it reads (none: only raw tables)
    stale_rollups: tuple[str, ...] = ()  # rollups that would have covered it but are older than the warehouse
    routed: bool = False  # rollups were there to choose from (the shown SQL then says where it read)

    def sql(self, dialect: str = "duckdb", *, inline_params: bool = False, pretty: bool = False) -> str:
        if inline_params:  # SQL to show: says which rollups it reads, when it reads any
            text = inline(self.ast, self.params).sql(dialect=dialect, pretty=pretty, copy=False)
            return f"{self.provenance()}\n{text}" if self.routed else text
        # generation for DuckDB leaves the tree as it is, so the defensive copy can be skipped
        return self.ast.sql(dialect=dialect, pretty=pretty, copy=dialect != "duckdb")

    def provenance(self) -> str:
        """One SQL comment line: the rollups read, and the stale ones passed over."""
        line = f"-- read from rollups: {', '.join(self.rollups)}" if self.rollups else "-- read from the raw tables"
        if self.stale_rollups:
            line += f" (stale, not used: {', '.join(self.stale_rollups)})"
        return line


def compile_query(
    catalog: Catalog, query: MetricQuery, role: Role | None = None, rollups: Available | None = None
) -> CompiledQuery:
    """Check `query` (raises metrics.problems.UserError) and compile it to one SELECT, reading the
    smallest fresh rollup that covers each part of it (`rollups`), the raw tables otherwise."""
    routed = route(catalog, plan(catalog, query, role), rollups)
    p = routed.plan
    params = Params()
    ctes: list[tuple[str, exp.Select]] = []
    compare_range = query.comparison_range()
    if compare_range is not None:
        ctes.append(("cur", core(catalog, p, query.time_range, params, "cur_", ctes)))
        ctes.append(("prev", core(catalog, p, compare_range, params, "prev_", ctes)))
        body = compare_select(p, p.dimensions)
    else:
        body = core(catalog, p, query.time_range, params, "", ctes)
    if query.complete:  # every value of the breakdown, zero where nothing happened
        dim = complete_dimension(catalog, query, p.metrics)
        ctes.append(("result_rows", body))
        ctes.append((UNIVERSE, universe(catalog, p.filters, dim, params)))
        body = filled(dim, p.metrics, "result_rows")
    ctes.append(("result", body))
    select = final_select(catalog, p, params)
    with_ctes(select, [(name, cte) for name, cte in ctes])
    return CompiledQuery(
        select,
        dict(params.values),
        tuple(output_columns(catalog, p)),
        p.metrics,
        p.dimensions,
        query,
        compare_range,
        routed.used,
        routed.stale,
        rollups is not None and bool(rollups.fresh or rollups.stale),
    )
