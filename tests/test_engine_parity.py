"""Parity: the glossary metrics, the stock forecasts and the public question set give the same numbers
on DuckDB, PostgreSQL and MariaDB (and Spark local mode, in test_engine_spark.py), loaded with the same
demo data by `opsbot demo-data --to`."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_glossary_metrics import HAND, RANGE

from metrics.catalog.types import Catalog
from metrics.query import MetricQuery, TimeRange
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
OPSBOT = str(Path(sys.executable).parent / "opsbot")
YEAR = TimeRange(dt.date(2026, 1, 1), dt.date(2026, 10, 31))
ENGINES = ["postgres", "mariadb"]


def variants(metric_id: str) -> list[MetricQuery]:
    """The metric by its glossary breakdown, by week, by month, and against last year."""
    dims, _ = HAND[metric_id]
    out = [
        MetricQuery(metrics=(metric_id,), dimensions=dims, time_range=RANGE),
        MetricQuery(metrics=(metric_id,), time_range=RANGE, compare="yoy"),
    ]
    if metric_id != "days_of_cover":  # a point-in-time value: no breakdown by date
        out.append(MetricQuery(metrics=(metric_id,), dimensions=("date",), grain="week", time_range=RANGE))
        out.append(MetricQuery(metrics=(metric_id,), dimensions=("date",), grain="month", time_range=YEAR))
    return out


def cell(v: Any) -> Any:
    """A cell in a comparable form: numbers as floats, dates and times as ISO text."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int | float | decimal.Decimal):
        return float(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


def assert_same_rows(want: list[tuple[Any, ...]], got: list[tuple[Any, ...]], keys: int, what: str) -> None:
    """Same rows, matched on their first ``keys`` cells (row order may differ where the query sets none)."""
    w = {tuple(cell(c) for c in r[:keys]): [cell(c) for c in r] for r in want}
    g = {tuple(cell(c) for c in r[:keys]): [cell(c) for c in r] for r in got}
    assert len(want) == len(got) and w.keys() == g.keys(), f"{what}: rows differ: {want[:3]} vs {got[:3]}"
    bad = {k: (w[k], g[k]) for k in w if not all(same(x, y) for x, y in zip(w[k], g[k], strict=True))}
    assert not bad, f"{what}: {list(bad.items())[:3]}"


@pytest.fixture(scope="module", params=ENGINES)
def engine_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture(scope="module")
def engine_layer(engine_url: str, catalog: Catalog) -> Iterator[SemanticLayer]:
    wh = Warehouse(engine_url)
    yield SemanticLayer(catalog, wh)
    wh.close()


@pytest.mark.parametrize("metric_id", sorted(HAND))
def test_glossary_metric_is_the_same_on_every_engine(
    layer: SemanticLayer, engine_layer: SemanticLayer, metric_id: str
) -> None:
    for q in variants(metric_id):
        want, got = layer.run(q), engine_layer.run(q)
        keys = sum(1 for c in want.compiled.columns if c.role == "dimension")
        assert_same_rows(want.result.rows, got.result.rows, keys, f"{metric_id} {q.dimensions} {q.grain} {q.compare}")


def test_the_engine_is_checked_and_described(engine_layer: SemanticLayer, catalog: Catalog) -> None:
    from metrics.schema_check import compare_schema

    wh = engine_layer.warehouse
    assert wh.last_day() == dt.date(2026, 11, 20) and wh.first_day() is not None
    assert compare_schema(catalog, wh) == []
    assert wh.label.startswith(("postgresql://", "mysql://"))


def test_forecasts_on_the_engine_match_duckdb(
    engine_url: str, engine_layer: SemanticLayer, forecast_db: Path, catalog: Catalog
) -> None:
    """`forecast refresh` reads the history through the warehouse and stores the projection on the engine;
    the stockout metrics then read it with one statement, the same numbers as the DuckDB store."""
    from metrics.forecast.refresh import refresh

    report = refresh(engine_url, dt.date(2026, 11, 20))
    assert report.series > 0 and "schema opsbot" in str(report.path)
    assert engine_layer.warehouse.forecast_as_of() == dt.date(2026, 11, 20)
    base = Warehouse(forecast_db)
    try:
        duck = SemanticLayer(catalog, base)
        next_week = TimeRange(dt.date(2026, 11, 23), dt.date(2026, 11, 29))
        for q in (
            MetricQuery(metrics=("projected_stockouts",), dimensions=("warehouse",), time_range=next_week),
            MetricQuery(metrics=("forecast_units",), dimensions=("category",), time_range=next_week),
            MetricQuery(
                metrics=("days_to_stockout", "available_now", "suggested_reorder_qty"),
                dimensions=("sku",),
                time_range=next_week,
            ),
        ):
            want, got = duck.run(q), engine_layer.run(q)
            assert want.result.rows, q
            keys = sum(1 for c in want.compiled.columns if c.role == "dimension")
            assert_same_rows(want.result.rows, got.result.rows, keys, str(q.metrics))
    finally:
        base.close()
    # refreshing again swaps the store in place (readers never see half a store)
    assert refresh(engine_url, dt.date(2026, 11, 20)).rows == report.rows


def _ask_all(db: str, questions: list[str], as_of: str) -> str:
    proc = subprocess.run(
        [OPSBOT, "ask", "-", "--format", "jsonl", "--db", db, "--as-of", as_of],
        input="\n".join(questions) + "\n",
        capture_output=True,
        text=True,
        timeout=600,
        env={**__import__("os").environ, "OPSBOT_LANG": "en"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def verdicts(small_db: Path, answers: str, tmp: Path) -> dict[str, str]:
    path = tmp / "answers.jsonl"
    path.write_text(answers, encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            str(EVAL / "score.py"),
            str(EVAL / "questions.yaml"),
            "--db",
            str(small_db),
            "--answers",
            str(path),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return {r["id"]: r["verdict"] for r in json.loads(out.stdout)["results"]}


def public_set() -> tuple[list[str], str]:
    if not (EVAL / "questions.yaml").exists():
        pytest.skip(f"the shared eval set is not beside the repository ({EVAL})")
    doc = yaml.safe_load((EVAL / "questions.yaml").read_text(encoding="utf-8"))
    return [q["question"] for q in doc["questions"]], str(doc["as_of"])


@pytest.fixture(scope="session")
def duckdb_verdicts(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    questions, as_of = public_set()
    return verdicts(small_db, _ask_all(str(small_db), questions, as_of), tmp_path_factory.mktemp("duck"))


def test_public_question_set_scores_the_same_on_the_engine(
    engine_url: str, small_db: Path, duckdb_verdicts: dict[str, str], tmp_path: Path
) -> None:
    """The public set asked through `opsbot ask --db URL`, scored against the DuckDB gold: same verdicts."""
    questions, as_of = public_set()
    got = verdicts(small_db, _ask_all(engine_url, questions, as_of), tmp_path)
    assert got == duckdb_verdicts
    assert "WRONG" not in got.values()
