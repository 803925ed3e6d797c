"""Order status, refunds and complaints.

* A shipped order is refunded in full with its channel's base probability (2–4%) times the
  highest refund factor of its categories (apparel ×2.6 for sizes, food ×0.6), ×1.6 if it shipped
  late; the refund is paid 1.5–14 days after shipping. Refunds that would be paid after the end of
  the data have not happened yet.
* Status: ``cancelled`` (never shipped), ``refunded``, ``completed`` (auto-confirmed 5–12 days
  after shipping, before the end), ``shipped`` (shipped, not yet confirmed), ``paid`` (not shipped
  by the end of the data — mostly the last day's orders).
* About 2% of completed orders get a partial refund of one line: some of its units, or the whole
  line of a multi-line order; single-unit single-line orders are not partially refunded.
* Refunds are per line (as on the platforms); the reason depends on the line's category (size only
  for apparel) and on late shipping (发货太慢 for half of the late orders).
* Complaints come from ~0.5% of orders, plus 5 points for late-shipped and 3 for refunded ones;
  their category follows the cause (late → 物流, refunded → 质量 …).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from metrics.demo import reference
from metrics.demo.assortment import Assortment
from metrics.demo.fulfilment import DAY_SECONDS
from metrics.demo.orders import OrderBook

Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
STATUSES = ("paid", "shipped", "completed", "cancelled", "refunded")
PARTIAL_REFUND_SHARE = 0.02
# P(reason) in reference.REFUND_REASONS order: 质量问题 发货太慢 不想要了 尺码不合适 与描述不符 破损
_REASONS_BY_CATEGORY = np.array(
    [
        [0.25, 0.08, 0.35, 0.00, 0.22, 0.10],
        [0.25, 0.08, 0.35, 0.00, 0.17, 0.15],
        [0.25, 0.10, 0.25, 0.00, 0.15, 0.25],
        [0.25, 0.10, 0.30, 0.00, 0.20, 0.15],
        [0.12, 0.05, 0.22, 0.42, 0.17, 0.02],
    ]
)
_PARTIAL_REASONS = np.array([0.45, 0.0, 0.1, 0.0, 0.25, 0.2])
# P(category) in reference.COMPLAINT_CATEGORIES order: 物流 质量 客服 假货
_COMPLAINT_LATE = np.array([0.75, 0.08, 0.15, 0.02])
_COMPLAINT_REFUNDED = np.array([0.10, 0.55, 0.20, 0.15])
_COMPLAINT_OTHER = np.array([0.35, 0.30, 0.28, 0.07])


@dataclass(frozen=True)
class Refunds:
    """Refund rows: the refunded line is (order number, SKU index)."""

    number: Ints
    sku: Ints
    ts: Ints
    qty: Ints
    amount: Ints  # cents
    reason: Ints  # index into reference.REFUND_REASONS

    @staticmethod
    def concat(parts: list[Refunds]) -> Refunds:
        """All parts' rows in id order: by time, then order number and SKU."""
        cols = [np.concatenate([getattr(p, f) for p in parts]) for f in _REFUND_FIELDS]
        order = np.lexsort((cols[1], cols[0], cols[2]))
        return Refunds(*(c[order] for c in cols))


@dataclass(frozen=True)
class Complaints:
    """Complaint rows of an order number."""

    number: Ints
    ts: Ints
    category: Ints  # index into reference.COMPLAINT_CATEGORIES

    @staticmethod
    def concat(parts: list[Complaints]) -> Complaints:
        """All parts' rows in id order: by time, then order number."""
        cols = [np.concatenate([getattr(p, f) for p in parts]) for f in ("number", "ts", "category")]
        order = np.lexsort((cols[0], cols[1]))
        return Complaints(*(c[order] for c in cols))


_REFUND_FIELDS = ("number", "sku", "ts", "qty", "amount", "reason")


@dataclass(frozen=True)
class AfterSales:
    """Status per order of an order book, and its refunds and complaints."""

    status: Ints  # index into STATUSES
    refunds: Refunds
    complaints: Complaints


