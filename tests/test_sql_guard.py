"""The guard for model-written SQL: an injection corpus is refused, honest SELECTs pass with their LIMIT capped
and run on the real warehouse."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from metrics.catalog.types import Catalog
from metrics.problems import UserError
from metrics.service import SemanticLayer
from nlq.sql_guard import guard_sql

MAX_ROWS = 50

HOSTILE = {
    "drop": "DROP TABLE fact_order",
    "delete": "DELETE FROM fact_order",
    "insert": "INSERT INTO fact_order (order_id) VALUES ('x')",
    "update": "UPDATE fact_order SET status = 'x'",
    "create": "CREATE TABLE t AS SELECT * FROM fact_order",
    "alter": "ALTER TABLE fact_order ADD COLUMN x INT",
    "copy_to_file": "COPY (SELECT 1) TO '/tmp/opsbot_guard_x'",
    "copy_table": "COPY fact_order TO '/tmp/opsbot_guard_x.csv'",
    "export": "EXPORT DATABASE '/tmp/opsbot_guard_x'",
    "read_csv": "SELECT * FROM read_csv('/etc/passwd')",
    "read_csv_auto": "SELECT * FROM read_csv_auto('/etc/passwd')",
    "read_parquet": "SELECT * FROM read_parquet('/tmp/x.parquet')",
    "read_text_scalar": "SELECT (SELECT content FROM read_text('/etc/passwd'))",
    "parquet_scan": "SELECT * FROM parquet_scan('s3://bucket/x.parquet')",
    "glob": "SELECT * FROM glob('*')",
    "file_literal": "SELECT * FROM '/etc/passwd'",
    "range": "SELECT * FROM range(10)",
    "generate_series": "SELECT * FROM generate_series(1, 10)",
    "attach": "ATTACH 'x.db' AS x",
    "detach": "DETACH x",
    "pragma": "PRAGMA database_list",
    "set": "SET enable_external_access = true",
    "reset": "RESET enable_external_access",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "call": "CALL pragma_version()",
    "use": "USE other",
    "checkpoint": "CHECKPOINT",
    "describe": "DESCRIBE fact_order",
    "summarize": "SUMMARIZE fact_order",
    "stacked": "SELECT 1; DROP TABLE fact_order",
    "stacked_select": "SELECT 1; SELECT 2",
    "comment_then_stacked": "SELECT 1 /* harmless */; DROP TABLE fact_order",
    "information_schema": "SELECT * FROM information_schema.tables",
    "duckdb_settings": "SELECT * FROM duckdb_settings()",
    "duckdb_tables_fn": "SELECT * FROM duckdb_tables()",
    "sqlite_master": "SELECT * FROM sqlite_master",
    "opsbot_meta": "SELECT * FROM opsbot_meta",
    "other_schema": "SELECT * FROM other.fact_order",
    "other_catalog": "SELECT * FROM warehouse.main.fact_order",
    "unknown_column": "SELECT order_id, secret_column FROM fact_order",
    "unknown_qualified_column": "SELECT o.nope FROM fact_order AS o",
    "column_of_wrong_table": "SELECT visitors FROM fact_order",
    "cte_shadowing_table": "WITH fact_order AS (SELECT key AS order_id FROM opsbot_meta) SELECT * FROM fact_order",
    "cte_shadowing_scope": (
        "SELECT * FROM opsbot_meta WHERE 1 IN (WITH opsbot_meta AS (SELECT 1 AS x) SELECT x FROM opsbot_meta)"
    ),
    "cte_forward_reference": "WITH a AS (SELECT * FROM b), b AS (SELECT 1 AS x) SELECT * FROM a",
    "cte_reads_forbidden": "WITH t AS (SELECT * FROM duckdb_settings()) SELECT * FROM t",
    "recursive_cte": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r",
    "getenv": "SELECT getenv('HOME')",
    "current_setting": "SELECT current_setting('enable_external_access')",
    "sleep": "SELECT pg_sleep(10)",
    "union_forbidden": "SELECT order_id FROM fact_order UNION ALL SELECT key FROM opsbot_meta",
    "where_subquery_forbidden": "SELECT order_id FROM fact_order WHERE channel_id IN (SELECT key FROM opsbot_meta)",
    "exists_forbidden": "SELECT 1 FROM fact_order WHERE EXISTS (SELECT 1 FROM duckdb_settings())",
    "select_into": "SELECT * INTO stolen FROM fact_order",
    "lateral_function": "SELECT * FROM fact_order, LATERAL read_csv('/etc/passwd')",
    "values": "SELECT * FROM (VALUES (1), (2)) AS v(x)",
    "sample": "SELECT * FROM fact_order USING SAMPLE 10",
    "limit_percent": "SELECT * FROM fact_order LIMIT 10%",
    "limit_subquery": "SELECT * FROM fact_order LIMIT (SELECT 5)",
    "placeholder": "SELECT * FROM fact_order WHERE order_id = $1",
    "lambda": "SELECT list_transform([1, 2], x -> x + 1)",
    "query_function": "SELECT * FROM query('SELECT * FROM opsbot_meta')",
    "empty": "   ",
    "only_comment": "-- nothing here",
    "garbage": "SELEC * FORM fact_order",
}


@pytest.mark.parametrize("sql", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_sql_is_refused(catalog: Catalog, sql: str) -> None:
    with pytest.raises(UserError) as info:
        guard_sql(sql, catalog, max_rows=MAX_ROWS)
    problems = info.value.problems
    assert problems and all(p.code == "refused_sql" for p in problems)
    assert all(p.en.startswith("Refused the SQL") and p.zh.startswith("已拒绝该 SQL") for p in problems)


def test_refusals_say_why_in_both_languages(catalog: Catalog) -> None:
    cases = {
        "SELECT 1; DROP TABLE fact_order": ("exactly one statement", "只允许一条语句"),
        "DROP TABLE fact_order": ("not DROP", "不允许 DROP"),
        "SELECT getenv('HOME')": ("GETENV()", "GETENV()"),
        "SELECT * FROM read_csv('/etc/passwd')": ("table functions", "表函数"),
        "SELECT * FROM opsbot_meta": (
            "'opsbot_meta' is not one of the semantic layer's tables",
            "不是语义层中的数据表",
        ),
        "SELECT nope FROM fact_order": ("nope", "nope"),
    }
    for sql, (en, zh) in cases.items():
        with pytest.raises(UserError) as info:
            guard_sql(sql, catalog, max_rows=MAX_ROWS)
        assert en in info.value.text("en"), sql
        assert zh in info.value.text("zh"), sql


def test_unknown_table_suggests_the_nearest(catalog: Catalog) -> None:
    with pytest.raises(UserError) as info:
        guard_sql("SELECT * FROM fact_orders", catalog, max_rows=MAX_ROWS)
    assert "fact_order" in info.value.problems[0].suggestions


VALID = {
    "plain": "SELECT order_id, channel_id FROM fact_order",
    "schema_main": "SELECT COUNT(*) AS n FROM main.fact_order",
    "join": (
        "SELECT c.name_en, SUM(i.amount) AS gmv FROM fact_order AS o "
        "JOIN fact_order_item AS i ON i.order_id = o.order_id "
        "JOIN dim_channel AS c ON c.channel_id = o.channel_id "
        "WHERE o.status <> 'cancelled' GROUP BY c.name_en ORDER BY gmv DESC"
    ),
    "cte": (
        "WITH daily AS (SELECT CAST(order_ts AS DATE) AS day, COUNT(*) AS n FROM fact_order GROUP BY 1), "
        "top AS (SELECT * FROM daily ORDER BY n DESC LIMIT 3) SELECT day, n FROM top ORDER BY day"
    ),
    "window": (
        "SELECT sku_id, warehouse_id, snapshot_date, on_hand - reserved AS available, "
        "ROW_NUMBER() OVER (PARTITION BY sku_id ORDER BY snapshot_date DESC) AS rn "
        "FROM fact_inventory_daily QUALIFY rn = 1"
    ),
    "moving_average": (
        "SELECT date, channel_id, AVG(visitors) OVER (PARTITION BY channel_id ORDER BY date "
        "ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS visitors_7d FROM fact_traffic_daily"
    ),
    "subquery_in_where": (
        "SELECT sku_id, name_en FROM dim_sku WHERE category_id IN "
        "(SELECT category_id FROM dim_category WHERE name_en = 'Pet')"
    ),
    "and_or_not": (
        "SELECT COUNT(*) AS n FROM fact_order WHERE status = 'paid' AND (channel_id = 'jd' OR channel_id = 'tmall') "
        "AND NOT province IS NULL AND order_ts BETWEEN DATE '2026-01-01' AND DATE '2026-12-31'"
    ),
    "anti_join": "SELECT COUNT(*) AS n FROM fact_order ANTI JOIN fact_refund USING (order_id)",
    "union": "SELECT channel_id AS id FROM dim_channel UNION SELECT warehouse_id FROM dim_warehouse",
    "dates_and_case": (
        "SELECT DATE_TRUNC('week', order_ts) AS week, "
        "SUM(CASE WHEN shipped_ts > promised_ship_ts THEN 1 ELSE 0 END) AS late, COUNT(*) AS orders "
        "FROM fact_order WHERE order_ts >= DATE '2026-10-01' - INTERVAL 7 DAY GROUP BY ALL ORDER BY week"
    ),
    "comment_trick_line": "SELECT COUNT(*) AS n FROM fact_refund -- ; DROP TABLE fact_order",
    "comment_trick_block": "SELECT /* */ COUNT(*) AS n /* ; DROP TABLE fact_order */ FROM fact_refund",
    "comment_closing_inside": "SELECT COUNT(*) AS n FROM fact_refund -- */ ; DROP TABLE fact_order",
}


@pytest.mark.parametrize("sql", list(VALID.values()), ids=list(VALID))
def test_valid_select_is_accepted_and_runs(catalog: Catalog, layer: SemanticLayer, sql: str) -> None:
    guarded = guard_sql(sql, catalog, max_rows=MAX_ROWS)
    tree = sqlglot.parse_one(guarded, read="duckdb")
    assert isinstance(tree.args["limit"], exp.Limit)
    assert int(tree.args["limit"].expression.this) <= MAX_ROWS
    assert "--" not in guarded and "/*" not in guarded and "DROP" not in guarded.upper()
    result = layer.warehouse.query(guarded, timeout_s=10, row_cap=MAX_ROWS)
    assert len(result.rows) <= MAX_ROWS
    assert result.columns


def test_limit_is_added_capped_or_kept(catalog: Catalog, layer: SemanticLayer) -> None:
    added = guard_sql("SELECT order_id FROM fact_order", catalog, max_rows=7)
    assert added.endswith("LIMIT 7")
    assert len(layer.warehouse.query(added).rows) == 7
    assert guard_sql("SELECT order_id FROM fact_order LIMIT 100000", catalog, max_rows=7).endswith("LIMIT 7")
    assert guard_sql("SELECT order_id FROM fact_order LIMIT 3", catalog, max_rows=7).endswith("LIMIT 3")
    union = guard_sql(
        "SELECT channel_id FROM dim_channel UNION ALL SELECT channel_id FROM dim_channel", catalog, max_rows=4
    )
    assert len(layer.warehouse.query(union).rows) == 4


def test_sql_is_regenerated_not_passed_through(catalog: Catalog) -> None:
    sql = "select   order_id\n  from fact_order   -- trailing remark\n where status = 'paid'"
    guarded = guard_sql(sql, catalog, max_rows=10)
    assert guarded == "SELECT order_id FROM fact_order WHERE status = 'paid' LIMIT 10"


def test_string_literals_stay_data(catalog: Catalog, layer: SemanticLayer) -> None:
    sql = "SELECT COUNT(*) AS n FROM fact_order WHERE status = '''; DROP TABLE fact_order; --'"
    guarded = guard_sql(sql, catalog, max_rows=10)
    assert len(sqlglot.parse(guarded, read="duckdb")) == 1
    assert layer.warehouse.query(guarded).rows == [(0,)]


def test_max_rows_must_be_positive(catalog: Catalog) -> None:
    with pytest.raises(ValueError):
        guard_sql("SELECT 1", catalog, max_rows=0)


def test_a_cte_named_like_a_hidden_table_reads_the_cte(catalog: Catalog, layer: SemanticLayer) -> None:
    guarded = guard_sql("WITH opsbot_meta AS (SELECT 42 AS x) SELECT x FROM opsbot_meta", catalog, max_rows=10)
    assert layer.warehouse.query(guarded).rows == [(42,)]


def test_every_problem_is_reported_at_once(catalog: Catalog) -> None:
    sql = "SELECT getenv('HOME'), nope FROM fact_order JOIN opsbot_meta ON TRUE WHERE current_setting('x') = 'y'"
    with pytest.raises(UserError) as info:
        guard_sql(sql, catalog, max_rows=10)
    text = info.value.text("en")
    assert "GETENV()" in text and "CURRENT_SETTING()" in text and "'opsbot_meta'" in text
