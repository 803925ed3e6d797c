"""Spark through pyspark: local mode (``spark://local[2]``) or Spark Connect (``sc://host:15002``).

Tables come from a folder of Parquet files (``?path=/lake``: ``<table>.parquet`` each, registered as
temporary views; the forecast store is ``<path>/<forecast_schema>/fc_*.parquet``) or from the session catalog
(``?database=shop``). Every query runs in its own job group (a tag on Spark Connect), and a timer cancels it
when the time limit passes. Spark has no read-only session: opsbot only ever sends the compiler's SELECTs
and the SQL guard's read-only SELECTs, and the Parquet views cannot be written through; on a cluster give
opsbot a principal that may only read (docs/warehouses.md)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

from sqlglot import exp

from metrics.engines import errors
from metrics.engines.remote import RemoteWarehouse, Rows
from metrics.forecast.store import GENERATED_TABLES
from metrics.problems import UserError
from metrics.warehouse import ResultColumn

_sessions: dict[str, Any] = {}
_lock = threading.Lock()


def session(master: str, remote: str | None) -> Any:
    """One Spark session per process and master (starting one takes seconds)."""
    from pyspark.sql import SparkSession

    key = remote or master
    with _lock:
        if key not in _sessions:
            builder = SparkSession.builder.appName("opsbot")
            if remote:
                builder = builder.remote(remote)
            else:
                builder = (
                    builder.master(master)
                    .config("spark.ui.enabled", "false")
                    .config("spark.ui.showConsoleProgress", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .config("spark.sql.session.timeZone", "UTC")
                    .config("spark.sql.ansi.enabled", "false")
                    .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR")
                )
            spark = builder.getOrCreate()
            if not remote:
                spark.sparkContext.setLogLevel("ERROR")
            _sessions[key] = spark
        return _sessions[key]


class SparkWarehouse(RemoteWarehouse):
    dialect = "spark"
    paramstyle = "colon"

    def _setup(self) -> None:
        try:
            import pyspark  # noqa: F401
        except ImportError as e:
            raise errors.missing_driver("Spark", "pyspark") from e
        u = self.url
        remote = u.text.split("?", 1)[0] if u.text.lower().startswith("sc://") else None
        self.folder = Path(u.options["path"]).expanduser() if "path" in u.options else None
        try:
            self.spark = session(u.host or "local[2]", remote)
        except Exception as e:
            raise errors.unreachable(self.label, errors.first_line(e)) from e
        self._views: dict[str, float] = {}
        if self.folder is not None:
            if not self.folder.is_dir():
                raise errors.unreachable(self.label, f"no folder {self.folder}")
            self._register(self.folder)

    def _register(self, folder: Path) -> None:
        """Each <table>.parquet of the folder as a temporary view; again when its file changed."""
        for file in sorted(folder.glob("*.parquet")):
            mtime = file.stat().st_mtime
            if self._views.get(file.stem) != mtime:
                self.spark.read.parquet(str(file)).createOrReplaceTempView(file.stem)
                self._views[file.stem] = mtime

    @property
    def data_schema(self) -> str:
        return self.url.options.get("database", "default")

    def adapt(self, tree: exp.Expr) -> exp.Expr:
        if self.folder is None:
            return super().adapt(tree)
        return tree  # the forecast store's views have bare names, like the warehouse's

    def tables(self, schema: str) -> list[str]:
        if self.folder is not None:
            folder = self.folder if schema == self.data_schema else self.folder / schema
            if folder.is_dir():
                self._register(folder)
                return sorted(f.stem for f in folder.glob("*.parquet"))
            return []
        return [t.name for t in self.spark.catalog.listTables(schema)]

    def _column_rows(self, schema: str) -> list[tuple[Any, ...]]:
        rows = []
        for table in self.tables(schema):
            name = table if self.folder is not None else f"{schema}.{table}"
            for field in self.spark.table(name).schema.fields:
                rows.append((table, field.name, field.dataType.simpleString()))
        return rows

    def has_forecast(self) -> bool:
        return set(GENERATED_TABLES) <= set(self.tables(self.forecast_schema))

    def _connect(self) -> Any:
        if self.folder is None and "database" in self.url.options:
            self.spark.catalog.setCurrentDatabase(self.data_schema)
        return self.spark

    def _disconnect(self, con: Any) -> None:
        return None  # the session is shared by the process

    def _execute(self, con: Any, sql: str, params: dict[str, Any] | None, timeout_s: float, row_cap: int) -> Rows:
        tag = f"opsbot-{uuid.uuid4().hex}"
        fired = threading.Event()

        classic = hasattr(con, "sparkContext") and not self.url.text.lower().startswith("sc://")

        def stop() -> None:
            fired.set()
            if classic:
                con.sparkContext.cancelJobGroup(tag)
            else:
                con.interruptTag(tag)

        timer = threading.Timer(timeout_s, stop)
        if classic:
            con.sparkContext.setJobGroup(tag, "opsbot query", interruptOnCancel=True)
        else:
            con.addTag(tag)
        timer.start()
        try:
            frame = con.sql(sql, args=params or None)
            rows = frame.take(row_cap + 1)
        except Exception as e:
            if fired.is_set():
                raise errors.timeout(timeout_s) from e
            raise
        finally:
            timer.cancel()
            if not classic:
                con.removeTag(tag)
        columns = [ResultColumn(f.name, f.dataType.simpleString().upper()) for f in frame.schema.fields]
        return columns, [tuple(r) for r in rows[:row_cap]], len(rows) > row_cap

    def _problem(self, e: Exception, timeout_s: float) -> UserError | None:
        condition = ""
        getter = getattr(e, "getCondition", None) or getattr(e, "getErrorClass", None)
        if getter is not None:
            condition = str(getter() or "")
        text = errors.first_line(e)
        if condition.startswith("TABLE_OR_VIEW_NOT_FOUND"):
            return errors.missing_table(self.label, text)
        if condition.startswith("UNRESOLVED_COLUMN"):
            return errors.missing_column(self.label, text)
        return None