def _draw(probs: NDArray[np.float64], rng: np.random.Generator) -> Ints:
    """One categorical draw per row of a (n, k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.asarray(np.minimum((u[:, None] > cum).sum(axis=1), probs.shape[1] - 1), dtype=np.int64)


def _first_items(ob: OrderBook) -> Ints:
    """Index of the first item of every order (items are grouped by order)."""
    return np.searchsorted(ob.item_order, np.arange(ob.size)).astype(np.int64)


def _full_refunds(a: Assortment, ob: OrderBook, first: Ints, end: int, rng: np.random.Generator) -> tuple[Bools, Ints]:
    """(refunded flag, refund time) per order."""
    shipped = ob.shipped >= 0
    late = shipped & (ob.shipped > ob.promised)
    factor = np.array([c.refund_factor for c in reference.CATEGORIES])[a.category[ob.item_sku]]
    worst = np.maximum.reduceat(factor, first) if ob.size else np.zeros(0)
    p = np.array([c.refund_base for c in reference.CHANNELS])[ob.channel] * worst * np.where(late, 1.6, 1.0)
    ts = ob.shipped + (rng.uniform(1.5, 14.0, ob.size) * DAY_SECONDS).astype(np.int64)
    refunded = shipped & (rng.random(ob.size) < p) & (ts < end)
    return refunded, ts


def _status(ob: OrderBook, refunded: Bools, end: int, rng: np.random.Generator) -> Ints:
    """Status index of every order."""
    shipped = ob.shipped >= 0
    confirmed = shipped & (ob.shipped + (rng.uniform(5.0, 12.0, ob.size) * DAY_SECONDS).astype(np.int64) < end)
    status = np.select(
        [ob.cancelled, refunded, confirmed, shipped],
        [
            STATUSES.index("cancelled"),
            STATUSES.index("refunded"),
            STATUSES.index("completed"),
            STATUSES.index("shipped"),
        ],
        STATUSES.index("paid"),
    )
    return np.asarray(status, dtype=np.int64)


def _refunds(
    a: Assortment,
    ob: OrderBook,
    refunded: Bools,
    refund_ts: Ints,
    status: Ints,
    first: Ints,
    end: int,
    rng: np.random.Generator,
) -> Refunds:
    """Full refunds (every line of refunded orders) and partial refunds of one line."""
    late = (ob.shipped >= 0) & (ob.shipped > ob.promised)
    full_items = np.flatnonzero(refunded[ob.item_order])
    full_order = ob.item_order[full_items]
    full_reason = _draw(_REASONS_BY_CATEGORY[a.category[ob.item_sku[full_items]]], rng)
    slow = (late & (rng.random(ob.size) < 0.5))[full_order]
    full_reason = np.where(slow, reference.REFUND_REASONS.index("发货太慢"), full_reason)
    n_items = np.diff(np.append(first, len(ob.item_order)))
    pick = first + np.floor(rng.random(ob.size) * n_items).astype(np.int64)
    eligible = (status == STATUSES.index("completed")) & ((n_items > 1) | (ob.item_qty[pick] > 1))
    partial_ts = ob.shipped + (rng.uniform(3.0, 25.0, ob.size) * DAY_SECONDS).astype(np.int64)
    partial = np.flatnonzero(eligible & (rng.random(ob.size) < PARTIAL_REFUND_SHARE) & (partial_ts < end))
    line_qty = ob.item_qty[pick[partial]]
    qty = np.where(line_qty > 1, 1 + np.floor(rng.random(len(partial)) * (line_qty - 1)), line_qty).astype(np.int64)
    item = np.concatenate([full_items, pick[partial]])
    return Refunds.concat(
        [
            Refunds(
                number=ob.number[np.concatenate([full_order, partial])],
                sku=ob.item_sku[item],
                ts=np.concatenate([refund_ts[full_order], partial_ts[partial]]),
                qty=np.concatenate([ob.item_qty[full_items], qty]),
                amount=np.concatenate([ob.item_amount[full_items], ob.item_amount[pick[partial]] * qty // line_qty]),
                reason=np.concatenate([full_reason, _draw(np.tile(_PARTIAL_REASONS, (len(partial), 1)), rng)]),
            )
        ]
    )


def _complaints(ob: OrderBook, refunded: Bools, end: int, rng: np.random.Generator) -> Complaints:
    """Complaints of valid orders, more likely when shipped late or refunded."""
    shipped = ob.shipped >= 0
    late = shipped & (ob.shipped > ob.promised)
    p = 0.005 + 0.05 * late + 0.03 * refunded
    base = np.where(late, ob.promised, np.where(shipped, ob.shipped, ob.ts))
    ts = base + (rng.uniform(0.1, 6.0, ob.size) * DAY_SECONDS).astype(np.int64)
    chosen = np.flatnonzero(~ob.cancelled & (rng.random(ob.size) < p) & (ts < end))
    probs = np.where(
        late[chosen, None], _COMPLAINT_LATE, np.where(refunded[chosen, None], _COMPLAINT_REFUNDED, _COMPLAINT_OTHER)
    )
    return Complaints.concat([Complaints(number=ob.number[chosen], ts=ts[chosen], category=_draw(probs, rng))])


def build(a: Assortment, ob: OrderBook, days: int, rng: np.random.Generator) -> AfterSales:
    """Statuses, refunds and complaints of an order book, in data of ``days`` days."""
    end = days * DAY_SECONDS
    first = _first_items(ob)
    refunded, refund_ts = _full_refunds(a, ob, first, end, rng)
    status = _status(ob, refunded, end, rng)
    return AfterSales(
        status=status,
        refunds=_refunds(a, ob, refunded, refund_ts, status, first, end, rng),
        complaints=_complaints(ob, refunded, end, rng),
    )
