"""Where opsbot keeps its files: OPSBOT_DATA_DIR (default ./data) and the warehouse inside it."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("OPSBOT_DATA_DIR", "data"))


def default_warehouse_path() -> Path:
    """OPSBOT_WAREHOUSE, else <data dir>/demo.duckdb."""
    explicit = os.environ.get("OPSBOT_WAREHOUSE")
    return Path(explicit) if explicit else data_dir() / "demo.duckdb"


def default_warehouse() -> str:
    """The warehouse commands use when --db names none: $OPSBOT_WAREHOUSE_URL (a URL or a path),
    else $OPSBOT_WAREHOUSE (a DuckDB path), else <data dir>/demo.duckdb."""
    return os.environ.get("OPSBOT_WAREHOUSE_URL") or str(default_warehouse_path())


def truth_path(warehouse: Path) -> Path:
    """The truth file of a demo warehouse (``opsbot demo-data --truth``): <name>.truth.duckdb beside it."""
    name = warehouse.name
    stem = name[: -len(".duckdb")] if name.endswith(".duckdb") else name
    return warehouse.with_name(stem + ".truth.duckdb")
