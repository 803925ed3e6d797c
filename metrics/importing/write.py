"""Write converted rows into the DuckDB warehouse in one transaction, after the checks that need the
warehouse: duplicate keys (in the files, and against rows the import does not replace) and orphan
references. The days (or orders) present in the files replace the warehouse's rows for them, so
importing a file again changes nothing; any problem rolls everything back.

All SQL is built as sqlglot trees; the files' rows reach DuckDB as Arrow tables, never as SQL text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from metrics.demo.writer import DDL
from metrics.importing.contract import TABLES, WRITE_ORDER, ContractTable
from metrics.importing.problems import SAMPLES, Problems
from metrics.problems import user_error

LINE, FILE = "_line", "_file"


@dataclass
class Incoming:
    """The converted rows of one table (from one or more files), column by column."""

    table: ContractTable
    columns: dict[str, list[Any]]  # contract columns, plus _line and _file

    @property
    def rows(self) -> int:
        return len(self.columns[LINE])


def arrow_type(type_: str) -> pa.DataType:
    if type_ == "VARCHAR":
        return pa.string()
    if type_ == "INTEGER":
        return pa.int32()
    if type_ == "BIGINT":
        return pa.int64()
    if type_ == "DATE":
        return pa.date32()
    if type_ == "TIMESTAMP":
        return pa.timestamp("us")
    precision, scale = (int(x) for x in type_[len("DECIMAL(") : -1].split(","))
    return pa.decimal128(precision, scale)


def _arrow(inc: Incoming) -> pa.Table:
    fields = [pa.field(c, arrow_type(t)) for c, t in inc.table.columns]
    fields += [pa.field(LINE, pa.int64()), pa.field(FILE, pa.string())]
    return pa.Table.from_pydict(inc.columns, schema=pa.schema(fields))


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table, quoted=True)


def _tbl(name: str, alias: str | None = None) -> exp.Table:
    return exp.table_(name, quoted=True, alias=alias)


def _replace_value(table: ContractTable, alias: str | None) -> exp.Expr:
    """The value whose rows an import replaces: the day of the day column, else the leading key."""
    column = table.replace_by[0]
    e: exp.Expr = _col(column, alias)
    return exp.cast(e, "DATE") if table.day_column and table.type_of(column) == "TIMESTAMP" else e


def _staging(name: str) -> str:
    return f"_import_{name}"


def _sql(e: exp.Expr) -> str:
    return e.sql("duckdb")


def _fetch(con: duckdb.DuckDBPyConnection, e: exp.Expr) -> list[tuple[Any, ...]]:
    return con.execute(_sql(e)).fetchall()


def _samples(rows: Sequence[tuple[Any, ...]], names: Sequence[str]) -> list[str]:
    out = []
    for r in rows[:SAMPLES]:
        lines, file = r[-2], r[-1]
        values = ", ".join(f"{n}={v}" for n, v in zip(names, r[:-2], strict=True))
        out.append(f"{file} line {lines}: {values}")
    return out


def _check_duplicates(con: duckdb.DuckDBPyConnection, inc: Incoming, problems: Problems) -> None:
    t, stage = inc.table, _staging(inc.table.name)
    key = [_col(k) for k in t.key]
    dup = (
        exp.select(
            *key,
            exp.func("count", exp.Star()).as_("n"),
            exp.func("string_agg", exp.cast(_col(LINE), "VARCHAR"), exp.Literal.string("/")).as_("lines"),
            exp.func("min", _col(FILE)).as_("f"),
        )
        .from_(_tbl(stage))
        .group_by(*key)
        .having(exp.GT(this=exp.func("count", exp.Star()), expression=exp.Literal.number(1)))
        .order_by(exp.func("min", _col(LINE)))
    )
    rows = _fetch(con, dup)
    if rows:
        p = problems.get("duplicate_key", rows[0][-1], t.name, ", ".join(t.key))
        for r in rows:
            p.add(f"{r[-1]} lines {r[-2]}: " + ", ".join(f"{k}={v}" for k, v in zip(t.key, r, strict=False)))
    # a key already in the warehouse on a day (or order) this import does not replace
    s, w = "s", "w"
    clash = (
        exp.select(*[_col(k, s) for k in t.key], _col(LINE, s), _col(FILE, s))
        .from_(_tbl(stage, s))
        .join(_tbl(t.name, w), on=exp.and_(*[exp.EQ(this=_col(k, s), expression=_col(k, w)) for k in t.key]))
        .where(exp.Not(this=_replace_value(t, w).isin(query=exp.select(_replace_value(t, None)).from_(_tbl(stage)))))
        .order_by(_col(LINE, s))
    )
    rows = _fetch(con, clash)
    if rows:
        p = problems.get("existing_key", rows[0][-1], t.name, ", ".join(t.key))
        p.count = len(rows)
        p.samples.extend(_samples(rows, t.key))


def _check_orphans(con: duckdb.DuckDBPyConnection, inc: Incoming, problems: Problems) -> None:
    t, stage = inc.table, _staging(inc.table.name)
    for ref in t.references:
        s, r = "s", "r"
        orphans = (
            exp.select(_col(ref.column, s), _col(LINE, s), _col(FILE, s))
            .from_(_tbl(stage, s))
            .join(
                _tbl(ref.table, r),
                on=exp.EQ(this=_col(ref.column, s), expression=_col(ref.column, r)),
                join_type="left",
            )
            .where(
                exp.and_(
                    exp.Not(this=exp.Is(this=_col(ref.column, s), expression=exp.Null())),
                    exp.Is(this=_col(ref.column, r), expression=exp.Null()),
                )
            )
            .order_by(_col(LINE, s))
        )
        rows = _fetch(con, orphans)
        if rows:
            p = problems.get("orphan", rows[0][-1], t.name, ref.column, ref.table)
            p.count = len(rows)
            p.samples.extend(_samples(rows, (ref.column,)))


def _removed(table: str) -> str:
    return f"_import_removed_{table}"


def _temp_table(name: str, query: exp.Select) -> exp.Create:
    temporary = exp.Properties(expressions=[exp.TemporaryProperty()])
    return exp.Create(this=_tbl(name), kind="TABLE", properties=temporary, expression=query)


def _check_left_behind(con: duckdb.DuckDBPyConnection, imported: set[str], problems: Problems) -> None:
    """Rows of the warehouse that referenced a replaced row the files do not bring back (an order removed
    from a re-imported day that still has lines or refunds)."""
    for parent in imported:
        if len(TABLES[parent].key) != 1:
            continue
        key = TABLES[parent].key[0]
        for child in TABLES.values():
            for ref in child.references:
                if ref.table != parent:
                    continue
                c, g, p = "c", "g", "p"
                left = (
                    exp.select(_col(ref.column, c))
                    .from_(_tbl(child.name, c))
                    .join(_tbl(_removed(parent), g), on=exp.EQ(this=_col(ref.column, c), expression=_col(key, g)))
                    .join(
                        _tbl(parent, p), on=exp.EQ(this=_col(ref.column, c), expression=_col(key, p)), join_type="left"
                    )
                    .where(exp.Is(this=_col(key, p), expression=exp.Null()))
                    .distinct()
                    .order_by(_col(ref.column, c))
                )
                rows = con.execute(_sql(left)).fetchall()
                if rows:
                    prob = problems.get("left_behind", parent, child.name, ref.column, parent)
                    prob.count = len(rows)
                    prob.samples.extend(f"{ref.column}={r[0]}" for r in rows[:SAMPLES])


def _create_missing_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name in (*WRITE_ORDER, "opsbot_meta"):
        schema = exp.Schema(
            this=_tbl(name),
            expressions=[
                exp.ColumnDef(this=exp.to_identifier(c, quoted=True), kind=exp.DataType.build(t, dialect="duckdb"))
                for c, t in (part.split(" ", 1) for part in DDL[name].split(", "))
            ],
        )
        con.execute(_sql(exp.Create(this=schema, kind="TABLE", exists=True)))


def write(
    path: Path, incoming: Sequence[Incoming], problems: Problems, progress: Callable[[str, float], None]
) -> dict[str, tuple[int, int]]:
    """Replace and insert in one transaction; table → (rows removed, rows written). Nothing is kept
    when ``problems`` has anything in it at the end (including problems found here)."""
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as e:
        raise user_error(
            "import_open",
            f"cannot open {path} for writing ({str(e).splitlines()[0]}); stop `opsbot serve` or other writers first.",
            f"无法以写入方式打开 {path}（{str(e).splitlines()[0]}）；请先停止 `opsbot serve` 等写入者。",
        ) from None
    counts: dict[str, tuple[int, int]] = {}
    try:
        con.execute("BEGIN TRANSACTION")
        _create_missing_tables(con)
        ordered = sorted(incoming, key=lambda i: WRITE_ORDER.index(i.table.name))
        for n, inc in enumerate(ordered):
            t, stage = inc.table, _staging(inc.table.name)
            progress(f"checking {t.name}", n / max(len(ordered), 1))
            con.register("_import_arrow", _arrow(inc))
            con.execute(_sql(_temp_table(stage, exp.select(exp.Star()).from_(_tbl("_import_arrow")))))
            con.unregister("_import_arrow")
            _check_duplicates(con, inc, problems)
            where = _replace_value(t, None).isin(query=exp.select(_replace_value(t, None)).from_(_tbl(stage)))
            if len(t.key) == 1:  # remember the keys replaced, to find rows of other tables left without them
                gone = exp.select(_col(t.key[0])).from_(_tbl(t.name)).where(where.copy())
                con.execute(_sql(_temp_table(_removed(t.name), gone)))
            removed = con.execute(_sql(exp.delete(_tbl(t.name), where=where))).fetchall()[0][0]
            cols = [_col(c) for c in t.column_names]
            insert = exp.insert(
                exp.select(*cols).from_(_tbl(stage)),
                _tbl(t.name),
                columns=[exp.to_identifier(c, quoted=True) for c in t.column_names],
            )
            written = con.execute(_sql(insert)).fetchall()[0][0]
            counts[t.name] = (int(removed), int(written))
        for inc in ordered:  # after every table is in, so references between imported files resolve
            _check_orphans(con, inc, problems)
        _check_left_behind(con, {i.table.name for i in ordered}, problems)
        if problems:
            con.execute("ROLLBACK")
            return counts
        _extend_end_date(con)
        con.execute("COMMIT")
        return counts
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def _extend_end_date(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse that records its last day (the demo's `end_date`) moves it on when orders of later days came in."""
    key = exp.EQ(this=_col("key"), expression=exp.Literal.string("end_date"))
    old = exp.cast(_col("value"), "DATE")
    last = exp.select(exp.cast(exp.func("max", _col("order_ts")), "DATE")).from_(_tbl("fact_order")).subquery()
    new = exp.cast(exp.func("greatest", old, exp.Coalesce(this=last, expressions=[old.copy()])), "VARCHAR")
    con.execute(_sql(exp.update(_tbl("opsbot_meta"), {"value": new}, where=key)))
