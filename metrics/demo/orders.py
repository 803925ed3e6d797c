"""Turn simulated sales into orders and order items.

Units sold (already censored by stock) become lines (``lines``), lines become orders of one
warehouse and day (``baskets``), orders get a buyer, province and channel (``buyers``), times
(``fulfilment``) and amounts (``pricing``). Cancelled orders are extra orders on top of the sales:
about 3% of orders (5% on promotion days, when pre-sale deposits are abandoned) have a cancelled
twin placed up to two hours earlier by the same buyer with the same items; cancelled orders never
consume stock. Orders are numbered by time within their day: ``O`` + yyyymmdd + 8-digit sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from metrics.demo import baskets, buyers, fulfilment, lines, pricing, seasonality
from metrics.demo.assortment import Assortment

Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True)
class OrderBook:
    """Orders sorted by order time, and their items grouped by order (times in seconds)."""

    number: Ints  # yyyymmdd·10^8 + sequence of the day
    day: Ints
    ts: Ints
    channel: Ints
    buyer: Ints  # index into the buyer pool
    buyer_number: Ints
    province: Ints
    warehouse: Ints
    cancelled: Bools
    promised: Ints
    shipped: Ints  # fulfilment.NOT_SHIPPED if not shipped
    item_order: Ints  # index into the orders
    item_sku: Ints
    item_qty: Ints
    item_amount: Ints  # cents

    @property
    def size(self) -> int:
        """Number of orders, cancelled ones included."""
        return len(self.number)


def _yyyymmdd(dates: NDArray[np.datetime64]) -> Ints:
    """Dates as integers 20261120."""
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    mday = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    return np.asarray(year * 10_000 + month * 100 + mday, dtype=np.int64)


@dataclass(frozen=True)
class _Unsorted:
    """Orders incl. cancelled twins before sorting by time; ``source`` maps twins to originals."""

    source: Ints  # basket order each order copies (itself for real orders)
    item_source: Ints  # basket item each item copies
    item_order: Ints  # order of each item
    ts: Ints
    cancelled: Bools


def _with_cancelled_twins(
    b: baskets.Baskets, ts: Ints, promo: NDArray[np.float64], rng: np.random.Generator
) -> _Unsorted:
    """Append the cancelled twins (placed up to 2 h before their original, same day) and their items."""
    n = len(b.order_day)
    day = b.order_day
    twin = np.flatnonzero(rng.random(n) < np.where(promo[day] > 1.1, 0.05, 0.03))
    twin_ts = np.maximum(ts[twin] - rng.integers(120, 7200, len(twin)), day[twin] * fulfilment.DAY_SECONDS)
    counts = np.bincount(b.item_order, minlength=n)
    first = np.cumsum(counts) - counts
    twin_counts = counts[twin]
    offsets = np.arange(int(twin_counts.sum())) - np.repeat(np.cumsum(twin_counts) - twin_counts, twin_counts)
    return _Unsorted(
        source=np.concatenate([np.arange(n), twin]),
        item_source=np.concatenate([np.arange(len(b.item_order)), np.repeat(first[twin], twin_counts) + offsets]),
        item_order=np.concatenate([b.item_order, n + np.repeat(np.arange(len(twin)), twin_counts)]),
        ts=np.concatenate([ts, twin_ts]),
        cancelled=np.arange(n + len(twin)) >= n,
    )


def _time_order(u: _Unsorted) -> tuple[Ints, Ints, Ints]:
    """(orders by time, each order's position in that order, items grouped by positioned order)."""
    order = np.lexsort((np.arange(len(u.ts)), u.ts))
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    item_idx = np.argsort(position[u.item_order], kind="stable")
    return order.astype(np.int64), position.astype(np.int64), item_idx.astype(np.int64)


def _baskets(a: Assortment, sold: NDArray[np.int32], first_day: int, rng: np.random.Generator) -> baskets.Baskets:
    """Baskets of the days ``first_day …`` whose sales are ``sold``."""
    split = lines.split(sold, a.category, rng)
    shifted = lines.Lines(day=split.day + first_day, series=split.series, qty=split.qty)
    return baskets.build(shifted, a.size, rng)


def build(
    a: Assortment,
    sold: NDArray[np.int32],
    dates: NDArray[np.datetime64],
    days: range,
    pool: buyers.BuyerPool,
    rng: np.random.Generator,
) -> OrderBook:
    """The orders placed on ``days`` (a range of day indices of the data, whose dates are ``dates``)."""
    b = _baskets(a, sold[days.start : days.stop], days.start, rng)
    u = _with_cancelled_twins(b, fulfilment.order_seconds(b.order_day, dates, rng), seasonality.promotion(dates), rng)
    day = b.order_day[u.source]
    warehouse = b.order_warehouse[u.source]
    buyer = buyers.assign(pool, b.order_day, b.order_warehouse, rng)[u.source]
    channel = buyers.channels(pool, buyer, day, len(dates), rng)
    channel = np.where(u.cancelled, channel[u.source], channel)
    shipped = fulfilment.shipped_seconds(u.ts, warehouse, u.cancelled, dates, len(dates), rng)
    sku, qty = b.item_sku[u.item_source], b.item_qty[u.item_source]
    amount = pricing.line_amounts(a, sku, qty, day[u.item_order], channel[u.item_order], dates, rng)
    order, position, item_idx = _time_order(u)
    sorted_day = day[order]
    seq = np.arange(len(order)) - np.searchsorted(sorted_day, sorted_day, side="left") + 1
    return OrderBook(
        number=_yyyymmdd(dates)[sorted_day] * 100_000_000 + seq,
        day=sorted_day,
        ts=u.ts[order],
        channel=channel[order],
        buyer=buyer[order],
        buyer_number=pool.number[buyer[order]],
        province=pool.province[buyer[order]],
        warehouse=warehouse[order],
        cancelled=u.cancelled[order],
        promised=fulfilment.promised_seconds(u.ts, channel)[order],
        shipped=shipped[order],
        item_order=position[u.item_order][item_idx],
        item_sku=sku[item_idx],
        item_qty=qty[item_idx],
        item_amount=amount[item_idx],
    )
