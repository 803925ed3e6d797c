"""Compare the catalog's declared tables with a real warehouse's columns and types.

Generated tables (the forecast store beside the warehouse) are checked when the store is there,
and not required before it has been made."""

from __future__ import annotations

from metrics.catalog.types import Catalog
from metrics.warehouse import Warehouse
from metrics.warehouse_connect import FORECAST_DB, WAREHOUSE_DB


def _base_type(t: str) -> str:
    return t.upper().split("(")[0].strip()


def _actual(warehouse: Warehouse) -> dict[str, dict[str, dict[str, str]]]:
    """database (wh, fc) → table → column → type."""
    rows = warehouse.query(
        "SELECT table_catalog, table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_catalog IN ($wh, $fc)",
        {"wh": WAREHOUSE_DB, "fc": FORECAST_DB},
        row_cap=100_000,
    ).rows
    actual: dict[str, dict[str, dict[str, str]]] = {WAREHOUSE_DB: {}, FORECAST_DB: {}}
    for database, table, column, dtype in rows:
        actual[str(database)].setdefault(str(table), {})[str(column)] = str(dtype)
    return actual


def compare_schema(catalog: Catalog, warehouse: Warehouse) -> list[str]:
    actual = _actual(warehouse)
    forecast = warehouse.has_forecast()
    problems = []
    store_problem = warehouse.forecast_problem()
    if store_problem and catalog.generated_tables:
        problems.append(store_problem)
    for table, columns in catalog.tables.items():
        generated = table in catalog.generated_tables
        if generated and not forecast:
            continue  # not made yet (or unreadable, reported above)
        found_table = actual[FORECAST_DB if generated else WAREHOUSE_DB].get(table)
        if found_table is None:
            where = f" in {warehouse.forecast_path}" if generated else ""
            problems.append(f"missing table {table}{where}")
            continue
        for column, declared in columns.items():
            found = found_table.get(column)
            if found is None:
                problems.append(f"missing column {table}.{column}")
            elif _base_type(found) != _base_type(declared):
                problems.append(f"{table}.{column} is {found}, the catalog declares {declared}")
    return problems
