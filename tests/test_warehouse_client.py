"""The warehouse client: read-only, no file/network access, a time limit, a row cap, clear errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from metrics.problems import UserError
from metrics.warehouse import Warehouse


def test_read_only_and_no_external_access(small_db: Path, tmp_path: Path) -> None:
    wh = Warehouse(small_db)
    with pytest.raises(duckdb.Error):
        wh.query("DELETE FROM fact_order")
    with pytest.raises(duckdb.Error):
        wh.query("CREATE TABLE x AS SELECT 1")
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with pytest.raises(duckdb.Error, match=r"(?i)disabled|permission"):
        wh.query(f"SELECT * FROM read_csv('{secret}')")
    with pytest.raises(duckdb.Error):
        wh.query("SET enable_external_access = true")
    with pytest.raises(duckdb.Error):
        wh.query(f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'")
    assert not (tmp_path / "out.csv").exists()
    wh.close()


def test_row_cap_sets_truncated(small_db: Path) -> None:
    wh = Warehouse(small_db, row_cap=10)
    res = wh.query("SELECT order_id FROM fact_order")
    assert len(res.rows) == 10 and res.truncated
    res = wh.query("SELECT channel_id FROM dim_channel")
    assert len(res.rows) == 5 and not res.truncated
    assert [c.name for c in res.columns] == ["channel_id"] and res.columns[0].type == "VARCHAR"
    wh.close()


def test_time_limit_interrupts_a_slow_query(small_db: Path) -> None:
    wh = Warehouse(small_db, timeout_s=0.3)
    with pytest.raises(UserError, match=r"longer than 0\.3 s"):
        wh.query("SELECT COUNT(*) FROM range(1000000000) a, range(1000) b WHERE a.range * b.range % 7 = 3")
    assert wh.query("SELECT 1").rows == [(1,)]  # the connection is still usable afterwards
    wh.close()


def test_parameters_are_bound(small_db: Path) -> None:
    wh = Warehouse(small_db)
    res = wh.query("SELECT name_zh FROM dim_channel WHERE channel_id = $c", {"c": "tmall"})
    assert res.rows == [("天猫",)]
    wh.close()


def test_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(UserError) as err:
        Warehouse(tmp_path / "nope.duckdb")
    assert f"opsbot demo-data --out {tmp_path / 'nope.duckdb'}" in err.value.text("en")
    assert "找不到数据仓库" in err.value.text("zh")


def test_corrupt_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(UserError, match="not a readable DuckDB warehouse"):
        Warehouse(bad)


def test_foreign_duckdb_file(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE dim_channel (channel_id VARCHAR)")
    con.close()
    with pytest.raises(UserError) as err:
        Warehouse(other)
    assert "not an opsbot warehouse" in err.value.text("en") and "fact_order" in err.value.text("en")


def test_last_day_comes_from_the_generator(small_db: Path) -> None:
    wh = Warehouse(small_db)
    assert wh.last_day().isoformat() == "2026-11-20"
    wh.close()
