"""Probability of stocking out: Monte Carlo over demand and supplier delays.

Each path first draws how wrong the forecast level is (a gamma multiplier with mean 1 and the
series' ``rate_shape``, shared by all its days), then every day's demand from the series'
negative binomial around that level (shape k),
and every open purchase order's arrival from the warehouse's own history of delays (received −
expected; for an overdue order, only delays longer than it has already been late). A path
stocks out by day d when available + arrivals − demand reaches ≤ 0 on some day up to d; the
probability is the share of such paths. SKU totals sum their warehouses' paths, so the two
levels agree.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from metrics.forecast.history import OpenOrders

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
PATHS = 200
CHUNK = 1024


def _arrival_days(orders: OpenOrders, delays: Ints, rng: np.random.Generator) -> Ints:
    """(orders, PATHS) day of arrival after the as-of date (≥ 1)."""
    pool = np.sort(delays[delays >= 0]) if len(delays) else np.zeros(1, dtype=np.int64)
    out = np.empty((len(orders.qty), PATHS), dtype=np.int64)
    for i, due in enumerate(orders.due):
        late_by = max(0, -int(due))  # days already past the expected date
        candidates = pool[pool > late_by] if due <= 0 else pool
        if len(candidates) == 0:
            out[i] = 1
            continue
        out[i] = np.maximum(due + rng.choice(candidates, size=PATHS), 1)
    return out


def stockout_probability(
    available_now: Floats,
    mean: Floats,
    shape: Floats,
    rate_shape: Floats,
    orders: OpenOrders,
    delays: Ints,
    groups: Ints,
    n_groups: int,
    seed: int = 0,
) -> tuple[Floats, Floats]:
    """Cumulative P(stockout by day d) for each series and for each group (SKU totals).

    Returns (series, horizon) and (groups, horizon) arrays."""
    rng = np.random.default_rng(seed)
    size, horizon = mean.shape
    arrive = _arrival_days(orders, delays, rng)
    series_p = np.zeros((size, horizon))
    group_level = np.zeros((n_groups, PATHS, horizon))
    for lo in range(0, size, CHUNK):
        hi = min(size, lo + CHUNK)
        kappa = rate_shape[lo:hi, None]
        level_error = rng.gamma(kappa, 1.0 / kappa, size=(hi - lo, PATHS))
        mu = np.maximum(mean[lo:hi, None, :] * level_error[:, :, None], 1e-9)
        k = shape[lo:hi, None, None]
        demand = rng.negative_binomial(k, k / (k + mu), size=(hi - lo, PATHS, horizon)).astype(np.float64)
        flow = -demand
        sel = (orders.series >= lo) & (orders.series < hi)
        for i in np.flatnonzero(sel):
            days = arrive[i]
            hit = days <= horizon
            flow[orders.series[i] - lo, np.flatnonzero(hit), days[hit] - 1] += orders.qty[i]
        level = available_now[lo:hi, None, None] + np.cumsum(flow, axis=2)
        series_p[lo:hi] = np.maximum.accumulate(level <= 0, axis=2).mean(axis=1)
        g = groups[lo:hi]  # series are ordered by SKU, so each group's rows are contiguous
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        group_level[g[starts]] += np.add.reduceat(level, starts, axis=0)
    group_p = np.maximum.accumulate(group_level <= 0, axis=2).mean(axis=1)
    return series_p, group_p
