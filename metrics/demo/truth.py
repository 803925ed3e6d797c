"""What the generator knows and no forecast can: the true demand rates and purchase-order arrivals.

``opsbot demo-data --truth`` writes them into a DuckDB file beside the warehouse
(``<name>.truth.duckdb``, see ``metrics.paths.truth_path``), so that a backtest can score an *oracle*: the
same stockout decision rules fed with the truth instead of forecasts. Tables:

* ``demand_rate(date, sku_id, warehouse_id, rate)`` — expected units demanded that day (the
  Poisson mean before the SKU's daily gamma shock, which has mean 1); rows with rate 0 omitted;
* ``sku_dispersion(sku_id, dispersion)`` — the gamma shape of that shock, so daily demand is
  negative binomial with this shape around ``rate``;
* ``purchase_order(po_id, arrival_date)`` — the day each purchase order of the warehouse really
  arrives, also for the ones still in transit at the end of the data;
* ``truth_meta(key, value)``.

Nothing here draws random numbers, so writing the truth leaves the warehouse byte-for-byte
what it is without it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
from numpy.typing import NDArray

from metrics.demo import reference
from metrics.demo.assortment import Assortment
from metrics.demo.demand import DemandModel
from metrics.demo.simulate import Simulation

_SKU = "'SKU-' || lpad(CAST(sku + 1 AS VARCHAR), 5, '0')"


def rates(a: Assortment, model: DemandModel) -> NDArray[np.float64]:
    """(days of data, series) expected daily units per SKU × warehouse (series = sku·5 + warehouse)."""
    span = slice(model.burn_in, model.steps)
    level = model.level[span][:, None, None]
    share = model.share[span][:, :, None]
    out = level * share * a.warehouse_mix[None, :, :]
    return np.asarray(out.reshape(out.shape[0], -1), dtype=np.float64)


def write(path: Path, a: Assortment, model: DemandModel, sim: Simulation, start: dt.date) -> int:
    """Write the truth file; returns the number of demand-rate rows."""
    rate = rates(a, model)
    day, series = np.nonzero(rate > 0)
    sku, warehouse = np.divmod(series, reference.N_WAREHOUSES)
    po = sim.purchase_orders
    warehouses = [w.warehouse_id for w in reference.WAREHOUSES]
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE demand_rate (date DATE, sku_id VARCHAR, warehouse_id VARCHAR, rate DOUBLE)")
        con.execute("CREATE TABLE sku_dispersion (sku_id VARCHAR, dispersion DOUBLE)")
        con.execute("CREATE TABLE purchase_order (po_id VARCHAR, arrival_date DATE)")
        con.execute("CREATE TABLE truth_meta (key VARCHAR, value VARCHAR)")
        src = {"day": day.astype(np.int32), "sku": sku, "warehouse": warehouse, "rate": rate[day, series]}
        con.register("src", src)
        con.execute(
            f"INSERT INTO demand_rate SELECT $start + day, {_SKU}, $warehouses[warehouse + 1], rate FROM src",
            {"start": start, "warehouses": warehouses},
        )
        con.unregister("src")
        con.register("src", {"sku": np.arange(a.size), "dispersion": a.dispersion})
        con.execute(f"INSERT INTO sku_dispersion SELECT {_SKU}, dispersion FROM src")
        con.unregister("src")
        con.register("src", {"seq": np.arange(1, len(po.series) + 1), "arrival": po.arrival.astype(np.int32)})
        con.execute(
            "INSERT INTO purchase_order SELECT 'PO' || lpad(CAST(seq AS VARCHAR), 8, '0'), $start + arrival FROM src",
            {"start": start},
        )
        con.unregister("src")
        con.executemany(
            "INSERT INTO truth_meta VALUES (?, ?)",
            [["schema", "opsbot-demo-truth"], ["schema_version", "1"], ["start_date", start.isoformat()]],
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return len(day)
