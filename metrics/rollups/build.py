"""`opsbot rollups refresh`: build every rollup into a new store file, then rename it over the old one.

A refresh compares each rollup's per-day checksums of its source rows with those stored at the last
build: only the days that changed (new, replaced or gone) are computed again, the others are copied
from the previous store. Everything is written to a temporary file first, so a failed build leaves
the previous store in place, and a reader (the bot) keeps its open file until it sees the new one.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from metrics.catalog.types import Catalog, Rollup
from metrics.compiler.params import Params
from metrics.compiler.sqlparts import col
from metrics.query import TimeRange
from metrics.rollups.sql import DAY, build_select, checksum_select, fingerprint
from metrics.rollups.store import (
    DAYS_COLUMNS,
    DAYS_TABLE,
    META_COLUMNS,
    META_TABLE,
    Stamp,
    create_sql,
    drop_sql,
    insert_sql,
    qualified,
    read_stamps,
    source_identity,
    store_path,
)

Progress = Callable[[str, float], None]
OLD_DB = "old_store"
WAREHOUSE_DB = "wh"
CHANGED = "ru_changed"
SUMS = "ru_sums_"  # scratch tables of a build: per model, its per-day checksums
Sums = dict[dt.date, tuple[int, int]]  # day → (rows, checksum)


@dataclass(frozen=True)
class RollupReport:
    id: str
    rows: int
    days: int  # days with source rows
    rebuilt: int  # days computed again (the others were copied)
    seconds: float


@dataclass(frozen=True)
class RefreshReport:
    path: Path
    rollups: tuple[RollupReport, ...]
    seconds: float
    size_bytes: int


def _attach(path: Path, name: str) -> str:
    return exp.Attach(
        this=exp.Alias(this=exp.Literal.string(str(path)), alias=exp.to_identifier(name)),
        exists=False,
        expressions=[exp.AttachOption(this=exp.Var(this="READ_ONLY"))],
    ).sql(dialect="duckdb")


def _run(con: duckdb.DuckDBPyConnection, tree: exp.Expr, params: dict[str, Any] | None = None) -> Any:
    return con.execute(tree.sql(dialect="duckdb"), params or {})


class _Build:
    """One refresh: the new store's connection, the warehouse and the previous store attached."""

    def __init__(self, con: duckdb.DuckDBPyConnection, db: str, catalog: Catalog, old: dict[str, Stamp]) -> None:
        self.con = con
        self.db = db  # the new store's database
        self.catalog = catalog
        self.old = old
        self.meta, self.days = qualified(META_TABLE, db), qualified(DAYS_TABLE, db)
        con.execute(create_sql(self.meta, META_COLUMNS))
        con.execute(create_sql(self.days, DAYS_COLUMNS))
        self.summed: set[str] = set()  # models whose checksums are computed

    def sums(self, rollup_id: str, database: str) -> Sums:
        """The per-day checksums of a rollup as stored in the new store or the old one."""
        select = (
            exp.select("day", "n", "h")
            .from_(qualified(DAYS_TABLE, database))
            .where(exp.column("rollup").eq(exp.Placeholder(this="r")))
        )
        rows = _run(self.con, select, {"r": rollup_id}).fetchall()
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}

    def model_sums(self, model_id: str) -> exp.Table:
        """The model's per-day checksums, computed on first use into a scratch table of the new store."""
        table = qualified(f"{SUMS}{model_id}", self.db)
        if model_id not in self.summed:
            params = Params()
            create = exp.Create(this=table, kind="TABLE", expression=checksum_select(self.catalog, model_id, params))
            _run(self.con, create, params.values)
            self.summed.add(model_id)
        return table.copy()

    def rollup(self, rollup: Rollup) -> RollupReport:
        started = time.perf_counter()
        params = Params()
        per_day = self.model_sums(rollup.model)
        day_rows = exp.select(params.bind(rollup.id), col(DAY), "n", "COALESCE(h, 0)").from_(per_day)
        _run(self.con, exp.Insert(this=self.days.copy(), expression=day_rows), params.values)
        sums = self.sums(rollup.id, self.db)
        target = qualified(rollup.table, self.db)
        params = Params()
        stamp = self.old.get(rollup.id)
        reuse = stamp is not None and stamp.fingerprint == fingerprint(self.catalog, rollup)
        changed = set(sums) if not reuse else _changed(self.sums(rollup.id, OLD_DB), sums)
        body: exp.Query
        if not reuse:
            body = build_select(self.catalog, rollup, params)
        else:
            self._changed_table(changed)
            in_changed = exp.In(this=col(DAY), query=exp.select("day").from_(qualified(CHANGED, self.db)).subquery())
            body = exp.select("*").from_(qualified(rollup.table, OLD_DB)).where(exp.Not(this=in_changed.copy()))
            if changed:  # only the changed days' source rows are read and aggregated again
                span = TimeRange(min(changed), max(changed))
                build = build_select(self.catalog, rollup, params, span)
                body = exp.union(body, exp.select("*").from_(build.subquery("b")).where(in_changed), distinct=False)
        ordered = exp.select("*").from_(body.subquery("all_rows")).order_by(col(DAY))
        create = exp.Create(this=target, kind="TABLE", expression=ordered)
        _run(self.con, create, params.values)
        row = _run(self.con, exp.select("COUNT(*)").from_(target.copy())).fetchone()
        return RollupReport(
            rollup.id, int(row[0]) if row else 0, len(sums), len(changed), time.perf_counter() - started
        )

    def _changed_table(self, days: set[dt.date]) -> None:
        table = qualified(CHANGED, self.db)
        self.con.execute(drop_sql(table))
        self.con.execute(create_sql(table, (("day", "DATE"),)))
        if days:
            self.con.executemany(insert_sql(table, 1), [(d,) for d in days])

    def finish(self, reports: list[RollupReport], source: str) -> None:
        self.con.execute(drop_sql(qualified(CHANGED, self.db)))
        for model_id in self.summed:
            self.con.execute(drop_sql(qualified(f"{SUMS}{model_id}", self.db)))
        now = dt.datetime.now()
        stamps = [
            (r.id, fingerprint(self.catalog, self.catalog.rollups[r.id]), source, r.rows, now, r.rebuilt)
            for r in reports
        ]
        self.con.executemany(insert_sql(self.meta, len(META_COLUMNS)), stamps)


