"""Compare the catalog's declared tables with a real warehouse's columns and types.

Generated tables (the forecast store) are checked when the store is there, and not required
before it has been made. Types are compared in DuckDB's spelling (each engine translates its own)."""

from __future__ import annotations

from metrics.catalog.types import Catalog
from metrics.warehouse import Warehouse

# what a contract type may come back as from an engine without that exact type
_SAME = {
    "VARCHAR": {"VARCHAR", "TEXT", "STRING"},
    "INTEGER": {"INTEGER", "INT", "BIGINT"},
    "BIGINT": {"BIGINT", "INTEGER", "INT"},
    "DOUBLE": {"DOUBLE", "DOUBLE PRECISION", "FLOAT"},
    "BOOLEAN": {"BOOLEAN", "TINYINT"},
    "TIMESTAMP": {"TIMESTAMP", "DATETIME", "TIMESTAMP_NTZ"},
}


def _base_type(t: str) -> str:
    return t.upper().split("(")[0].strip()


def _same(found: str, declared: str) -> bool:
    f, d = _base_type(found), _base_type(declared)
    return f == d or f in _SAME.get(d, set())


def compare_schema(catalog: Catalog, warehouse: Warehouse) -> list[str]:
    actual = warehouse.columns()
    forecast = warehouse.has_forecast()
    problems = []
    store_problem = warehouse.forecast_problem()
    if store_problem and catalog.generated_tables:
        problems.append(store_problem)
    for table, columns in catalog.tables.items():
        generated = table in catalog.generated_tables
        if generated and not forecast:
            continue  # not made yet (or unreadable, reported above)
        found_table = actual.get(table)
        if found_table is None:
            where = f" in {warehouse.forecast_location}" if generated else ""
            problems.append(f"missing table {table}{where}")
            continue
        for column, declared in columns.items():
            found = found_table.get(column)
            if found is None:
                problems.append(f"missing column {table}.{column}")
            elif not _same(found, declared):
                problems.append(f"{table}.{column} is {found}, the catalog declares {declared}")
    return problems
