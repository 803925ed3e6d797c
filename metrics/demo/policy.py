"""The replenishment planners: a periodic-review (s, S) policy with deliberate imperfections.

Every SKU × warehouse is reviewed once a week (all warehouses of a SKU on the same weekday). The
planner's demand estimate is an exponentially weighted moving average of *sales* on days that
started in stock (so it lags, and it under-estimates demand lost to stockouts), floored at a
fraction of the planner's long-run belief so that slow sellers are still reordered. It is scaled
by the known promotion calendar over the coverage window (lead time + review period), but each SKU
has its own bias on the promotion uplift — some are under-prepared for 双11, some over-bought.

* reorder level s = expected demand over the window + z·σ (negative-binomial variance, z per SKU);
* order-up-to S = s + the SKU's cycle stock (10–30 days of demand); z is drawn per SKU in [0, 1];
* order quantities are rounded up to case packs and a minimum order quantity, which overstocks
  the long tail (as in real life);
* supplier delays: ~15% of purchase orders arrive 2–15 days late (≈35% around 双11 and the Spring
  Festival); initial orders of new SKUs are due on the launch day and are never early.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from metrics.demo import reference, seasonality
from metrics.demo.assortment import Assortment
from metrics.demo.demand import DemandModel

REVIEW_DAYS = 7
EWMA_ALPHA = 1.0 / 14.0
FLOOR_SHARE = 0.35
INITIAL_COVER_DAYS = 30.0


@dataclass(frozen=True)
class Policy:
    """Per-series (SKU × warehouse, index sku·5 + warehouse) planning parameters."""

    lead_time: NDArray[np.int64]
    review_offset: NDArray[np.int64]  # reviewed on days t with t % REVIEW_DAYS == offset
    review_from: NDArray[np.int64]  # first simulated day of reviews (launch day for new SKUs)
    review_until: NDArray[np.int64]  # no reviews from this simulated day on (delisting)
    z: NDArray[np.float64]
    cycle_days: NDArray[np.float64]
    promo_bias: NDArray[np.float64]  # planner's multiplier on the promotion uplift
    belief: NDArray[np.float64]  # planner's belief of the long-run rate relative to truth
    dispersion: NDArray[np.float64]
    pack: NDArray[np.int64]
    moq: NDArray[np.int64]
    late_probability: NDArray[np.float64]  # per calendar date (index like DemandModel.dates)


def _per_series(values: NDArray[np.generic]) -> NDArray[np.generic]:
    """Repeat a per-SKU array for each warehouse."""
    return np.repeat(values, reference.N_WAREHOUSES)


def _late_probability(model: DemandModel) -> NDArray[np.float64]:
    """Probability that a purchase order due on a date arrives late."""
    month, mday, _, _ = seasonality.parts(model.dates)
    double11 = ((month == 10) & (mday >= 25)) | ((month == 11) & (mday <= 15))
    festival = np.abs(seasonality.spring_festival_offset(model.dates)) <= 10
    return np.where(double11 | festival, 0.35, 0.15)


def build(a: Assortment, model: DemandModel, rng: np.random.Generator) -> Policy:
    """Draw the planning parameters; case packs depend on each series' initial demand rate."""
    n = a.size
    rate = model.base_level[model.burn_in] * (model.share[-1][:, None] * a.warehouse_mix).ravel()
    pack = np.select([rate < 0.3, rate < 3, rate < 15], [1, 6, 12], 24).astype(np.int64)
    launch_t = a.launch + model.burn_in
    delist_t = a.delist + model.burn_in
    return Policy(
        lead_time=np.asarray(_per_series(a.lead_time), dtype=np.int64),
        review_offset=np.asarray(_per_series(rng.integers(0, REVIEW_DAYS, n)), dtype=np.int64),
        review_from=np.asarray(_per_series(np.maximum(launch_t, 0)), dtype=np.int64),
        review_until=np.asarray(_per_series(delist_t), dtype=np.int64),
        z=np.asarray(_per_series(rng.uniform(0.0, 1.0, n)), dtype=np.float64),
        cycle_days=np.asarray(_per_series(rng.uniform(10, 30, n)), dtype=np.float64),
        promo_bias=np.asarray(_per_series(rng.lognormal(-0.25, 0.35, n)), dtype=np.float64),
        belief=rng.lognormal(0.0, 0.3, n * reference.N_WAREHOUSES),
        dispersion=np.asarray(_per_series(a.dispersion), dtype=np.float64),
        pack=pack,
        moq=np.maximum(pack, 3),
        late_probability=_late_probability(model),
    )


def round_to_pack(qty: NDArray[np.float64], pack: NDArray[np.int64], moq: NDArray[np.int64]) -> NDArray[np.int64]:
    """Round order quantities up to whole case packs, at least the minimum order quantity."""
    packs = np.ceil(np.maximum(qty, 0.0) / pack).astype(np.int64)
    return np.asarray(np.maximum(packs * pack, moq), dtype=np.int64)


def supplier_delay(expected: NDArray[np.int64], policy: Policy, rng: np.random.Generator) -> NDArray[np.int64]:
    """Days late (0 for on time) of purchase orders due on simulated days ``expected``."""
    p = policy.late_probability[np.minimum(expected, len(policy.late_probability) - 1)]
    late = rng.random(len(expected)) < p
    return np.where(late, 2 + np.floor(14 * rng.random(len(expected)) ** 2), 0).astype(np.int64)
