"""Every value of a breakdown, a missing one counted as zero: "which provinces had no refunds", "brands
with zero sales yesterday". A query's rows hold only values that had data; with `complete` its one
dimension is read from the values the catalog lists (or its lookup table), left-joined to the
result, and additive metrics read 0 where nothing happened."""

from __future__ import annotations

from sqlglot import exp

from metrics.catalog.types import TIME_DIMENSION, Catalog, Metric
from metrics.compiler.params import Params
from metrics.compiler.sqlparts import add_join, all_of, col, table
from metrics.compiler.units import key_name
from metrics.problems import user_error
from metrics.query import DimensionFilter, MetricQuery

ADDITIVE_UNITS = ("currency", "count", "units")
UNIVERSE = "universe"


def complete_dimension(catalog: Catalog, query: MetricQuery, metrics: tuple[Metric, ...]) -> str:
    """The one dimension a complete query lists every value of (raises a UserError otherwise)."""
    dims = [d for d in query.dimensions if d != TIME_DIMENSION]
    if len(dims) != 1 or len(query.dimensions) != 1:
        raise user_error(
            "complete_shape",
            "Listing every value (including those with nothing) needs exactly one breakdown, not by date.",
            "列出全部取值（含为零的）时，只能按一个维度拆分，且不能按日期。",
        )
    if query.compare is not None:  # the filled list carries no previous-period columns to compare with
        raise user_error(
            "complete_compare",
            "Listing every value (including those with nothing) cannot be combined with a comparison yet; "
            "ask for the list and the comparison separately.",
            "列出全部取值（含为零的）暂不能同时做对比，请分开询问列表和对比。",
        )
    dim = catalog.dimensions[dims[0]]
    if not dim.values and dim.lookup is None:
        raise user_error(
            "complete_values",
            f"The values of {dim.names.en} are not listed anywhere, so the ones with nothing cannot be named.",
            f"{dim.names.zh}没有取值清单，无法列出为零的取值。",
        )
    for m in metrics:
        if m.unit not in ADDITIVE_UNITS:
            raise user_error(
                "complete_metric",
                f"{m.names.en} is not a count or an amount: a missing value is not zero.",
                f"{m.names.zh}不是计数或金额，缺失不等于零。",
            )
    return dim.id


def universe(catalog: Catalog, filters: tuple[DimensionFilter, ...], dim_id: str, params: Params) -> exp.Select:
    """The dimension's values: the catalog's list, or its lookup table narrowed by the filters — the
    query's and the role's row filters — on columns that table holds (美妆的SKU: dim_sku.category_id)."""
    dim = catalog.dimensions[dim_id]
    key = key_name(dim_id)
    if dim.values:
        rows = [exp.Tuple(expressions=[params.bind(v.id)]) for v in dim.values if _kept(filters, dim_id, v.id)]
        values = exp.Values(
            expressions=rows, alias=exp.TableAlias(this=exp.to_identifier("v"), columns=[exp.to_identifier(key)])
        )
        return exp.select(col(key, "v"), copy=False).from_(values, copy=False)
    assert dim.lookup is not None
    lk = dim.lookup
    columns = catalog.tables.get(lk.table, {})
    conditions: list[exp.Expr] = [exp.Not(this=exp.Is(this=col(lk.key, "u"), expression=exp.Null()))]
    for f in filters:
        column = catalog.dimensions[f.dimension].key_column
        if f.dimension == dim_id:
            column = lk.key
        elif column not in columns:
            continue
        test: exp.Expr = exp.In(this=col(column, "u"), expressions=[params.bind(v) for v in f.values])
        conditions.append(exp.Not(this=test) if f.negate else test)
    select = exp.select(col(lk.key, "u").as_(key, copy=False), copy=False).from_(table(lk.table, "u"), copy=False)
    return select.where(all_of(conditions), copy=False).distinct(copy=False)


def _kept(filters: tuple[DimensionFilter, ...], dim_id: str, value: str) -> bool:
    return all(not (f.dimension == dim_id and (value in f.values) == f.negate) for f in filters)


def filled(dim_id: str, metrics: tuple[Metric, ...], raw: str) -> exp.Select:
    """Every value of the universe with the raw result's metrics, 0 where it has no row."""
    key = key_name(dim_id)
    select = exp.select(col(key, UNIVERSE), copy=False).from_(table(UNIVERSE), copy=False)
    add_join(select, table(raw), exp.EQ(this=col(key, UNIVERSE), expression=col(key, raw)), "LEFT")
    for m in metrics:
        value = exp.Coalesce(this=col(m.id, raw), expressions=[exp.Literal.number(0)])
        select = select.select(value.as_(m.id, copy=False), copy=False)
    return select
