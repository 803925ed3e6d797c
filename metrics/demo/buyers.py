"""The buyer pool: who places each order, from which province, on which channel.

Buyers live in a province (drawn by e-commerce weight) and so belong to the region of one
warehouse; an order fulfilled by a warehouse is placed by a buyer of its region. Half of the pool
are customers from before the period, the rest join over it (the pool grows with the business).
Purchase frequency is heavy-tailed (log-normal weights): most buyers order once in a while, a few
loyal ones several times a month, which gives a monthly repeat-purchase rate of roughly 10–25%.
Each buyer has a preferred channel used for about half of their orders; the other half follow the
channel shares of the day, so the same buyer appears on several channels and Douyin's share grows
over the period while Tmall's shrinks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from metrics.demo import reference

Ints = NDArray[np.int64]
BUYERS_PER_DAILY_ORDER = 250.0  # pool size per average order a day
ACTIVITY_SIGMA = 1.0
CHANNEL_LOYALTY = 0.5
EXISTING_SHARE = 0.5


@dataclass(frozen=True)
class BuyerPool:
    """Buyers sorted by (warehouse region, join day); ``number`` is the public id number."""

    warehouse: Ints
    province: Ints
    join_day: Ints
    cum_weight: NDArray[np.float64]  # running sum of activity weights within each region
    region_start: Ints  # first buyer of each region (plus the end)
    channel: Ints  # preferred channel
    number: Ints


def build(days: int, scale: float, rng: np.random.Generator) -> BuyerPool:
    """A pool sized for ``scale``."""
    n = max(500, round(BUYERS_PER_DAILY_ORDER * 5000 * scale))
    weights = reference.province_weights()
    province = rng.choice(len(weights), size=n, p=weights / weights.sum())
    warehouse = reference.province_warehouse()[province]
    existing = rng.random(n) < EXISTING_SHARE
    join_day = np.where(existing, -1, rng.integers(0, max(1, days), n)).astype(np.int64)
    order = np.lexsort((join_day, warehouse))
    activity = rng.lognormal(0.0, ACTIVITY_SIGMA, n)[order]
    warehouse = warehouse[order]
    region_start = np.searchsorted(warehouse, np.arange(reference.N_WAREHOUSES + 1)).astype(np.int64)
    cum = np.empty(n)
    for r in range(reference.N_WAREHOUSES):  # a running sum per region
        cum[region_start[r] : region_start[r + 1]] = np.cumsum(activity[region_start[r] : region_start[r + 1]])
    shares = np.array([(c.share_start + c.share_end) / 2 for c in reference.CHANNELS])
    return BuyerPool(
        warehouse=warehouse,
        province=province[order].astype(np.int64),
        join_day=join_day[order],
        cum_weight=cum,
        region_start=region_start,
        channel=rng.choice(len(shares), size=n, p=shares / shares.sum()).astype(np.int64),
        number=10_000_000 + rng.permutation(n).astype(np.int64),
    )


def assign(pool: BuyerPool, day: Ints, warehouse: Ints, rng: np.random.Generator) -> Ints:
    """A buyer for each order, drawn by activity among the region's buyers who joined by then."""
    buyer = np.zeros(len(day), dtype=np.int64)
    u = rng.random(len(day))
    for r in range(reference.N_WAREHOUSES):
        lo, hi = int(pool.region_start[r]), int(pool.region_start[r + 1])
        mine = np.flatnonzero(warehouse == r)
        joined = np.searchsorted(pool.join_day[lo:hi], day[mine], side="right")
        joined = np.maximum(joined, 1)
        cum = pool.cum_weight[lo:hi]
        pick = np.searchsorted(cum, u[mine] * cum[joined - 1], side="right")
        buyer[mine] = lo + np.minimum(pick, joined - 1)
    return buyer


def channels(pool: BuyerPool, buyer: Ints, day: Ints, days: int, rng: np.random.Generator) -> Ints:
    """Channel of each order: the buyer's preferred one, or the day's channel mix."""
    start = np.array([c.share_start for c in reference.CHANNELS])
    end = np.array([c.share_end for c in reference.CHANNELS])
    frac = (np.arange(days) / max(1, days - 1))[:, None]
    shares = start[None, :] * (1 - frac) + end[None, :] * frac
    cum = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(day))
    drawn = np.zeros(len(day), dtype=np.int64)
    for c in range(len(start) - 1):
        drawn += u > cum[day, c]
    loyal = rng.random(len(day)) < CHANNEL_LOYALTY
    return np.where(loyal, pool.channel[buyer], drawn).astype(np.int64)
