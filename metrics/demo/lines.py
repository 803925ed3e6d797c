"""Split the units sold per SKU × warehouse × day into order lines.

Each line buys 1, 2 or 3 units with category-specific probabilities (food and pet multi-buys are
more common, apparel almost always one). Vectorised over all units: every unit slot draws a line
size, sizes are accumulated within their SKU × warehouse × day, and a slot starts a line while the
units before it in its group are fewer than the group's total; the last line is cut to fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from metrics.demo import reference

Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Lines:
    """Order lines before grouping into orders: day of the data, series (sku·5 + warehouse), qty."""

    day: Ints
    series: Ints
    qty: Ints


def within_group_before(values: Ints, group_sizes: Ints) -> Ints:
    """For each element, the sum of the earlier elements of its (contiguous) group."""
    total = np.cumsum(values)
    starts = np.cumsum(group_sizes) - group_sizes
    before_group = total[starts] - values[starts]
    return np.asarray(total - values - np.repeat(before_group, group_sizes), dtype=np.int64)


def split(sold: NDArray[np.int32], sku_category: Ints, rng: np.random.Generator) -> Lines:
    """Order lines (day-major, then series) summing exactly to ``sold``."""
    day, series = np.nonzero(sold)
    units = sold[day, series].astype(np.int64)
    category = np.repeat(sku_category[series // reference.N_WAREHOUSES], units)
    probs = np.array([c.extra_unit_probs for c in reference.CATEGORIES])
    r = rng.random(len(category))
    size = 1 + (r > probs[category, 0]).astype(np.int64) + (r > probs[category, 0] + probs[category, 1])
    before = within_group_before(size, units)
    group_units = np.repeat(units, units)
    keep = before < group_units
    qty = np.minimum(size, group_units - before)[keep]
    owner = np.repeat(np.arange(len(units)), units)[keep]
    return Lines(day=day[owner].astype(np.int64), series=series[owner].astype(np.int64), qty=qty)
