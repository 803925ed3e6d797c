"""The server engines stay read-only and bounded with a read-write user: hostile SQL (the SQL guard's
corpus, run past the guard, straight at the engine) and hostile questions change nothing; errors are
one clear line in both languages; the row cap, the time limit and bind parameters hold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_nlq_ask_cli import test_hostile_questions_are_refused_and_change_nothing as _hostile_questions
from test_sql_guard import HOSTILE

from metrics.problems import UserError
from metrics.warehouse import Warehouse

OPSBOT = str(Path(sys.executable).parent / "opsbot")
QUESTIONS = next(m.args[1] for m in _hostile_questions.pytestmark if m.name == "parametrize")  # type: ignore[attr-defined]
ENGINES = ["postgres", "mariadb"]


@pytest.fixture(scope="module", params=ENGINES)
def engine_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture(scope="module")
def wh(engine_url: str) -> Iterator[Warehouse]:
    w = Warehouse(engine_url, timeout_s=10)
    yield w
    w.close()


def fingerprint(wh: Warehouse) -> tuple[object, ...]:
    """What a write would change: the tables and the rows of the ones hostile SQL names."""
    tables = tuple(sorted(wh.tables(wh.data_schema)))  # type: ignore[attr-defined]
    counts = tuple(wh.query(f"SELECT COUNT(*) FROM {t}").rows[0][0] for t in ("fact_order", "dim_sku", "opsbot_meta"))
    statuses = tuple(wh.query("SELECT status, COUNT(*) FROM fact_order GROUP BY status ORDER BY status").rows)
    return tables, counts, statuses


def test_hostile_sql_sent_straight_to_the_engine_changes_nothing(wh: Warehouse, tmp_path: Path) -> None:
    before = fingerprint(wh)
    refused = 0
    for name, sql in HOSTILE.items():
        sql = sql.replace("/tmp/opsbot_guard_x", str(tmp_path / "x"))
        try:
            wh.query(sql, timeout_s=5)
        except Exception:  # refused by the read-only session, the parser or the engine: all fine
            refused += 1
        assert fingerprint(wh) == before, name
    # the writes the engines would accept from this user are refused by the read-only session
    for sql in (
        "DELETE FROM fact_order",
        "UPDATE fact_order SET status = 'x'",
        "DROP TABLE dim_sku",
        "CREATE TABLE stolen AS SELECT * FROM fact_order",
        "INSERT INTO opsbot_meta VALUES ('k', 'v')",
    ):
        with pytest.raises(Exception, match=r"(?i)read.only|READ ONLY"):
            wh.query(sql)
    assert fingerprint(wh) == before and refused >= len(HOSTILE) // 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("question", QUESTIONS)
def test_hostile_questions_are_refused_on_the_engine(engine_url: str, wh: Warehouse, question: str) -> None:
    before = fingerprint(wh)
    proc = subprocess.run(
        [OPSBOT, "ask", question, "--format", "json", "--db", engine_url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "OPSBOT_LANG": "en"},
    )
    doc = json.loads(proc.stdout)
    assert doc["status"] in ("refused", "clarify"), doc
    assert fingerprint(wh) == before and not Path("/tmp/x.csv").exists()


def test_row_cap_and_bind_parameters(wh: Warehouse) -> None:
    res = wh.query("SELECT order_id FROM fact_order ORDER BY order_id", row_cap=10)
    assert len(res.rows) == 10 and res.truncated
    assert [r[0] for r in res.rows] == sorted(r[0] for r in res.rows)
    res = wh.query("SELECT channel_id FROM dim_channel")
    assert len(res.rows) == 5 and not res.truncated and res.names == ["channel_id"]
    assert wh.query("SELECT name_zh FROM dim_channel WHERE channel_id = $c", {"c": "tmall"}).rows == [("天猫",)]
    hostile = "x' OR '1'='1'; DROP TABLE dim_sku; -- %s %%"
    assert wh.query("SELECT name_zh FROM dim_channel WHERE channel_id = $c", {"c": hostile}).rows == []
    assert wh.query("SELECT COUNT(*) FROM dim_channel WHERE name_en LIKE '%a%'").rows[0][0] >= 1


def test_time_limit_stops_a_slow_query(wh: Warehouse) -> None:
    with pytest.raises(UserError) as err:
        wh.query("SELECT COUNT(*) FROM fact_inventory_daily AS a, fact_inventory_daily AS b", timeout_s=0.5)
    assert err.value.problems[0].code == "timeout"
    assert "0.5 s" in err.value.text("en") and "0.5 秒" in err.value.text("zh")
    assert wh.query("SELECT 1 AS one").rows[0][0] == 1  # the pool hands out a working connection afterwards


def test_missing_table_and_column_are_one_line(wh: Warehouse) -> None:
    with pytest.raises(UserError) as err:
        wh.query("SELECT * FROM fact_nope")
    assert err.value.problems[0].code == "warehouse_missing_table" and "fact_nope" in err.value.text("en")
    assert "缺少查询用到的表" in err.value.text("zh") and "\n" not in err.value.text("en")
    with pytest.raises(UserError) as err:
        wh.query("SELECT nope_column FROM fact_order")
    assert err.value.problems[0].code == "warehouse_missing_column" and "nope_column" in err.value.text("en")


def _server(url: str, **parts: str) -> str:
    from urllib.parse import urlsplit

    u = urlsplit(url)
    netloc = f"{parts.get('user', u.username)}@{u.hostname}:{parts.get('port', u.port)}"
    return u._replace(netloc=netloc).geturl()


def test_unreachable_host_and_bad_credentials(engine_url: str) -> None:
    with pytest.raises(UserError) as err:
        Warehouse(_server(engine_url, port="1"))
    assert err.value.problems[0].code == "warehouse_unreachable"
    assert "Cannot reach the warehouse" in err.value.text("en") and "连不上数据仓库" in err.value.text("zh")
    with pytest.raises(UserError) as err:
        Warehouse(_server(engine_url, user="opsbot_nobody"))
    assert err.value.problems[0].code == "warehouse_login", err.value.text("en")
    assert "opsbot_nobody" in err.value.text("en") and "用户名和密码" in err.value.text("zh")


def test_a_database_that_is_not_a_warehouse_says_how_to_load_one(engine_url: str) -> None:
    with pytest.raises(UserError) as err:
        Warehouse(engine_url, check_tables=("dim_category", "fact_missing"))
    assert err.value.problems[0].code == "foreign_warehouse" and "demo-data --to" in err.value.text("en")


def test_bad_urls_are_one_line() -> None:
    for url, words in (
        ("oracle://x/y", "unknown engine"),
        ("mysql://root@h/db?flavor=tidb", "flavor must be one of"),
        ("postgresql://u@h/db?sslmod=require", "unknown option sslmod"),
    ):
        with pytest.raises(UserError) as err:
            Warehouse(url)
        assert words in err.value.text("en") and "数据仓库地址" in err.value.text("zh")


def test_passwords_are_never_shown() -> None:
    from metrics.engines.url import parse_url

    u = parse_url("postgresql://opsbot:s3cr%40t@db.example:5432/shop?schema=analytics")
    assert (u.user, u.password, u.host, u.port, u.database) == ("opsbot", "s3cr@t", "db.example", 5432, "shop")
    assert "s3cr" not in u.redacted() and "***" in u.redacted() and "s3cr" not in repr(u)
