"""Group order lines into orders (baskets) of one warehouse and one day.

Lines of the same day and warehouse are shuffled and cut into consecutive baskets whose sizes are
drawn as 1–4 lines (64% / 24% / 8% / 4%), so an order never mixes warehouses. Two lines of the
same SKU that land in one basket are merged into one line (the quantities add up), so every order
has distinct SKUs; this yields about 1.4–1.5 lines per order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from metrics.demo import reference
from metrics.demo.lines import Lines, within_group_before

Ints = NDArray[np.int64]
BASKET_SIZE_PROBS = (0.64, 0.24, 0.08, 0.04)


@dataclass(frozen=True)
class Baskets:
    """Orders (day, warehouse) and their items (order index, SKU index, qty), items by order."""

    order_day: Ints
    order_warehouse: Ints
    item_order: Ints
    item_sku: Ints
    item_qty: Ints


def _run_lengths(sorted_keys: Ints) -> Ints:
    """Lengths of the runs of equal values in a sorted array."""
    if len(sorted_keys) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]]))
    return np.diff(np.append(starts, len(sorted_keys))).astype(np.int64)


def _order_starts(group_sizes: Ints, rng: np.random.Generator) -> NDArray[np.bool_]:
    """Flag of the lines that start a new order, groups cut into baskets of random size."""
    n = int(group_sizes.sum())
    sizes = rng.choice(np.arange(1, 5), size=n, p=BASKET_SIZE_PROBS).astype(np.int64)
    before = within_group_before(sizes, group_sizes)
    group_len = np.repeat(group_sizes, group_sizes)
    group_start = np.repeat(np.cumsum(group_sizes) - group_sizes, group_sizes)
    valid = before < group_len
    flags = np.zeros(n, dtype=np.bool_)
    flags[(group_start + before)[valid]] = True
    return flags


def build(lines: Lines, n_skus: int, rng: np.random.Generator) -> Baskets:
    """Orders from lines; orders are numbered by (day, warehouse, random) order."""
    warehouse = lines.series % reference.N_WAREHOUSES
    group_key = lines.day * reference.N_WAREHOUSES + warehouse
    shuffle = rng.integers(0, 2**31, len(group_key))
    idx = np.argsort((group_key << 31) | shuffle, kind="stable")
    starts = _order_starts(_run_lengths(group_key[idx]), rng)
    order = np.cumsum(starts) - 1
    sku = lines.series[idx] // reference.N_WAREHOUSES
    item_key = order * n_skus + sku
    by_item = np.argsort(item_key, kind="stable")
    item_key = item_key[by_item]
    first = np.flatnonzero(np.concatenate([[True], item_key[1:] != item_key[:-1]]))
    qty = np.add.reduceat(lines.qty[idx][by_item], first) if len(first) else np.zeros(0, dtype=np.int64)
    return Baskets(
        order_day=lines.day[idx][starts],
        order_warehouse=warehouse[idx][starts],
        item_order=order[by_item][first],
        item_sku=sku[by_item][first],
        item_qty=np.asarray(qty, dtype=np.int64),
    )
