"""What the buyer pays for an order line.

amount = qty × list price × channel discount × promotion depth × coupon, in cents. Channels have
their own everyday discount (Pinduoduo and Douyin deepest), promotions add up to 25% more on the
big days, a share of lines use a coupon (5–15% off), and delisted SKUs are cleared at 30% off.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from metrics.demo import reference, seasonality
from metrics.demo.assortment import Assortment

Ints = NDArray[np.int64]
COUPONS = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.9, 0.85])
CLEARANCE = 0.7


def line_amounts(
    a: Assortment,
    sku: Ints,
    qty: Ints,
    day: Ints,
    channel: Ints,
    dates: NDArray[np.datetime64],
    rng: np.random.Generator,
) -> Ints:
    """Amount paid per line in cents (always at least 1 cent)."""
    discount = np.array([c.base_discount for c in reference.CHANNELS])[channel]
    depth = seasonality.discount_depth(dates)[day]
    coupon = COUPONS[rng.integers(0, len(COUPONS), len(sku))]
    clearance = np.where(day >= a.delist[sku], CLEARANCE, 1.0)
    amount = qty * a.price_cents[sku] * discount * depth * coupon * clearance
    return np.asarray(np.maximum(np.round(amount), 1), dtype=np.int64)
