"""One forecasting run for one as-of date: history → demand → projection → risk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
from numpy.typing import NDArray

from metrics.forecast import demand, history, projection, risk
from metrics.forecast.history import History, OpenOrders
from metrics.forecast.store import HORIZON_DAYS

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
HORIZON = HORIZON_DAYS  # days stored and answered
FIT_HORIZON = 42  # days forecast internally (reorder windows reach lead time + review)
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Level:
    """Projection of a set of series (SKU × warehouse, or SKU totals)."""

    available_now: Floats
    inbound: Floats  # (n, FIT_HORIZON)
    mean: Floats  # (n, FIT_HORIZON)
    shape: Floats
    projected: projection.Projection
    probability: Floats  # (n, HORIZON) cumulative
    on_order: Ints
    next_due: Ints  # days after as-of, −1 when none
    next_qty: Ints
    reorder: Ints
    lead_time: Ints


@dataclass(frozen=True)
class Run:
    history: History
    forecast: demand.DemandForecast
    series: Level
    skus: tuple[str, ...]
    sku_of_series: Ints  # index into skus
    totals: Level


def run(con: duckdb.DuckDBPyConnection, as_of: dt.date, progress: Progress | None = None) -> Run:
    say = progress or (lambda _stage, _fraction: None)
    say("reading history", 0.0)
    h = history.load(con, as_of)
    say("forecasting demand", 0.15)
    f = demand.forecast(h, FIT_HORIZON)
    say("simulating stockout risk", 0.7)
    skus, inverse = np.unique(np.array(h.sku), return_inverse=True)
    groups = np.asarray(inverse, dtype=np.int64)
    available_now = np.nan_to_num(h.available[:, -1], nan=0.0)
    series_p, total_p = risk.stockout_probability(
        available_now, f.mean[:, :HORIZON], f.shape, f.rate_shape, h.orders, h.po_delays, groups, len(skus)
    )
    say("projecting stock", 0.9)
    arrival = projection.arrival_day(h.orders, h.po_delays)
    series = _level(available_now, f.mean, f.shape, h.orders, arrival, h.lead_time, series_p)
    totals = _totals(series, groups, len(skus), total_p)
    return Run(h, f, series, tuple(str(s) for s in skus), groups, totals)


def _level(
    available_now: Floats,
    mean: Floats,
    shape: Floats,
    orders: OpenOrders,
    arrival: Ints,
    lead_time: Ints,
    probability: Floats,
) -> Level:
    size = len(available_now)
    inbound = projection.inbound_by_day(orders, arrival, size, FIT_HORIZON)
    on_order = projection.on_order(orders, size)
    due, qty = projection.next_order(orders, arrival, size)
    return Level(
        available_now=available_now,
        inbound=inbound,
        mean=mean,
        shape=shape,
        projected=projection.project(available_now, inbound[:, :HORIZON], mean),
        probability=probability,
        on_order=on_order,
        next_due=due,
        next_qty=qty,
        reorder=projection.reorder_qty(mean, shape, lead_time, available_now + on_order),
        lead_time=lead_time,
    )


def _sum_by(groups: Ints, n: int, x: NDArray[np.generic]) -> Floats:
    out = np.zeros((n, *x.shape[1:]))
    np.add.at(out, groups, x)
    return out


def _totals(series: Level, groups: Ints, n: int, probability: Floats) -> Level:
    """SKU totals: stock, orders and demand summed over warehouses, then projected."""
    mean = _sum_by(groups, n, series.mean)
    # the variance of a sum is the sum of the variances; k = μ² / (σ² − μ), averaged over days
    var = _sum_by(groups, n, series.mean + series.mean**2 / series.shape[:, None])
    shape = np.clip(np.mean(mean**2 / np.maximum(var - mean, 1e-9), axis=1), 0.15, 60.0)
    available_now = _sum_by(groups, n, series.available_now)
    inbound = _sum_by(groups, n, series.inbound)
    none = np.iinfo(np.int64).max
    series_due = np.where(series.next_due > 0, series.next_due, none)
    first_due = np.full(n, none, dtype=np.int64)
    np.minimum.at(first_due, groups, series_due)
    earliest = (series_due == first_due[groups]) & (series_due < none)
    lead_time = np.zeros(n, dtype=np.int64)
    lead_time[groups] = series.lead_time
    return Level(
        available_now=available_now,
        inbound=inbound,
        mean=mean,
        shape=shape,
        projected=projection.project(available_now, inbound[:, :HORIZON], mean),
        probability=probability,
        on_order=_sum_by(groups, n, series.on_order).astype(np.int64),
        next_due=np.where(first_due < none, first_due, -1),
        next_qty=np.bincount(groups[earliest], weights=series.next_qty[earliest], minlength=n).astype(np.int64),
        reorder=_sum_by(groups, n, series.reorder).astype(np.int64),
        lead_time=lead_time,
    )