def _changed(before: Sums, now: Sums) -> set[dt.date]:
    """Days that are new, gone, or whose rows differ (count or checksum)."""
    return {d for d in set(before) | set(now) if before.get(d) != now.get(d)}


def refresh(
    warehouse_path: Path, catalog: Catalog, progress: Progress | None = None, only: tuple[str, ...] = ()
) -> RefreshReport:
    """Build (or bring up to date) the rollups of `catalog` (or `only` these) beside the warehouse."""
    started = time.perf_counter()
    source = source_identity(warehouse_path)  # before reading: a write meanwhile makes the stamp stale
    store = store_path(warehouse_path)
    tmp = store.with_name(f"{store.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    rollups = [r for r in catalog.rollups.values() if not only or r.id in only]
    reports: list[RollupReport] = []
    con = duckdb.connect(str(tmp), config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        row = con.execute("SELECT current_database()").fetchone()
        db = str(row[0]) if row else "main"
        con.execute(_attach(warehouse_path, WAREHOUSE_DB))
        old: dict[str, Stamp] = {}
        if store.exists():
            try:
                con.execute(_attach(store, OLD_DB))
                old = read_stamps(con, OLD_DB)
            except duckdb.Error:
                old = {}  # an unreadable store is rebuilt from scratch
        con.execute("SET search_path = 'wh.main'")
        build = _Build(con, db, catalog, old)
        for n, rollup in enumerate(rollups):
            if progress:
                progress(rollup.id, n / max(len(rollups), 1))
            reports.append(build.rollup(rollup))
        build.finish(reports, source)
        con.close()
        os.replace(tmp, store)
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    if progress:
        progress("done", 1.0)
    return RefreshReport(store, tuple(reports), time.perf_counter() - started, store.stat().st_size)
