"""The MySQL protocol through pymysql: MySQL, MariaDB, StarRocks and Apache Doris.

``?flavor=`` names the server, which picks the sqlglot dialect (StarRocks and Doris have their
own) and the session settings: a read-only transaction mode where the server has one (MySQL,
MariaDB: ``SET SESSION TRANSACTION READ ONLY``) and the server's statement time limit
(``max_execution_time`` in ms on MySQL, ``max_statement_time`` in s on MariaDB, ``query_timeout``
on StarRocks and Doris). StarRocks and Doris have no read-only session: give opsbot a user with
SELECT only (docs/warehouses.md)."""

from __future__ import annotations

import math
from typing import Any

import sqlglot
from sqlglot import exp

from metrics.engines import errors
from metrics.engines.remote import RemoteWarehouse, Rows
from metrics.engines.url import WarehouseURL
from metrics.problems import UserError
from metrics.warehouse import ResultColumn

CONNECT_TIMEOUT_S = 10
DIALECTS = {"mysql": "mysql", "mariadb": "mysql", "starrocks": "starrocks", "doris": "doris"}
READ_ONLY_FLAVORS = ("mysql", "mariadb")
_TIMEOUT_CODES = {3024, 1969, 1317}  # MySQL max_execution_time, MariaDB max_statement_time, interrupted


class MySQLWarehouse(RemoteWarehouse):
    paramstyle = "pyformat"

    def _setup(self) -> None:
        try:
            import pymysql  # noqa: F401
        except ImportError as e:
            raise errors.missing_driver("MySQL", "pymysql") from e
        self.flavor = self.url.options.get("flavor", "mysql")
        self.dialect = DIALECTS[self.flavor]

    @property
    def data_schema(self) -> str:
        return self.url.database

    def adapt(self, tree: exp.Expr) -> exp.Expr:
        tree = super().adapt(tree)
        # DECIMAL division and AVG keep 4 more decimals here (div_precision_increment): use DOUBLE, as DuckDB does
        for part in list(tree.find_all(exp.Avg, exp.Div)):
            if not (isinstance(part.this, exp.Cast) and part.this.to.this == exp.DataType.Type.DOUBLE):
                part.this.replace(exp.cast(part.this.copy(), exp.DataType.Type.DOUBLE))
        if self.dialect == "mysql":  # StarRocks and Doris truncate to Monday weeks themselves
            for trunc in list(tree.find_all(exp.TimestampTrunc, exp.DateTrunc)):
                unit = trunc.args.get("unit")
                template = _TRUNC.get(unit.name.upper() if unit is not None else "")
                if template is not None:
                    trunc.replace(_fill(template, trunc.this))
        return tree

    @staticmethod
    def _connect_args(u: WarehouseURL) -> dict[str, Any]:
        return {
            "host": u.host or "localhost",
            "port": u.port or 3306,
            "user": u.user or "root",
            "password": u.password,
            "database": u.database or None,
            "charset": u.options.get("charset", "utf8mb4"),
            "connect_timeout": int(u.options.get("connect_timeout", CONNECT_TIMEOUT_S)),
            "autocommit": True,
        }

    def _connect(self) -> Any:
        import pymysql

        try:
            con = pymysql.connect(**self._connect_args(self.url))
        except pymysql.err.MySQLError as e:
            raise self._connect_problem(e) from e
        if self.flavor in READ_ONLY_FLAVORS:
            with con.cursor() as cur:
                cur.execute("SET SESSION TRANSACTION READ ONLY")
        return con

    def _connect_problem(self, e: Exception) -> UserError:
        code = e.args[0] if e.args and isinstance(e.args[0], int) else 0
        if code == 1045:
            return errors.bad_credentials(self.label, self.url.user or "root")
        text = str(e.args[1]) if len(e.args) > 1 else errors.first_line(e)
        return errors.unreachable(self.label, text.split(" (")[0])

    def _limit_statement(self, timeout_s: float) -> str:
        if self.flavor == "mysql":
            return f"SET SESSION max_execution_time = {max(1, int(timeout_s * 1000))}"
        if self.flavor == "mariadb":
            return f"SET SESSION max_statement_time = {max(0.001, timeout_s):.3f}"
        return f"SET query_timeout = {max(1, math.ceil(timeout_s))}"

    def _execute(self, con: Any, sql: str, params: dict[str, Any] | None, timeout_s: float, row_cap: int) -> Rows:
        with con.cursor() as cur:
            cur.execute(self._limit_statement(timeout_s))  # a number we made: no parameter needed
            cur.execute(sql, params)
            rows = cur.fetchmany(row_cap + 1)
            description = cur.description or []
        columns = [ResultColumn(d[0], _type_name(d[1])) for d in description]
        return columns, [tuple(r) for r in rows[:row_cap]], len(rows) > row_cap

    def _problem(self, e: Exception, timeout_s: float) -> UserError | None:
        import pymysql

        if not isinstance(e, pymysql.err.MySQLError):
            return None
        code = e.args[0] if e.args and isinstance(e.args[0], int) else 0
        text = str(e.args[1]) if len(e.args) > 1 else errors.first_line(e)
        if code in _TIMEOUT_CODES or "timeout" in text.lower():
            return errors.timeout(timeout_s)
        if code == 1146 or "Unknown table" in text:
            return errors.missing_table(self.label, text)
        if code == 1054:
            return errors.missing_column(self.label, text)
        if code in (2003, 2006, 2013, 1045, 1049):
            return self._connect_problem(e)
        return None


# MySQL has no DATE_TRUNC; sqlglot's stand-in counts weeks from a Saturday, the contract's weeks start on Monday
_TRUNC = {
    "WEEK": "DATE_SUB(CAST(__t AS DATE), INTERVAL WEEKDAY(__t) DAY)",
    "MONTH": "CAST(DATE_FORMAT(__t, '%Y-%m-01') AS DATE)",
}


def _fill(template: str, column: exp.Expr) -> exp.Expr:
    tree = sqlglot.parse_one(template, read="mysql")
    for placeholder in list(tree.find_all(exp.Column)):
        if placeholder.name == "__t":
            placeholder.replace(column.copy())
    return tree


def _type_name(code: int) -> str:
    from pymysql.constants import FIELD_TYPE

    names = {
        FIELD_TYPE.VAR_STRING: "VARCHAR",
        FIELD_TYPE.STRING: "VARCHAR",
        FIELD_TYPE.VARCHAR: "VARCHAR",
        FIELD_TYPE.BLOB: "VARCHAR",
        FIELD_TYPE.NEWDECIMAL: "DECIMAL",
        FIELD_TYPE.DECIMAL: "DECIMAL",
        FIELD_TYPE.DOUBLE: "DOUBLE",
        FIELD_TYPE.FLOAT: "FLOAT",
        FIELD_TYPE.LONGLONG: "BIGINT",
        FIELD_TYPE.LONG: "INTEGER",
        FIELD_TYPE.DATE: "DATE",
        FIELD_TYPE.DATETIME: "TIMESTAMP",
        FIELD_TYPE.TIMESTAMP: "TIMESTAMP",
    }
    return names.get(code, str(code))
