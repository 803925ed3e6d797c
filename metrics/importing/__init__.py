"""`opsbot import`: CSV, Excel and Parquet exports into the embedded DuckDB warehouse, through a mapping
YAML, validated before anything is written, in one transaction (see docs/import.md)."""
