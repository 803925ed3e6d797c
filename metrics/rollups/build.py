"""`opsbot rollups refresh`: bring every rollup up to date in a copy of the store, then rename it over
the old one.

A refresh compares each rollup's per-day checksums of its source rows with those stored at the last
build: only the days that changed (new, replaced or gone) are deleted and computed again; a rollup
whose definition changed (or that is new) is built whole. The work happens in a copy of the store (a
temporary file), renamed over the store at the end: a failed build leaves the previous store in
place, and a reader (the bot) keeps its open file until it sees the new one. When the warehouse has
not been written since the last build and no definition changed, nothing is done at all.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
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
    source_identity,
    store_path,
    stored_stamps,
)

Progress = Callable[[str, float], None]
# the warehouse, attached read-only (not "wh": the store of wh.duckdb is a database named "wh")
WAREHOUSE_DB = "opsbot_source"
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


def _search_path(database: str) -> str:
    """SET search_path = '<database>.main': bare table names are the warehouse's."""
    path = exp.Literal.string(f"{database}.main")
    item = exp.SetItem(this=exp.EQ(this=exp.var("search_path"), expression=path))
    return exp.Set(expressions=[item]).sql(dialect="duckdb")


def _run(con: duckdb.DuckDBPyConnection, tree: exp.Expr, params: dict[str, Any] | None = None) -> Any:
    return con.execute(tree.sql(dialect="duckdb"), params or {})


class _Build:
    """One refresh: the copy of the store being brought up to date, with the warehouse attached."""

    def __init__(self, con: duckdb.DuckDBPyConnection, db: str, catalog: Catalog, old: dict[str, Stamp]) -> None:
        self.con = con
        self.db = db  # the copy's database
        self.catalog = catalog
        self.old = old  # the stamps the copy holds (empty for a new store)
        self.meta, self.days = qualified(META_TABLE, db), qualified(DAYS_TABLE, db)
        if not old:
            con.execute(drop_sql(self.meta))
            con.execute(drop_sql(self.days))
            con.execute(create_sql(self.meta, META_COLUMNS))
            con.execute(create_sql(self.days, DAYS_COLUMNS))
        self.summed: set[str] = set()  # models whose checksums are computed

    def sums(self, rollup_id: str) -> Sums:
        """The per-day checksums stored for a rollup."""
        select = (
            exp.select("day", "n", "h")
            .from_(self.days.copy())
            .where(exp.column("rollup").eq(exp.Placeholder(this="r")))
        )
        rows = _run(self.con, select, {"r": rollup_id}).fetchall()
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}

    def model_sums(self, model_id: str) -> exp.Table:
        """The model's per-day checksums, computed on first use into a scratch table of the copy."""
        table = qualified(f"{SUMS}{model_id}", self.db)
        if model_id not in self.summed:
            params = Params()
            self.con.execute(drop_sql(table))
            create = exp.Create(this=table, kind="TABLE", expression=checksum_select(self.catalog, model_id, params))
            _run(self.con, create, params.values)
            self.summed.add(model_id)
        return table.copy()

    def _current_sums(self, rollup: Rollup) -> Sums:
        select = exp.select(col(DAY), "n", "COALESCE(h, 0)").from_(self.model_sums(rollup.model))
        return {r[0]: (int(r[1]), int(r[2])) for r in _run(self.con, select).fetchall()}

    def rollup(self, rollup: Rollup) -> RollupReport:
        started = time.perf_counter()
        sums = self._current_sums(rollup)
        target = qualified(rollup.table, self.db)
        stamp = self.old.get(rollup.id)
        reuse = stamp is not None and stamp.fingerprint == fingerprint(self.catalog, rollup)
        changed = _changed(self.sums(rollup.id), sums) if reuse else set(sums)
        params = Params()
        if not reuse:  # new or redefined: built whole, sorted by day (a period reads only its days)
            self.con.execute(drop_sql(target))
            ordered = exp.select("*").from_(build_select(self.catalog, rollup, params).subquery("b")).order_by(col(DAY))
            _run(self.con, exp.Create(this=target, kind="TABLE", expression=ordered), params.values)
        elif changed:  # only the changed days: deleted, then read and aggregated again from the source
            self._changed_table(changed)
            in_changed = exp.In(this=col(DAY), query=exp.select("day").from_(qualified(CHANGED, self.db)).subquery())
            _run(self.con, exp.Delete(this=target.copy(), where=exp.Where(this=in_changed.copy())))
            build = build_select(self.catalog, rollup, params, TimeRange(min(changed), max(changed)))
            fresh = exp.select("*").from_(build.subquery("b")).where(in_changed).order_by(col(DAY))
            _run(self.con, exp.Insert(this=target.copy(), expression=fresh), params.values)
        if changed or not reuse:
            _run(
                self.con,
                exp.Delete(
                    this=self.days.copy(), where=exp.Where(this=exp.column("rollup").eq(exp.Placeholder(this="r")))
                ),
                {"r": rollup.id},
            )
            params = Params()
            day_rows = exp.select(params.bind(rollup.id), col(DAY), "n", "COALESCE(h, 0)").from_(
                self.model_sums(rollup.model)
            )
            _run(self.con, exp.Insert(this=self.days.copy(), expression=day_rows), params.values)
        row = _run(self.con, exp.select("COUNT(*)").from_(target.copy())).fetchone()
        seconds = time.perf_counter() - started
        return RollupReport(rollup.id, int(row[0]) if row else 0, len(sums), len(changed), seconds)

    def _restamp_days(self, rollup: Rollup) -> None:
        """The rollup's stored per-day checksums replaced by the current ones."""
        this_rollup = exp.Where(this=exp.column("rollup").eq(exp.Placeholder(this="r")))
        _run(self.con, exp.Delete(this=self.days.copy(), where=this_rollup), {"r": rollup.id})
        params = Params()
        current = self.model_sums(rollup.model)
        day_rows = exp.select(params.bind(rollup.id), col(DAY), "n", "COALESCE(h, 0)").from_(current)
        _run(self.con, exp.Insert(this=self.days.copy(), expression=day_rows), params.values)

    def _changed_table(self, days: set[dt.date]) -> None:
        table = qualified(CHANGED, self.db)
        self.con.execute(drop_sql(table))
        self.con.execute(create_sql(table, (("day", "DATE"),)))
        rows = exp.Values(
            expressions=[exp.Tuple(expressions=[exp.Placeholder(this=f"d{i}")]) for i in range(len(days))]
        )
        values = {f"d{i}": d for i, d in enumerate(sorted(days))}
        _run(self.con, exp.Insert(this=table, expression=rows), values)

    def finish(self, reports: list[RollupReport], source: str) -> None:
        """Stamps for every rollup built; scratch tables and rollups no longer declared are dropped."""
        self.con.execute(drop_sql(qualified(CHANGED, self.db)))
        for model_id in self.summed:
            self.con.execute(drop_sql(qualified(f"{SUMS}{model_id}", self.db)))
        for gone in set(self.old) - set(self.catalog.rollups):
            self.con.execute(drop_sql(qualified(f"ru_{gone}", self.db)))
        self.con.execute(exp.Delete(this=self.meta.copy()).sql(dialect="duckdb"))
        keep = exp.column("rollup").isin(*[exp.Literal.string(r) for r in self.catalog.rollups])
        _run(self.con, exp.Delete(this=self.days.copy(), where=exp.Where(this=exp.Not(this=keep))))
        now = dt.datetime.now()
        stamps = [
            (r.id, fingerprint(self.catalog, self.catalog.rollups[r.id]), source, r.rows, now, r.rebuilt)
            for r in reports
        ]
        self.con.executemany(insert_sql(self.meta, len(META_COLUMNS)), stamps)


