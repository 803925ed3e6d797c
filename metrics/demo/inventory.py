"""End-of-day inventory snapshots (fact_inventory_daily) from the simulation and the orders.

The simulation tracks *available* stock (sales consume it the moment they are ordered). Units of
orders placed but not yet shipped are *reserved*; they leave the warehouse when shipped. Hence

    reserved(d) = units of valid orders placed on or before d and not shipped by the end of d
    on_hand(d)  = available(d) + reserved(d)

which gives the identity on_hand(d) = on_hand(d−1) + received(d) − shipped(d) for every day after
the first of the data, and available = on_hand − reserved ≥ 0 (0 when sold out).

A SKU × warehouse has a row on every day it is stocked there: from the first day of the data for
SKUs already on sale, from their first receipt for SKUs launched during the period, and for
delisted SKUs until (and including) the day their warehouse stock reaches zero after delisting
and after their last purchase order arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from metrics.demo import reference
from metrics.demo.assortment import NEVER, Assortment
from metrics.demo.fulfilment import DAY_SECONDS
from metrics.demo.orders import OrderBook
from metrics.demo.simulate import NULL_DAY, Simulation

Ints = NDArray[np.int64]
MAX_SHIP_DAYS = 7


@dataclass(frozen=True)
class Snapshots:
    """Inventory rows ordered by (day, SKU, warehouse)."""

    day: Ints
    series: Ints  # sku·5 + warehouse
    on_hand: NDArray[np.int32]
    reserved: NDArray[np.int32]


def add_reserved(ob: OrderBook, reserved: NDArray[np.int32]) -> None:
    """Add to ``reserved`` (days, series) the units of ``ob``'s valid orders not shipped by each day's end."""
    days, n_series = reserved.shape
    valid = ~ob.cancelled[ob.item_order]
    order = ob.item_order[valid]
    if len(order) == 0:
        return
    placed = ob.day[order]
    series = ob.item_sku[valid] * reference.N_WAREHOUSES + ob.warehouse[order]
    shipped = ob.shipped[order]
    ship_day = np.where(shipped >= 0, shipped // DAY_SECONDS, days + MAX_SHIP_DAYS)
    if int((np.minimum(ship_day, days) - placed).max()) > MAX_SHIP_DAYS:
        raise AssertionError("orders stay unshipped longer than the reserved-stock window")
    lo, hi = int(placed.min()), min(days, int(placed.max()) + MAX_SHIP_DAYS + 1)
    qty = ob.item_qty[valid].astype(np.float64)
    total = np.zeros((hi - lo) * n_series)
    for k in range(MAX_SHIP_DAYS + 1):
        day = placed + k
        open_ = (day < ship_day) & (day < hi)
        cell = (day[open_] - lo) * n_series + series[open_]
        total += np.bincount(cell, weights=qty[open_], minlength=len(total))
    reserved[lo:hi] += total.reshape(hi - lo, n_series).astype(np.int32)


def _first_true(mask: NDArray[np.bool_], missing: int) -> Ints:
    """Index of the first True along axis 0 per column, ``missing`` where there is none."""
    return np.where(mask.any(axis=0), mask.argmax(axis=0), missing).astype(np.int64)


def _row_span(a: Assortment, sim: Simulation, on_hand: NDArray[np.int32]) -> tuple[Ints, Ints]:
    """(first, last) day with a row, per series (first > last: no row)."""
    days, n_series = on_hand.shape
    launch = np.repeat(a.launch, reference.N_WAREHOUSES)
    delist = np.repeat(a.delist, reference.N_WAREHOUSES)
    received = sim.received > 0
    first = np.where(launch < 0, 0, _first_true(received, days))
    last_receipt = days - 1 - _first_true(received[::-1], days)
    po = sim.purchase_orders
    in_transit = np.zeros(n_series, dtype=np.bool_)
    in_transit[po.series[po.received == NULL_DAY]] = True
    threshold = np.maximum(delist, last_receipt)
    day = np.arange(days)[:, None]
    sold_out = (on_hand == 0) & (day >= threshold[None, :])
    last = np.where((delist < NEVER) & ~in_transit, _first_true(sold_out, days - 1), days - 1)
    return first, last


def build(a: Assortment, sim: Simulation, reserved: NDArray[np.int32]) -> Snapshots:
    """Snapshot rows of every stocked SKU × warehouse × day, given the reserved units."""
    days = sim.available.shape[0]
    on_hand = sim.available + reserved
    first, last = _row_span(a, sim, on_hand)
    day = np.arange(days)[:, None]
    day_idx, series = np.nonzero((day >= first[None, :]) & (day <= last[None, :]))
    return Snapshots(
        day=day_idx.astype(np.int64),
        series=series.astype(np.int64),
        on_hand=on_hand[day_idx, series],
        reserved=reserved[day_idx, series],
    )
