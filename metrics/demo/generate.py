"""Entry point: generate the demo warehouse into a DuckDB file.

The pipeline is assortment → demand → daily inventory simulation (censored sales, purchase
orders) → orders, statuses, refunds and complaints (in chunks of days, written as they are made,
so memory stays bounded at any scale) → inventory snapshots → traffic and ads → metadata. Every
step draws from its own named random stream of the seed, so the same arguments give identical
tables. The file is written next to ``out`` under a temporary name and renamed over ``out`` only
when complete, so a crash never leaves a half-written warehouse behind.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from metrics import paths
from metrics.demo import aftersales, assortment, buyers, demand, funnel, inventory, orders, simulate, truth
from metrics.demo.rng import stream
from metrics.demo.writer import WarehouseWriter

BURN_IN_DAYS = 63
MIN_DAYS = 28
MAX_DAYS = 1830
MAX_SCALE = 20.0
ORDERS_PER_CHUNK = 400_000

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class GenerationSummary:
    """What was generated, where, and how long it took."""

    path: Path
    start_date: dt.date
    end_date: dt.date
    days: int
    seed: int
    scale: float
    row_counts: dict[str, int]
    seconds: float


@dataclass(frozen=True)
class _Plan:
    """Validated arguments."""

    end: dt.date
    days: int
    seed: int
    scale: float

    @property
    def start(self) -> dt.date:
        """First day of the data."""
        return self.end - dt.timedelta(days=self.days - 1)


def _validate(end_date: object, days: object, seed: object, scale: object) -> _Plan:
    """Check the arguments."""
    if not isinstance(end_date, dt.date):
        raise ValueError(f"end_date must be a date, got {end_date!r}")
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"days must be an integer from {MIN_DAYS} to {MAX_DAYS}, got {days!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if (
        isinstance(scale, bool)
        or not isinstance(scale, int | float)
        or not math.isfinite(scale)
        or not (0 < scale <= MAX_SCALE)
    ):
        raise ValueError(f"scale must be a number greater than 0 and at most {MAX_SCALE:g}, got {scale!r}")
    end = end_date.date() if isinstance(end_date, dt.datetime) else end_date
    return _Plan(end=end, days=days, seed=seed, scale=float(scale))


def _chunks(plan: _Plan) -> list[range]:
    """Day ranges of about ORDERS_PER_CHUNK orders each."""
    size = max(7, int(ORDERS_PER_CHUNK / (demand.ORDERS_PER_DAY * plan.scale)))
    return [range(d, min(d + size, plan.days)) for d in range(0, plan.days, size)]


def _orders(
    w: WarehouseWriter,
    plan: _Plan,
    a: assortment.Assortment,
    sim: simulate.Simulation,
    dates: NDArray[np.datetime64],
    progress: Progress,
) -> tuple[NDArray[np.int32], list[funnel.DailyTotals]]:
    """Generate and write orders chunk by chunk, then refunds and complaints (ids in time order).

    Returns the reserved units per day × series and the daily buyers and GMV per channel.
    """
    pool = buyers.build(plan.days, plan.scale, stream(plan.seed, "buyers"))
    reserved = np.zeros(sim.sold.shape, dtype=np.int32)
    totals: list[funnel.DailyTotals] = []
    refunds: list[aftersales.Refunds] = []
    complaints: list[aftersales.Complaints] = []
    chunks = _chunks(plan)
    for i, days in enumerate(chunks):
        progress(f"orders of {dates[days.start]} … {dates[days.stop - 1]}", 0.3 + 0.45 * i / len(chunks))
        book = orders.build(a, sim.sold, dates, days, pool, stream(plan.seed, f"orders-{i}"))
        after = aftersales.build(a, book, plan.days, stream(plan.seed, f"aftersales-{i}"))
        w.orders(book, after.status)
        inventory.add_reserved(book, reserved)
        totals.append(funnel.daily_totals(book, plan.days))
        refunds.append(after.refunds)
        complaints.append(after.complaints)
    progress("writing refunds and complaints", 0.75)
    w.refunds(aftersales.Refunds.concat(refunds))
    w.complaints(aftersales.Complaints.concat(complaints))
    return reserved, totals


def _write(path: Path, plan: _Plan, progress: Progress, truth_out: Path | None) -> dict[str, int]:
    """Generate the business and write it to ``path`` (and its truth to ``truth_out``); returns row counts."""
    progress("building the assortment", 0.0)
    a = assortment.build(plan.seed, plan.scale, plan.days)
    model = demand.build(
        a, start=np.datetime64(plan.start), days=plan.days, burn_in=BURN_IN_DAYS, scale=plan.scale, seed=plan.seed
    )
    sim = simulate.run(
        a,
        model,
        stream(plan.seed, "simulate"),
        lambda f: progress("simulating stock and sales day by day", 0.02 + 0.28 * f),
    )
    if truth_out is not None:
        progress("writing the true demand rates", 0.3)
        truth.write(truth_out, a, model, sim, plan.start)
    dates = model.dates[model.burn_in : model.steps]
    promotion = model.promotion[model.burn_in : model.steps]
    with WarehouseWriter(str(path), plan.start) as w:
        w.dimensions(a)
        reserved, totals = _orders(w, plan, a, sim, dates, progress)
        progress("writing inventory snapshots", 0.8)
        w.inventory(inventory.build(a, sim, reserved))
        w.purchase_orders(sim.purchase_orders)
        progress("writing traffic and ads", 0.92)
        daily = funnel.DailyTotals.sum(totals)
        w.traffic(funnel.traffic(daily.buyers, promotion, stream(plan.seed, "traffic")))
        w.ads(funnel.ads(daily.gmv, promotion, stream(plan.seed, "ads")))
        w.meta(seed=plan.seed, scale=plan.scale, end=plan.end)
        progress("checkpointing", 0.97)
        w.finish()
        return dict(w.counts)


def _remove(path: Path) -> None:
    """Delete a DuckDB file and its write-ahead log if present."""
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def generate_warehouse(
    out: Path,
    *,
    end_date: dt.date,
    days: int = 730,
    seed: int = 20261120,
    scale: float = 1.0,
    progress: Progress | None = None,
    with_truth: bool = False,
) -> GenerationSummary:
    """Generate the demo warehouse ending on ``end_date`` (the last complete day) into ``out``.

    ``progress(stage, fraction)`` is called as the work advances (fraction 0 → 1). Raises
    ValueError for bad arguments. An existing file at ``out`` is replaced atomically. With
    ``with_truth``, the true demand rates and purchase-order arrivals go to ``paths.truth_path(out)``
    too; the warehouse is the same with or without them.
    """
    plan = _validate(end_date, days, seed, scale)
    report: Progress = progress if progress is not None else (lambda _stage, _fraction: None)
    began = time.perf_counter()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    truth_out = paths.truth_path(out)
    truth_tmp = truth_out.with_name(f".{truth_out.name}.{os.getpid()}.tmp") if with_truth else None
    for p in (tmp, truth_tmp):
        if p is not None:
            _remove(p)
    try:
        counts = _write(tmp, plan, report, truth_tmp)
        out.with_name(out.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, out)
        if truth_tmp is not None:
            truth_out.with_name(truth_out.name + ".wal").unlink(missing_ok=True)
            os.replace(truth_tmp, truth_out)
    finally:
        for p in (tmp, truth_tmp):
            if p is not None:
                _remove(p)
    report("done", 1.0)
    return GenerationSummary(
        path=out,
        start_date=plan.start,
        end_date=plan.end,
        days=plan.days,
        seed=plan.seed,
        scale=plan.scale,
        row_counts=counts,
        seconds=time.perf_counter() - began,
    )
