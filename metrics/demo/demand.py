"""Expected demand of every SKU on every simulated day.

The national level of a day is ``ORDERS_PER_DAY × scale × UNITS_PER_ORDER`` units times the
calendar multiplier of ``seasonality.national`` (normalised so that it averages 1 over the data
period) times a little day-level noise. A SKU's share of that level is proportional to
``popularity × life cycle × category season × exp(trend × years)``: new SKUs ramp up over their
first weeks, delisted ones sell 20% less (clearance of what is left), and categories gain or lose
share with their seasons. Shares are renormalised every day, so launches take volume from the rest
rather than adding to the total. A SKU's demand splits over warehouses by its warehouse mix.

``UNITS_PER_ORDER`` is calibrated so that, after lost sales (stockouts) and the split of units into
order lines and orders, the data averages about ``ORDERS_PER_DAY × scale`` valid orders a day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from metrics.demo import seasonality
from metrics.demo.assortment import Assortment
from metrics.demo.rng import stream

ORDERS_PER_DAY = 5000
UNITS_PER_ORDER = 1.87
PLAN_HORIZON = 80  # calendar days simulated beyond the last day, for planners' look-ahead


@dataclass(frozen=True)
class DemandModel:
    """Demand inputs; index t counts simulated days, t = burn_in is the first day of the data."""

    burn_in: int
    days: int  # days of data
    dates: NDArray[np.datetime64]  # burn_in + days + PLAN_HORIZON dates
    plan: NDArray[np.float64]  # calendar multiplier planners know (no noise), per date
    plan_cumulative: NDArray[np.float64]  # running sum of plan with a leading 0
    level: NDArray[np.float64]  # realised national units per day, per simulated day
    base_level: NDArray[np.float64]  # national units per day without weekly/promotion effects
    share: NDArray[np.float64]  # (simulated days, skus) share of national demand
    promotion: NDArray[np.float64]  # national promotion multiplier per date

    @property
    def steps(self) -> int:
        """Number of simulated days (burn-in plus data)."""
        return self.burn_in + self.days


def _shares(a: Assortment, dates: NDArray[np.datetime64], start: np.datetime64) -> NDArray[np.float64]:
    """(days, skus) share of national demand of each SKU."""
    day = (dates - start).astype(np.int64)[:, None]
    age = day - a.launch[None, :]
    life = np.where(age >= 0, 1.0 - np.exp(-(age + 1) / 21.0), 0.0)
    life = np.where(day >= a.delist[None, :], 0.8 * life, life)
    season = seasonality.category_mix(dates)[a.category].T
    raw = a.popularity[None, :] * life * season * np.exp(a.trend[None, :] * day / 365.0)
    total = raw.sum(axis=1, keepdims=True)
    return np.asarray(raw / np.where(total > 0, total, 1.0), dtype=np.float64)


def build(a: Assortment, *, start: np.datetime64, days: int, burn_in: int, scale: float, seed: int) -> DemandModel:
    """Calendar, national level and SKU shares for ``burn_in + days`` simulated days."""
    rng = stream(seed, "demand")
    steps = burn_in + days
    dates = start - burn_in + np.arange(steps + PLAN_HORIZON).astype("timedelta64[D]")
    national = seasonality.national(dates, start)
    norm = national[burn_in:steps].mean()
    plan = national / norm
    units = ORDERS_PER_DAY * scale * UNITS_PER_ORDER
    noise = rng.lognormal(0.0, 0.04, steps)
    base = seasonality.growth(dates[:steps], start) / norm
    return DemandModel(
        burn_in=burn_in,
        days=days,
        dates=dates,
        plan=plan,
        plan_cumulative=np.concatenate([[0.0], np.cumsum(plan)]),
        level=units * plan[:steps] * noise,
        base_level=units * base,
        share=_shares(a, dates[:steps], start),
        promotion=seasonality.promotion(dates),
    )
