"""Project available stock forward and find the first stockout day (metrics.md, "Stockout").

Point projection, per series and for each SKU over all its warehouses:

    projected(d) = available(as_of) + Σ open PO qty expected on or before d − Σ forecast(1 … d)

(an overdue purchase order counts from the day it is likely to arrive: the median delay of past
orders that were at least as late, at the earliest tomorrow). The first day with projected(d) ≤ 0 is the
projected stockout day; ``days_to_stockout`` is its distance from the as-of date.

Suggested reorder quantity (periodic review, order-up-to):

    W  = lead_time_days + REVIEW_DAYS
    S  = Σ forecast over the next W days + z(service level) · sqrt(Σ daily variance over W days)
    qty = max(0, ceil(S − available − on order))

with the negative-binomial daily variance μ + μ²/k and z = Φ⁻¹(SERVICE_LEVEL).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

from metrics.forecast.history import OpenOrders

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
REVIEW_DAYS = 7
SERVICE_LEVEL = 0.95


@dataclass(frozen=True)
class Projection:
    available: Floats  # (series, horizon) end-of-day point projection
    inbound: Floats  # (series, horizon) PO units expected each day
    stockout_day: Ints  # 1 … horizon, 0 when the projection stays above 0


def arrival_day(orders: OpenOrders, delays: Ints) -> Ints:
    """Day after the as-of date each open order is expected: its expected date, or for an overdue
    order the median of the delays longer than it has already been late (at least day 1)."""
    pool = np.sort(delays)
    out = np.maximum(orders.due, 1)
    for i in np.flatnonzero(orders.due <= 0):
        later = pool[pool > -orders.due[i]]
        if len(later):
            out[i] = max(1, int(orders.due[i] + np.median(later)))
    return np.asarray(out, dtype=np.int64)


def inbound_by_day(orders: OpenOrders, day: Ints, size: int, horizon: int) -> Floats:
    """Open purchase-order units per series and day 1 … horizon, each on its arrival ``day``."""
    out = np.zeros((size, horizon))
    keep = day <= horizon
    np.add.at(out, (orders.series[keep], day[keep] - 1), orders.qty[keep])
    return out


def project(available_now: Floats, inbound: Floats, mean: Floats) -> Projection:
    horizon = inbound.shape[1]
    level = available_now[:, None] + np.cumsum(inbound - mean[:, :horizon], axis=1)
    out = level <= 0
    first = np.where(out.any(axis=1), out.argmax(axis=1) + 1, 0)
    return Projection(available=level, inbound=inbound, stockout_day=np.asarray(first, dtype=np.int64))


def on_order(orders: OpenOrders, size: int) -> Ints:
    return np.bincount(orders.series, weights=orders.qty, minlength=size).astype(np.int64)


def next_order(orders: OpenOrders, day: Ints, size: int) -> tuple[Ints, Ints]:
    """(days until the next open PO arrives, its qty); −1 / 0 where none is open."""
    due = np.full(size, -1, dtype=np.int64)
    qty = np.zeros(size, dtype=np.int64)
    order = np.lexsort((day, orders.series))
    seen: set[int] = set()
    for i in order:
        s = int(orders.series[i])
        if s not in seen:
            seen.add(s)
            due[s] = int(day[i])
            qty[s] = int(orders.qty[i])
    return due, qty


def reorder_qty(mean: Floats, shape: Floats, lead_time: Ints, position: Floats) -> Ints:
    """Order-up-to quantity per series (see the module docstring)."""
    window = np.minimum(lead_time + REVIEW_DAYS, mean.shape[1])
    in_window = np.arange(mean.shape[1])[None, :] < window[:, None]
    mu = np.where(in_window, mean, 0.0)
    var = mu + mu**2 / shape[:, None]
    z = NormalDist().inv_cdf(SERVICE_LEVEL)
    target = mu.sum(axis=1) + z * np.sqrt(var.sum(axis=1))
    return np.asarray(np.maximum(0, np.ceil(target - position)), dtype=np.int64)
