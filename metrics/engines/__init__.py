"""One module per warehouse engine behind the `metrics.warehouse.Warehouse` protocol.

Drivers are imported only when their engine is used: psycopg for PostgreSQL, pymysql for the
MySQL protocol, pyspark for Spark (the ``engines`` extra installs the last two)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from metrics.warehouse import Warehouse


def engine_class(engine: str) -> type[Warehouse]:
    """The Warehouse implementation of an engine name (duckdb, postgres, mysql, spark)."""
    if engine == "postgres":
        from metrics.engines.postgres import PostgresWarehouse

        return PostgresWarehouse
    if engine == "mysql":
        from metrics.engines.mysql import MySQLWarehouse

        return MySQLWarehouse
    if engine == "spark":
        from metrics.engines.spark import SparkWarehouse

        return SparkWarehouse
    from metrics.engines.duckdb import DuckDBWarehouse

    return DuckDBWarehouse
