"""Compare the catalog's declared tables with a real warehouse's columns and types."""

from __future__ import annotations

from metrics.catalog_types import Catalog
from metrics.warehouse import Warehouse


def _base_type(t: str) -> str:
    return t.upper().split("(")[0].strip()


def compare_schema(catalog: Catalog, warehouse: Warehouse) -> list[str]:
    rows = warehouse.query(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'main'",
        row_cap=100_000,
    ).rows
    actual: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        actual.setdefault(str(table), {})[str(column)] = str(dtype)
    problems = []
    for table, columns in catalog.tables.items():
        if table not in actual:
            problems.append(f"missing table {table}")
            continue
        for column, declared in columns.items():
            found = actual[table].get(column)
            if found is None:
                problems.append(f"missing column {table}.{column}")
            elif _base_type(found) != _base_type(declared):
                problems.append(f"{table}.{column} is {found}, the catalog declares {declared}")
    return problems
