"""The real `opsbot` executable: metrics list/show/validate, query in every format, and bad input
answered with one clear line (never a traceback)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

OPSBOT = [str(Path(sys.executable).parent / "opsbot")]


def run(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*OPSBOT, *args], capture_output=True, text=True, env=env, timeout=120)
    if ok:
        assert proc.returncode == 0, proc.stderr
    else:
        assert proc.returncode != 0, proc.stdout
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) <= 3, proc.stderr
    return proc


def test_metrics_list_json_and_text(cli_env: dict[str, str]) -> None:
    items = json.loads(run(cli_env, "metrics", "list", "--format", "json").stdout)
    ids = {m["id"] for m in items}
    assert {"gmv", "refund_rate", "days_of_cover", "stockout_rate"} <= ids and "units_sold_28d" not in ids
    gmv = next(m for m in items if m["id"] == "gmv")
    assert gmv["name_zh"] == "成交金额" and gmv["unit"] == "currency" and "channel" in gmv["dimensions"]
    assert "成交金额" in run(cli_env, "metrics", "list").stdout


def test_metrics_show_by_id_or_name(cli_env: dict[str, str]) -> None:
    out = run(cli_env, "metrics", "show", "退款率").stdout
    assert out.startswith("refund_rate") and "口径" in out and "last 7 days" in out
    assert "%" in out.split("last 7 days")[1]


def test_metrics_validate_checks_the_warehouse(cli_env: dict[str, str], small_db: Path) -> None:
    out = run(cli_env, "metrics", "validate", "--db", str(small_db)).stdout
    assert "catalog OK" in out and "warehouse OK" in out


def test_query_json_contract(cli_env: dict[str, str]) -> None:
    out = run(
        cli_env,
        "query",
        "-m",
        "gmv",
        "-m",
        "refund_rate",
        "--by",
        "channel",
        "--from",
        "2026-11-09",
        "--to",
        "2026-11-15",
        "--format",
        "json",
    ).stdout
    doc = json.loads(out)
    assert set(doc) >= {"columns", "rows", "sql", "metrics", "time_range", "truncated"}
    assert doc["columns"][:3] == ["channel_id", "channel_name_zh", "channel_name_en"]
    assert doc["metrics"] == ["gmv", "refund_rate"] and doc["truncated"] is False
    assert doc["time_range"] == {"start": "2026-11-09", "end": "2026-11-15"}
    assert len(doc["rows"]) == 5 and all(0 <= r[4] < 1 for r in doc["rows"])  # rates are fractions
    gmvs = [r[3] for r in doc["rows"]]
    assert gmvs == sorted(gmvs, reverse=True)
    assert "SELECT" in doc["sql"] and "2026-11-09" in doc["sql"]


def test_query_defaults_to_the_last_30_days_of_the_warehouse(cli_env: dict[str, str]) -> None:
    doc = json.loads(run(cli_env, "query", "-m", "orders", "--format", "json").stdout)
    assert doc["time_range"] == {"start": "2026-10-22", "end": "2026-11-20"}
    doc = json.loads(run(cli_env, "query", "-m", "orders", "--as-of", "2026-11-01", "--format", "json").stdout)
    assert doc["time_range"]["end"] == "2026-11-01"


def test_query_month_grain_and_csv(cli_env: dict[str, str]) -> None:
    out = run(
        cli_env,
        "query",
        "-m",
        "units_sold",
        "--by",
        "date",
        "--grain",
        "month",
        "--from",
        "2026-09-01",
        "--to",
        "2026-11-20",
        "--format",
        "csv",
    ).stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["month", "units_sold"] and [r[0] for r in rows[1:]] == ["2026-09", "2026-10", "2026-11"]


def test_query_where_having_order_limit_compare(cli_env: dict[str, str]) -> None:
    doc = json.loads(
        run(
            cli_env,
            "query",
            "-m",
            "gmv",
            "--by",
            "category",
            "--where",
            "channel=天猫,京东",
            "--compare",
            "previous",
            "--order",
            "gmv:asc",
            "--limit",
            "2",
            "--format",
            "json",
        ).stdout
    )
    assert doc["columns"][3:] == ["gmv", "gmv_previous", "gmv_change", "gmv_change_pct"]
    assert len(doc["rows"]) == 2 and doc["rows"][0][3] <= doc["rows"][1][3]
    assert doc["compare_range"] == {"start": "2026-09-22", "end": "2026-10-21"}
    doc = json.loads(
        run(
            cli_env, "query", "-m", "days_of_cover", "--by", "sku", "--having", "days_of_cover<7", "--format", "json"
        ).stdout
    )
    assert all(r[-1] < 7 for r in doc["rows"])


def test_query_text_table(cli_env: dict[str, str]) -> None:
    out = run(cli_env, "query", "-m", "gmv", "-m", "refund_rate", "--by", "channel", "--show-sql").stdout
    assert "¥" in out and "%" in out and "Tmall" in out and "天猫" not in out and "SELECT" in out
    assert "Refund amount / GMV" in out  # the definition used is shown with the numbers
    out = run({**cli_env, "OPSBOT_LANG": "zh"}, "query", "-m", "gmv", "--by", "channel").stdout
    assert "天猫" in out and "成交金额" in out and "有效订单" in out


@pytest.mark.parametrize(
    "args,needle",
    [
        (("query", "-m", "gmvv"), "Unknown metric 'gmvv'; did you mean: gmv"),
        (("query", "-m", "gmv", "--by", "chanel"), "Unknown dimension 'chanel'; did you mean: channel"),
        (("query", "-m", "conversion_rate", "--by", "category"), "cannot be broken down by category"),
        (("query", "-m", "gmv", "--from", "2026-13-01"), "not a date; use YYYY-MM-DD"),
        (("query", "-m", "gmv", "--from", "2026-11-10", "--to", "2026-11-01"), "before --from"),
        (("query", "-m", "gmv", "--where", "channel=快手"), "There is no channel called '快手'"),
        (("query", "-m", "gmv", "--where", "channel"), "expected DIMENSION=VALUE"),
        (("query", "-m", "gmv", "--role", "nobody"), "Unknown role 'nobody'"),
        (("query", "-m", "gmv", "--db", "/nonexistent/x.duckdb"), "opsbot demo-data --out /nonexistent/x.duckdb"),
        (("metrics", "show", "nothing_like_it"), "Unknown metric"),
        (("query", "-m", "gmv", "--as-of", "2027-01-01"), "after the warehouse's last day (2026-11-20)"),
    ],
)
def test_bad_input_gets_one_clear_line(cli_env: dict[str, str], args: tuple[str, ...], needle: str) -> None:
    proc = run(cli_env, *args, ok=False)
    assert needle in proc.stderr, proc.stderr


def test_errors_in_chinese(cli_env: dict[str, str]) -> None:
    proc = run({**cli_env, "OPSBOT_LANG": "zh"}, "query", "-m", "gmv", "--where", "channel=快手", ok=False)
    assert "没有名为「快手」的渠道" in proc.stderr


def test_corrupt_and_foreign_files(cli_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_text("garbage" * 1000)
    assert "not a readable DuckDB warehouse" in run(cli_env, "query", "-m", "gmv", "--db", str(bad), ok=False).stderr
    import duckdb

    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    assert "not an opsbot warehouse" in run(cli_env, "query", "-m", "gmv", "--db", str(other), ok=False).stderr


def test_demo_data_bad_arguments(cli_env: dict[str, str], tmp_path: Path) -> None:
    proc = run(cli_env, "demo-data", "--out", str(tmp_path / "x.duckdb"), "--days", "3", "--quiet", ok=False)
    assert "days" in proc.stderr
    proc = run(cli_env, "demo-data", "--out", str(tmp_path / "x.duckdb"), "--end-date", "yesterday", ok=False)
    assert "not a date" in proc.stderr


def test_a_period_beyond_the_data_is_flagged(cli_env: dict[str, str]) -> None:
    proc = run(cli_env, "query", "-m", "gmv", "--by", "channel", "--from", "2020-01-01", "--to", "2020-01-31")
    assert "beyond the data (2025-10-17 … 2026-11-20)" in proc.stderr and "No rows match." in proc.stdout


@pytest.mark.parametrize(("lang", "head", "line"), [
    ("en", "opsbot: the configuration has 1 problem(s):", "server.answer_processes: 'lots' is not a number"),
    ("zh", "opsbot: 配置有 1 个问题：", "server.answer_processes：'lots' 不是进程数"),
])  # fmt: skip
def test_a_bad_configuration_is_listed_in_the_users_language(
    cli_env: dict[str, str], tmp_path: Path, lang: str, head: str, line: str
) -> None:
    bad = tmp_path / "opsbot.yaml"
    bad.write_text("server:\n  answer_processes: lots\n", encoding="utf-8")
    proc = run({**cli_env, "OPSBOT_LANG": lang}, "serve", "--config", str(bad), ok=False)
    assert proc.returncode == 3
    first, second = proc.stderr.splitlines()[:2]
    assert first == head and second.startswith(f"  {bad}:2: {line}"), proc.stderr
