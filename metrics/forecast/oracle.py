"""The oracle: the backtest's stockout decision rules fed with the truth instead of forecasts.

A demo warehouse generated with ``opsbot demo-data --truth`` has a truth file beside it
(``<name>.truth.duckdb``: the true expected demand of every SKU × warehouse and day, the gamma
shape of each SKU's daily demand shock, and the day each purchase order really arrives). For
an as-of date the oracle sees the same stock and the same open purchase orders as the model,
but demand rates and arrival days as they truly were, and applies the same two rules:

* point projection — available + true arrivals − Σ true rates reaches ≤ 0 within the horizon;
* probability — P(stockout within the horizon) ≥ 0.5, simulated with the model's own Monte
  Carlo (``risk``) around the true rates, with the true negative-binomial shape, no level error
  and no arrival uncertainty.

Whatever this oracle misses is the luck of the daily demand draws. It also knows which purchase
orders will come late, which no forecast can: in the demo each delay is drawn independently of
anything in the data. So a second oracle, ``known_arrivals``, applies the same rules to the true
rates but to the open orders as the model knows them (expected dates; for the probability, the
history of past delays). The model's F1 as a share of the first says how far it is from perfect
knowledge; as a share of the second, how much of what a demand forecast could know it gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from metrics.forecast import projection, risk
from metrics.forecast.history import History, OpenOrders

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
NO_LEVEL_ERROR = 1e9  # gamma shape of the level multiplier: the rates are known exactly


def attach(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Attach the truth file read-only as ``truth``."""
    con.execute("ATTACH ? AS truth (READ_ONLY)", [str(path)])


@dataclass(frozen=True)
class Calls:
    point: Bools
    probability: Bools


@dataclass(frozen=True)
class Oracles:
    full: Calls  # true rates and true arrival days
    known_arrivals: Calls  # true rates; open orders as the model knows them


def _series(con: duckdb.DuckDBPyConnection, h: History) -> None:
    frame = pd.DataFrame({"idx": np.arange(h.size), "sku_id": list(h.sku), "warehouse_id": list(h.warehouse)})
    con.register("oracle_series", frame)


def _rates(con: duckdb.DuckDBPyConnection, h: History, horizon: int) -> Floats:
    rows = con.execute(
        """
        SELECT s.idx, (r.date - ?::DATE)::BIGINT AS day, r.rate
        FROM truth.main.demand_rate r
        JOIN oracle_series s ON s.sku_id = r.sku_id AND s.warehouse_id = r.warehouse_id
        WHERE r.date > ?::DATE AND r.date <= ?::DATE + ?::INTEGER
        """,
        [h.as_of, h.as_of, h.as_of, horizon],
    ).fetchnumpy()
    out = np.zeros((h.size, horizon))
    out[rows["idx"].astype(np.int64), rows["day"].astype(np.int64) - 1] = rows["rate"]
    return out


def _dispersion(con: duckdb.DuckDBPyConnection, h: History) -> Floats:
    rows = con.execute(
        """
        SELECT s.idx, d.dispersion FROM truth.main.sku_dispersion d JOIN oracle_series s ON s.sku_id = d.sku_id
        """
    ).fetchnumpy()
    out = np.ones(h.size)
    out[rows["idx"].astype(np.int64)] = rows["dispersion"]
    return out


def _orders(con: duckdb.DuckDBPyConnection, h: History) -> OpenOrders:
    """The purchase orders open at the end of the as-of date, due on their true arrival day."""
    rows = con.execute(
        """
        SELECT s.idx, p.qty::BIGINT AS qty, (t.arrival_date - ?::DATE)::BIGINT AS due
        FROM fact_purchase_order p
        JOIN oracle_series s ON s.sku_id = p.sku_id AND s.warehouse_id = p.warehouse_id
        JOIN truth.main.purchase_order t ON t.po_id = p.po_id
        WHERE p.created_date <= ? AND (p.received_date IS NULL OR p.received_date > ?)
        ORDER BY s.idx, t.arrival_date
        """,
        [h.as_of, h.as_of, h.as_of],
    ).fetchnumpy()
    return OpenOrders(
        series=rows["idx"].astype(np.int64), qty=rows["qty"].astype(np.int64), due=rows["due"].astype(np.int64)
    )


def _decide(
    available_now: Floats,
    rate: Floats,
    shape: Floats,
    orders: OpenOrders,
    arrival: NDArray[np.int64],
    delays: NDArray[np.int64],
    groups: NDArray[np.int64],
    n_groups: int,
) -> Calls:
    horizon = rate.shape[1]
    inbound = projection.inbound_by_day(orders, arrival, len(available_now), horizon)
    day = projection.project(available_now, inbound, rate).stockout_day
    p, _ = risk.stockout_probability(
        available_now, rate, shape, np.full(len(available_now), NO_LEVEL_ERROR), orders, delays, groups, n_groups
    )
    return Calls(point=(day > 0) & (day <= horizon), probability=p[:, horizon - 1] >= 0.5)


def calls(
    con: duckdb.DuckDBPyConnection, h: History, horizon: int, groups: NDArray[np.int64], n_groups: int
) -> Oracles:
    """Both oracles' stockout calls within ``horizon`` days of ``h.as_of`` for every series of ``h``."""
    _series(con, h)
    try:
        rate = _rates(con, h, horizon)
        shape = _dispersion(con, h)
        orders = _orders(con, h)
    finally:
        con.unregister("oracle_series")
    available_now = np.nan_to_num(h.available[:, -1], nan=0.0)
    on_time = np.zeros(1, dtype=np.int64)  # the true arrival day is the day: no delay to draw
    full = _decide(available_now, rate, shape, orders, np.maximum(orders.due, 1), on_time, groups, n_groups)
    known = _decide(
        available_now,
        rate,
        shape,
        h.orders,
        projection.arrival_day(h.orders, h.po_delays),
        h.po_delays,
        groups,
        n_groups,
    )
    return Oracles(full=full, known_arrivals=known)
