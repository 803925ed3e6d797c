"""`refresh`: run the forecast for an as-of date and store it beside the warehouse.

The store is written to a temporary file and renamed over the old one (readers never see half
a store); a lock file serialises concurrent refreshes, and a refresh that finds the store
already at the requested as-of date (written while it waited) does nothing.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from metrics.forecast import engine, history, store
from metrics.forecast.demand import CLASSES
from metrics.forecast.engine import Level, Progress, Run


@dataclass(frozen=True)
class RefreshReport:
    path: Path | str  # the store file, or where on the engine
    as_of: dt.date
    series: int
    skus: int
    rows: int
    seconds: float
    at_risk_7d: int  # SKU × warehouse series projected to stock out within 7 days
    reused: bool = False


def last_day(con: duckdb.DuckDBPyConnection) -> dt.date:
    row = con.execute("SELECT value FROM opsbot_meta WHERE key = 'end_date'").fetchone() if _has_meta(con) else None
    if row:
        return dt.date.fromisoformat(row[0])
    found = con.execute("SELECT MAX(snapshot_date) FROM fact_inventory_daily").fetchone()
    if found is None or found[0] is None:
        raise ValueError("the warehouse has no inventory snapshots")
    value: dt.date = found[0]
    return value


def _has_meta(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'opsbot_meta'").fetchone()[0])  # type: ignore[index]


def refresh(
    warehouse: str | Path, as_of: dt.date | None = None, *, progress: Progress | None = None, force: bool = True
) -> RefreshReport:
    """Forecast every stocked SKU × warehouse as of ``as_of`` (default: the warehouse's last day).
    ``warehouse`` is a DuckDB file (the store goes beside it) or a warehouse URL (the store goes into
    the engine's forecast schema, metrics/forecast/remote.py)."""
    if "://" in str(warehouse) and not str(warehouse).startswith("duckdb://"):
        return _refresh_remote(str(warehouse), as_of, progress, force)
    if str(warehouse).startswith("duckdb://"):
        from metrics.engines.url import parse_url

        warehouse = parse_url(str(warehouse)).path or Path(str(warehouse))
    warehouse = Path(warehouse)
    started = time.perf_counter()
    target = store.store_path(warehouse)
    con = history.connect(warehouse)
    try:
        day = as_of or last_day(con)
        with _locked(target):
            if not force and store.stored_as_of(target) == day:
                return RefreshReport(target, day, 0, 0, 0, time.perf_counter() - started, 0, reused=True)
            result = engine.run(con, day, progress)
            frame = projection_frame(result)
            _write(target, frame, day, result)
            if progress is not None:
                progress("done", 1.0)
    finally:
        con.close()
    s = result.series.projected.stockout_day
    return RefreshReport(
        path=target,
        as_of=day,
        series=result.history.size,
        skus=len(result.skus),
        rows=len(frame),
        seconds=time.perf_counter() - started,
        at_risk_7d=int(((s > 0) & (s <= 7)).sum()),
    )


class _locked:
    """An exclusive lock on ``<store>.lock`` for the duration of a refresh."""

    def __init__(self, target: Path) -> None:
        self.path = target.with_name(target.name + ".lock")

    def __enter__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _level_frame(
    run: Run, level: Level, sku: list[str], warehouse: list[str | None], classes: list[str], models: list[str]
) -> pd.DataFrame:
    n, horizon = len(sku), engine.HORIZON
    as_of = np.datetime64(run.history.as_of, "D")
    dates = as_of + np.arange(1, horizon + 1)
    day = level.projected.stockout_day
    has_out = day > 0
    mean = level.mean[:, :horizon]
    k = level.shape[:, None]
    sd = np.sqrt(mean + mean**2 / k)
    start = np.zeros((n, horizon), dtype=bool)
    start[np.flatnonzero(has_out), day[has_out] - 1] = True

    def per_day(x: np.ndarray) -> np.ndarray:
        return np.repeat(x, horizon)

    return pd.DataFrame(
        {
            "as_of_date": np.full(n * horizon, as_of),
            "date": np.tile(dates, n),
            "sku_id": per_day(np.array(sku, dtype=object)),
            "warehouse_id": per_day(np.array(warehouse, dtype=object)),
            "forecast_units": mean.ravel(),
            "forecast_lo": np.maximum(mean - 1.2816 * sd, 0.0).ravel(),
            "forecast_hi": (mean + 1.2816 * sd).ravel(),
            "inbound_units": level.inbound[:, :horizon].astype(np.int64).ravel(),
            "projected_available": level.projected.available.ravel(),
            "stockout_start": start.ravel(),
            "stockout_probability": level.probability.ravel(),
            "available_now": per_day(level.available_now.astype(np.int64)),
            "on_order": per_day(level.on_order),
            "days_to_stockout": per_day(np.where(has_out, day, -1)),
            "projected_stockout_date": per_day(np.where(has_out, as_of + np.maximum(day, 0), np.datetime64("NaT"))),
            "next_po_date": per_day(
                np.where(level.next_due > 0, as_of + np.maximum(level.next_due, 0), np.datetime64("NaT"))
            ),
            "next_po_qty": per_day(np.where(level.next_due > 0, level.next_qty, -1)),
            "suggested_reorder_qty": per_day(level.reorder),
            "lead_time_days": per_day(level.lead_time),
            "demand_class": per_day(np.array(classes, dtype=object)),
            "model": per_day(np.array(models, dtype=object)),
        }
    )


def projection_frame(run: Run) -> pd.DataFrame:
    h, f = run.history, run.forecast
    classes = [CLASSES[c] for c in f.demand_class]
    series = _level_frame(run, run.series, list(h.sku), list(h.warehouse), classes, list(f.model))
    totals = _level_frame(
        run,
        run.totals,
        list(run.skus),
        [None] * len(run.skus),
        ["total"] * len(run.skus),
        ["sum of warehouses"] * len(run.skus),
    )
    frame = pd.concat([series, totals], ignore_index=True)
    for col in ("days_to_stockout", "next_po_qty"):
        frame[col] = frame[col].astype("Int64").mask(frame[col] < 0)
    return frame


def _write(target: Path, frame: pd.DataFrame, as_of: dt.date, run: Run) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute(store.projection_ddl())
        con.register("frame", frame)
        cols = ", ".join(name for name, _ in store.PROJECTION_COLUMNS)
        con.execute(f"INSERT INTO {store.PROJECTION_TABLE} SELECT {cols} FROM frame")
        con.execute(f"CREATE TABLE {store.META_TABLE} (key VARCHAR, value VARCHAR)")
        meta = _meta(as_of, run)
        con.executemany(f"INSERT INTO {store.META_TABLE} VALUES (?, ?)", list(meta.items()))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, target)


def _refresh_remote(url: str, as_of: dt.date | None, progress: Progress | None, force: bool) -> RefreshReport:
    from metrics.forecast import remote
    from metrics.warehouse import Warehouse

    started = time.perf_counter()
    wh = Warehouse(url)
    try:
        day = as_of or wh.last_day()
        where = wh.forecast_location
        if not force and wh.forecast_as_of() == day:
            return RefreshReport(where, day, 0, 0, 0, time.perf_counter() - started, 0, reused=True)
        if progress is not None:
            progress("reading history", 0.0)
        con = remote.pull(wh, day)
        try:
            result = engine.run(con, day, progress)
        finally:
            con.close()
        frame = projection_frame(result)
        if progress is not None:
            progress("storing", 0.95)
        remote.write(wh, frame, _meta(day, result))
        if progress is not None:
            progress("done", 1.0)
    finally:
        wh.close()
    s = result.series.projected.stockout_day
    return RefreshReport(
        path=where,
        as_of=day,
        series=result.history.size,
        skus=len(result.skus),
        rows=len(frame),
        seconds=time.perf_counter() - started,
        at_risk_7d=int(((s > 0) & (s <= 7)).sum()),
    )


def _meta(as_of: dt.date, run: Run) -> dict[str, str]:
    return {
        "as_of_date": as_of.isoformat(),
        "created_at": dt.datetime.now().isoformat(timespec="seconds"),
        "horizon_days": str(engine.HORIZON),
        "series": str(run.history.size),
        "models": ", ".join(sorted(set(run.forecast.model))),
    }


def ensure(warehouse: str | Path, as_of: dt.date, progress: Progress | None = None) -> RefreshReport:
    """Make sure the store holds the projection as of ``as_of``; refresh only when it does not."""
    return refresh(warehouse, as_of, progress=progress, force=False)