def _changed(before: Sums, now: Sums) -> set[dt.date]:
    """Days that are new, gone, or whose rows differ (count or checksum)."""
    return {d for d in set(before) | set(now) if before.get(d) != now.get(d)}


def up_to_date(store: Path, catalog: Catalog, source: str) -> bool:
    """The store holds every rollup of the catalog, built from the warehouse as it is and as defined now."""
    stamps = stored_stamps(store)
    return set(stamps) == set(catalog.rollups) and all(
        s.source == source and s.fingerprint == fingerprint(catalog, catalog.rollups[rid]) for rid, s in stamps.items()
    )


def refresh(warehouse_path: Path, catalog: Catalog, progress: Progress | None = None) -> RefreshReport:
    """Build (or bring up to date) the rollups of `catalog` beside the warehouse."""
    started = time.perf_counter()
    source = source_identity(warehouse_path)  # before reading: a write meanwhile makes the stamp stale
    store = store_path(warehouse_path)
    if store.exists() and up_to_date(store, catalog, source):
        stamps = stored_stamps(store)
        same = tuple(RollupReport(rid, s.rows, 0, 0, 0.0) for rid, s in stamps.items())
        if progress:
            progress("up to date", 1.0)
        return RefreshReport(store, same, time.perf_counter() - started, store.stat().st_size)
    tmp = store.with_name(f"{store.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    old = stored_stamps(store)  # empty when absent or unreadable: built from scratch
    if old:
        shutil.copyfile(store, tmp)
    reports: list[RollupReport] = []
    rollups = list(catalog.rollups.values())
    con = duckdb.connect(str(tmp), config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        row = con.execute("SELECT current_database()").fetchone()
        db = str(row[0]) if row else "main"
        con.execute(_attach(warehouse_path, WAREHOUSE_DB))
        path = exp.Literal.string(f"{WAREHOUSE_DB}.main")  # bare table names: the warehouse's
        con.execute(
            exp.Set(expressions=[exp.SetItem(this=exp.EQ(this=exp.var("search_path"), expression=path))]).sql("duckdb")
        )
        build = _Build(con, db, catalog, old)
        for n, rollup in enumerate(rollups):
            if progress:
                progress(rollup.id, n / max(len(rollups), 1))
            reports.append(build.rollup(rollup))
        build.finish(reports, source)
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, store)
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    if progress:
        progress("done", 1.0)
    return RefreshReport(store, tuple(reports), time.perf_counter() - started, store.stat().st_size)
