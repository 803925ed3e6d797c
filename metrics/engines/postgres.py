"""PostgreSQL (and its protocol: Hologres, AnalyticDB for PostgreSQL) through psycopg 3.

Each connection is a read-only session (``default_transaction_read_only``) whose ``search_path``
is the contract tables' schema (``?schema=``, default ``public``); every query runs in its own
transaction with ``statement_timeout`` set for it and is rolled back; the statement itself is
limited to one row past the cap."""

from __future__ import annotations

from typing import Any

from metrics.engines import errors
from metrics.engines.remote import RemoteWarehouse, Rows
from metrics.engines.url import WarehouseURL
from metrics.problems import UserError
from metrics.warehouse import ResultColumn

CONNECT_TIMEOUT_S = 10


class PostgresWarehouse(RemoteWarehouse):
    dialect = "postgres"
    paramstyle = "pyformat"

    def _setup(self) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError as e:
            raise errors.missing_driver("PostgreSQL", "psycopg") from e

    @property
    def data_schema(self) -> str:
        return self.url.options.get("schema", "public")

    @staticmethod
    def _conninfo_of(u: WarehouseURL) -> dict[str, Any]:
        """psycopg.connect's arguments for a URL: a read-only session over the contract tables' schema."""
        schema = u.options.get("schema", "public")
        info: dict[str, Any] = {
            "host": u.host or "localhost",
            "port": u.port or 5432,
            "dbname": u.database or "postgres",
            "connect_timeout": int(u.options.get("connect_timeout", CONNECT_TIMEOUT_S)),
            "application_name": "opsbot",
            "options": f"-c default_transaction_read_only=on -c search_path={schema}",
        }
        if u.user:
            info["user"] = u.user
        if u.password:
            info["password"] = u.password
        if "sslmode" in u.options:
            info["sslmode"] = u.options["sslmode"]
        return info

    def _connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(**self._conninfo_of(self.url))
        except psycopg.OperationalError as e:
            raise self._connect_problem(e) from e

    def _connect_problem(self, e: Exception) -> UserError:
        text = errors.first_line(e)
        if (
            "password authentication failed" in text
            or "no password supplied" in text
            or ("role" in text and "does not exist" in text)
        ):
            return errors.bad_credentials(self.label, self.url.user)
        if "database" in text and "does not exist" in text:
            return errors.unreachable(self.label, text)
        reason = text.split(": ", 1)[-1] if "failed" in text else text
        return errors.unreachable(self.label, reason)

    def _execute(self, con: Any, sql: str, params: dict[str, Any] | None, timeout_s: float, row_cap: int) -> Rows:
        try:
            with con.cursor() as setup:
                setup.execute("SELECT set_config('statement_timeout', %s, true)", (str(max(1, int(timeout_s * 1000))),))
            with con.cursor() as cur:  # the statement carries LIMIT cap + 1 (RemoteWarehouse.sql_text)
                cur.execute(sql, params)
                rows = cur.fetchmany(row_cap + 1)
                description = cur.description or []
            columns = [ResultColumn(d.name, _type_name(con, d.type_code)) for d in description]
            return columns, [tuple(r) for r in rows[:row_cap]], len(rows) > row_cap
        finally:
            con.rollback()

    def _problem(self, e: Exception, timeout_s: float) -> UserError | None:
        import psycopg
        from psycopg import errors as pg

        if isinstance(e, pg.QueryCanceled):
            return errors.timeout(timeout_s)
        if isinstance(e, pg.UndefinedTable):
            return errors.missing_table(self.label, errors.first_line(e))
        if isinstance(e, pg.UndefinedColumn):
            return errors.missing_column(self.label, errors.first_line(e))
        if isinstance(e, psycopg.OperationalError):
            return self._connect_problem(e)
        return None


def _type_name(con: Any, oid: int) -> str:
    info = con.adapters.types.get(oid)
    name = info.name if info is not None else str(oid)
    return _NAMES.get(name, name.upper())


_NAMES = {
    "text": "VARCHAR",
    "varchar": "VARCHAR",
    "bpchar": "VARCHAR",
    "numeric": "DECIMAL",
    "float8": "DOUBLE",
    "float4": "FLOAT",
    "int8": "BIGINT",
    "int4": "INTEGER",
    "int2": "SMALLINT",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "timestamptz": "TIMESTAMP WITH TIME ZONE",
}
