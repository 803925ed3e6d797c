"""Warehouse URLs: which engine, where, as whom — and how to show one without its password.

    data/demo.duckdb | duckdb:///abs/path.duckdb        the embedded default (a plain path is DuckDB)
    postgresql://user:pw@host:5432/db?schema=analytics  PostgreSQL (also Hologres, AnalyticDB-PG)
    mysql://user:pw@host:3306/db?flavor=starrocks       MySQL protocol: mysql | mariadb | starrocks | doris
    spark://local[2]?path=/data/lake                    Spark local mode over a folder of Parquet tables
    spark://local[2]?database=shop                      Spark local mode over the session catalog
    sc://host:15002/?database=shop                      Spark Connect (a cluster)

Every engine but DuckDB takes ``forecast_schema`` (default ``opsbot``): where `forecast refresh`
keeps its projection on that engine. Every engine takes ``max_queries`` and ``queue_s``, DuckDB
``memory_limit`` and ``threads`` too (metrics/engines/limits.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from metrics.engines.limits import OPTIONS as LIMIT_OPTIONS
from metrics.problems import user_error

ENGINES = {"duckdb": "duckdb", "postgresql": "postgres", "postgres": "postgres", "mysql": "mysql"}
ENGINES |= {"spark": "spark", "sc": "spark"}
FLAVORS = ("mysql", "mariadb", "starrocks", "doris")
DEFAULT_FORECAST_SCHEMA = "opsbot"
_KNOWN_OPTIONS = {
    "postgres": {"schema", "forecast_schema", "sslmode", "connect_timeout", "pool"},
    "mysql": {"flavor", "forecast_schema", "charset", "connect_timeout", "pool"},
    "spark": {"path", "database", "forecast_schema", "warehouse_dir"},
    "duckdb": set(LIMIT_OPTIONS),
}
for _engine in ("postgres", "mysql", "spark"):
    _KNOWN_OPTIONS[_engine] |= {"max_queries", "queue_s"}


@dataclass(frozen=True)
class WarehouseURL:
    """A parsed warehouse URL. ``engine`` is one of duckdb, postgres, mysql, spark."""

    text: str = field(repr=False)  # may hold the password
    engine: str
    host: str = ""
    port: int | None = None
    user: str = ""
    password: str = field(default="", repr=False)
    database: str = ""
    path: Path | None = None  # the DuckDB file
    options: dict[str, str] = field(default_factory=dict)

    @property
    def forecast_schema(self) -> str:
        return self.options.get("forecast_schema", DEFAULT_FORECAST_SCHEMA)

    def redacted(self) -> str:
        """The URL as it may be shown or logged: the password replaced by ***."""
        if self.engine == "duckdb" or not self.password:
            return str(self.path) if self.engine == "duckdb" else self.text
        parts = urlsplit(self.text)
        netloc = parts.netloc.replace(f":{quote(self.password, safe='')}@", ":***@").replace(
            f":{self.password}@", ":***@"
        )
        return parts._replace(netloc=netloc).geturl()


def _bad(text: str, en: str, zh: str) -> Exception:
    return user_error("bad_warehouse_url", f"Warehouse URL {text!r}: {en}", f"数据仓库地址 {text!r}：{zh}")


def parse_url(target: str | Path) -> WarehouseURL:
    """A path or URL → WarehouseURL. A string without ``scheme://`` is a DuckDB file path."""
    text = str(target)
    if isinstance(target, Path) or "://" not in text:
        return WarehouseURL(text, "duckdb", path=Path(text).expanduser())
    scheme = text.split("://", 1)[0].lower().split("+", 1)[0]
    engine = ENGINES.get(scheme)
    if engine is None:
        raise _bad(
            text,
            f"unknown engine {scheme!r}; use duckdb:///file, postgresql://, mysql://, spark:// or sc://.",
            f"不认识的引擎 {scheme!r}；可用 duckdb:///文件、postgresql://、mysql://、spark:// 或 sc://。",
        )
    local = ""
    if scheme == "spark":  # local[2] is no host name urlsplit accepts: keep it aside
        rest = text.split("://", 1)[1]
        local = re.split(r"[/?]", rest, maxsplit=1)[0]
        text_for_split = f"spark://localhost{rest[len(local) :]}"
    else:
        text_for_split = text
    parts = urlsplit(text_for_split)
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - _KNOWN_OPTIONS[engine])
    if unknown:
        allowed = ", ".join(sorted(_KNOWN_OPTIONS[engine])) or "none"
        raise _bad(
            text,
            f"unknown option {', '.join(unknown)} (known: {allowed}).",
            f"不认识的参数 {'、'.join(unknown)}（可用：{allowed}）。",
        )
    if engine == "duckdb":
        return WarehouseURL(text, "duckdb", path=Path(unquote(parts.path)).expanduser(), options=options)
    if engine == "mysql":
        flavor = options.setdefault("flavor", "mysql")
        if flavor not in FLAVORS:
            raise _bad(text, f"flavor must be one of {', '.join(FLAVORS)}.", f"flavor 只能是 {'、'.join(FLAVORS)}。")
    host = local or parts.hostname or ""
    try:
        port = None if local else parts.port
    except ValueError as e:
        raise _bad(text, "the port is not a number.", "端口不是数字。") from e
    return WarehouseURL(
        text,
        engine,
        host=host,
        port=port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        database=unquote(parts.path.lstrip("/")),
        options=options,
    )


def missing_file(target: str | Path) -> bool:
    """The target is a DuckDB file that does not exist (a server engine is never 'missing' here)."""
    url = parse_url(target)
    return url.engine == "duckdb" and url.path is not None and not url.path.exists()
