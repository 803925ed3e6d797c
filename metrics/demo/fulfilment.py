"""Order timestamps: when an order is placed, promised to ship, and shipped.

* order time of day follows an intraday curve (quiet at night, rising through the day, peaking at
  20–22 h); on promotion peaks a midnight rush opens the day;
* promised_ship_ts = order_ts + the channel's promise (JD and the own app 24 h, others 48 h);
* the order-to-ship time is log-normal around the warehouse's median (Shanghai fastest, Chengdu
  slowest), stretched by backlogs on promotion peaks and over the Spring Festival, capped at 5 days;
  so a few % of orders ship late normally and many more around 双11;
* an order whose ship time falls after the end of the data has not shipped yet (``paid``);
  cancelled orders never ship.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from metrics.demo import reference, seasonality

Ints = NDArray[np.int64]
DAY_SECONDS = 86_400
NOT_SHIPPED = -1
SHIP_SIGMA = 0.55
MAX_SHIP_HOURS = 120.0


def order_seconds(day: Ints, dates: NDArray[np.datetime64], rng: np.random.Generator) -> Ints:
    """Seconds since midnight of the first day of the data, for orders placed on ``day``."""
    peak = seasonality.is_peak(dates)[day]
    hour = rng.choice(24, size=len(day), p=seasonality.hourly_weights(False))
    hour_peak = rng.choice(24, size=len(day), p=seasonality.hourly_weights(True))
    hour = np.where(peak, hour_peak, hour)
    return np.asarray(day * DAY_SECONDS + hour * 3600 + rng.integers(0, 3600, len(day)), dtype=np.int64)


def promised_seconds(ts: Ints, channel: Ints) -> Ints:
    """Latest ship time promised to the buyer."""
    hours = np.array([c.promise_hours for c in reference.CHANNELS], dtype=np.int64)
    return np.asarray(ts + hours[channel] * 3600, dtype=np.int64)


def shipped_seconds(
    ts: Ints,
    warehouse: Ints,
    cancelled: NDArray[np.bool_],
    dates: NDArray[np.datetime64],
    days: int,
    rng: np.random.Generator,
) -> Ints:
    """Ship time in seconds, or NOT_SHIPPED (cancelled, or not shipped by the end of the data)."""
    median = np.array([w.ship_median_hours for w in reference.WAREHOUSES])[warehouse]
    load = seasonality.ship_load(dates)[ts // DAY_SECONDS]
    hours = np.minimum(median * load * rng.lognormal(0.0, SHIP_SIGMA, len(ts)), MAX_SHIP_HOURS)
    shipped = ts + np.round(np.maximum(hours, 0.25) * 3600).astype(np.int64)
    return np.where(cancelled | (shipped >= days * DAY_SECONDS), NOT_SHIPPED, shipped).astype(np.int64)
