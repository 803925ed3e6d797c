"""Day-by-day inventory simulation with censored (lost) demand.

State per SKU × warehouse series (≈10,000 at scale 1): available stock, stock on order, the
planner's demand estimate. Each simulated day:

1. purchase orders due today arrive and become available;
2. demand is negative-binomial: Poisson around the expected rate times a SKU-level gamma shock
   (so a SKU's warehouses spike together);
3. sales = min(demand, available): excess demand is lost, never backordered, and nothing sells
   from a warehouse without stock;
4. series under review order up to their target (see ``policy``); new SKUs get their first
   purchase order due on their launch day.

The loop runs over days only; every step is a numpy operation over all series. A burn-in period
before the first day of the data lets stock, pipelines and estimates settle; purchase orders
received during the burn-in are dropped, the ones still open at the start are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from metrics.demo import policy as pol
from metrics.demo import reference
from metrics.demo.assortment import Assortment
from metrics.demo.demand import PLAN_HORIZON, DemandModel

NULL_DAY = -(10**6)  # received_date of purchase orders still in transit at the end
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class PurchaseOrders:
    """Purchase orders; days are relative to the first day of the data."""

    series: Ints
    created: Ints
    expected: Ints
    received: Ints  # NULL_DAY while in transit at the end of the data
    qty: Ints
    arrival: Ints  # the day it really arrives, also after the end of the data


@dataclass(frozen=True)
class Simulation:
    """Daily results over the data period, matrices of shape (days, series)."""

    sold: NDArray[np.int32]
    available: NDArray[np.int32]  # end of day
    received: NDArray[np.int32]
    purchase_orders: PurchaseOrders


@dataclass
class _State:
    """Mutable simulation state and the purchase orders placed so far."""

    available: Ints
    on_order: Ints
    estimate: NDArray[np.float64]
    arrivals: NDArray[np.int32]
    orders: list[tuple[Ints, Ints, Ints, Ints, Ints]] = field(default_factory=list)

    def place(self, t: int, series: Ints, qty: Ints, lead: Ints, delay: Ints) -> None:
        """Record purchase orders created on day t and schedule their arrival."""
        if len(series) == 0:
            return
        expected = t + lead
        arrival = expected + delay
        self.on_order[series] += qty
        inside = arrival < len(self.arrivals)
        self.arrivals[arrival[inside], series[inside]] += qty[inside].astype(np.int32)
        self.orders.append((series, np.full(len(series), t, dtype=np.int64), expected, arrival, qty))


def _series_rate(model: DemandModel, t: int, mix: NDArray[np.float64], level: float) -> NDArray[np.float64]:
    """Expected units per series on day t at a national level of ``level`` units."""
    return np.asarray(level * (model.share[t][:, None] * mix).ravel(), dtype=np.float64)


def _initial_state(a: Assortment, model: DemandModel, p: pol.Policy, rng: np.random.Generator) -> _State:
    """Opening stock of SKUs already on sale: their cover target with noise, a few overstocked."""
    rate = _series_rate(model, 0, a.warehouse_mix, float(model.level[0]))
    estimate = rate * p.belief
    on_sale = np.repeat(a.launch + model.burn_in <= 0, reference.N_WAREHOUSES)
    cover = (p.lead_time + pol.REVIEW_DAYS + p.cycle_days / 2) * rng.lognormal(0.0, 0.3, len(rate))
    cover = np.where(rng.random(len(rate)) < 0.06, cover * rng.uniform(3, 8, len(rate)), cover)
    stock = np.where(on_sale, np.ceil(estimate * cover + 2 * p.z * np.sqrt(estimate * cover)), 0)
    return _State(
        available=stock.astype(np.int64),
        on_order=np.zeros(len(rate), dtype=np.int64),
        estimate=np.where(on_sale, estimate, 0.0),
        arrivals=np.zeros((model.steps + PLAN_HORIZON, len(rate)), dtype=np.int32),
    )


def _launch_orders(
    t: int, a: Assortment, model: DemandModel, p: pol.Policy, st: _State, rng: np.random.Generator
) -> None:
    """First purchase orders of SKUs launching, due on the launch day, sized for the ramped rate."""
    series = np.nonzero((p.review_from - p.lead_time == t) & (p.review_from > 0))[0]
    if len(series) == 0:
        return
    lead = p.lead_time[series]
    ramped = np.minimum(model.steps - 1, t + lead + 42)
    sku, wh = np.divmod(series, reference.N_WAREHOUSES)
    rate = model.base_level[ramped] * model.share[ramped, sku] * a.warehouse_mix[sku, wh]
    planned = rate * p.belief[series] * pol.INITIAL_COVER_DAYS * rng.lognormal(0.0, 0.4, len(series))
    qty = pol.round_to_pack(planned, p.pack[series], p.moq[series])
    st.place(t, series, qty, lead, pol.supplier_delay(t + lead, p, rng))


def _review(t: int, a: Assortment, model: DemandModel, p: pol.Policy, st: _State, rng: np.random.Generator) -> None:
    """Periodic review: order up to S when the inventory position is below s."""
    due = (p.review_offset == t % pol.REVIEW_DAYS) & (t >= p.review_from) & (t < p.review_until)
    series = np.nonzero(due)[0]
    if len(series) == 0:
        return
    lead = p.lead_time[series]
    window = lead + pol.REVIEW_DAYS
    cum = model.plan_cumulative
    recent = (cum[t + 1] - cum[max(0, t - 27)]) / (t + 1 - max(0, t - 27))
    ratio = (cum[t + 1 + window] - cum[t + 1]) / (window * recent)
    ratio = np.maximum(0.2, 1.0 + (ratio - 1.0) * p.promo_bias[series])
    floor = (
        pol.FLOOR_SHARE * p.belief[series] * _series_rate(model, t, a.warehouse_mix, float(model.base_level[t]))[series]
    )
    rate = np.maximum(st.estimate[series], floor) * ratio
    mean = rate * window
    sigma = np.sqrt(mean * (1.0 + rate / p.dispersion[series]))
    reorder = mean + p.z[series] * sigma
    position = st.available[series] + st.on_order[series]
    need = position < reorder
    series, lead = series[need], lead[need]
    target = reorder[need] + rate[need] * p.cycle_days[series]
    qty = pol.round_to_pack(target - position[need], p.pack[series], p.moq[series])
    st.place(t, series, qty, lead, pol.supplier_delay(t + lead, p, rng))


def _step(t: int, a: Assortment, model: DemandModel, p: pol.Policy, st: _State, rng: np.random.Generator) -> Ints:
    """One day: receive, sell (censored), update estimates; returns units sold per series."""
    received = st.arrivals[t].astype(np.int64)
    st.available += received
    st.on_order -= received
    shock = np.repeat(rng.gamma(a.dispersion, 1.0 / a.dispersion), reference.N_WAREHOUSES)
    demand = rng.poisson(_series_rate(model, t, a.warehouse_mix, float(model.level[t])) * shock)
    had_stock = st.available > 0
    sold = np.minimum(demand, st.available)
    st.available -= sold
    st.estimate = np.where(had_stock, st.estimate + pol.EWMA_ALPHA * (sold - st.estimate), st.estimate)
    return np.asarray(sold, dtype=np.int64)


def _purchase_orders(st: _State, model: DemandModel) -> PurchaseOrders:
    """Purchase orders not received before the data starts, in creation order."""
    cols = (
        [np.concatenate([o[i] for o in st.orders]) for i in range(5)]
        if st.orders
        else [np.zeros(0, dtype=np.int64)] * 5
    )
    series, created, expected, arrival, qty = cols
    keep = arrival >= model.burn_in
    received = np.where(arrival < model.steps, arrival - model.burn_in, NULL_DAY)
    return PurchaseOrders(
        series=series[keep],
        created=created[keep] - model.burn_in,
        expected=expected[keep] - model.burn_in,
        received=received[keep],
        qty=qty[keep],
        arrival=arrival[keep] - model.burn_in,
    )


def run(
    a: Assortment,
    model: DemandModel,
    rng: np.random.Generator,
    progress: Callable[[float], None] | None = None,
) -> Simulation:
    """Simulate ``model.steps`` days and return the data period."""
    p = pol.build(a, model, rng)
    st = _initial_state(a, model, p, rng)
    n_series = len(st.available)
    sold = np.zeros((model.days, n_series), dtype=np.int32)
    available = np.zeros((model.days, n_series), dtype=np.int32)
    every = max(1, model.steps // 50)
    for t in range(model.steps):
        _launch_orders(t, a, model, p, st, rng)
        day_sold = _step(t, a, model, p, st, rng)
        _review(t, a, model, p, st, rng)
        if t >= model.burn_in:
            sold[t - model.burn_in] = day_sold
            available[t - model.burn_in] = st.available
        if progress is not None and t % every == 0:
            progress(t / model.steps)
    received = st.arrivals[model.burn_in : model.steps].copy()
    return Simulation(sold=sold, available=available, received=received, purchase_orders=_purchase_orders(st, model))
