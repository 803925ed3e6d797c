"""rollups.yaml: every key read or reported, and only what re-aggregates exactly is stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from metrics.catalog.load import CATALOG_DIR, CatalogError, load_catalog


@pytest.fixture()
def cat_dir(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, target)
    return target


def problems(cat_dir: Path) -> list[str]:
    with pytest.raises(CatalogError) as err:
        load_catalog(cat_dir)
    return [str(p) for p in err.value.problems]


def test_shipped_rollups_classify_their_measures() -> None:
    rollups = load_catalog().rollups
    orders = rollups["sales_orders"]
    assert orders.measure("orders") is not None and orders.measure("orders").merge == "count"  # type: ignore[union-attr]
    assert orders.measure("gmv").merge == "sum"  # type: ignore[union-attr]
    assert rollups["buyers_channel"].measure("buyers").merge == "distinct"  # type: ignore[union-attr]
    assert rollups["sales_skus"].table == "ru_sales_skus"
    assert rollups["buyers_kept"].entities == ("buyers",)


def test_a_catalog_without_rollups_yaml_loads(cat_dir: Path) -> None:
    (cat_dir / "rollups.yaml").unlink()
    assert load_catalog(cat_dir).rollups == {}


def test_every_rollup_problem_is_reported_with_its_line(cat_dir: Path) -> None:
    (cat_dir / "rollups.yaml").write_text(
        "rollups:\n"
        "  - {id: a, model: sales, grain: day, dimensions: [channel], measures: [gmv], colour: red}\n"
        "  - {id: b, model: sales, grain: week, dimensions: [date], measures: [aov]}\n"
        "  - {id: c, model: nowhere, measures: [gmv]}\n"
        "  - {id: d, model: sales, dimensions: [channel], measures: [refund_amount, repeat_buyers]}\n"
        "  - {id: e, model: inventory, dimensions: [sku], measures: [avg_on_hand]}\n"
        "  - {id: f, model: sales, dimensions: [channel], distinct: gmv}\n",
        encoding="utf-8",
    )
    found = "\n".join(problems(cat_dir))
    assert "rollups.yaml:2: rollup a: unknown key 'colour'" in found
    assert "rollups.yaml:3: rollup b: grain 'week'" in found
    assert "rollups.yaml:3: rollup b: dimensions ['date']" in found
    assert "rollups.yaml:4: rollup c: unknown model 'nowhere'" in found
    assert "rollup d: 'refund_amount' is not a sum" in found
    assert "rollup d: 'repeat_buyers' is not a sum" in found
    assert "rollup e: 'avg_on_hand' is not a sum" in found
    assert "rollup f: distinct: 'gmv' is not a COUNT(DISTINCT x) of sales" in found
