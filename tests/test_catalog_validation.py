"""Loading the catalog validates everything and reports every problem at once, with file and line."""

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


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test set-up: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


def problems(cat_dir: Path) -> list[str]:
    with pytest.raises(CatalogError) as err:
        load_catalog(cat_dir)
    return [str(p) for p in err.value.problems]


def test_shipped_catalog_is_valid_and_complete() -> None:
    catalog = load_catalog()
    glossary = {
        "gmv",
        "orders",
        "units_sold",
        "buyers",
        "aov",
        "arpu",
        "refund_amount",
        "refund_rate",
        "gross_margin",
        "visitors",
        "conversion_rate",
        "ad_spend",
        "roi",
        "complaints",
        "complaint_rate",
        "late_shipment_rate",
        "repurchase_rate",
        "on_hand",
        "available",
        "avg_daily_units",
        "days_of_cover",
        "turnover_days",
        "sell_through_rate",
        "stockout_rate",
    }
    assert glossary <= set(catalog.metrics)
    for m in catalog.metrics.values():
        assert m.names.zh and m.names.en and m.description_zh and m.description_en and m.owner and m.version
    assert set(catalog.dimensions) == {
        *("date", "channel", "category", "brand", "sku", "warehouse", "region", "province"),
        *("refund_reason", "complaint_category", "campaign"),  # fact_refund.reason, fact_complaint.category
    }
    assert "refund_reason" in catalog.sliceable["refund_amount"]
    assert "complaint_category" in catalog.sliceable["complaints"]
    assert catalog.sliceable["conversion_rate"] == {"channel", "date"}
    assert "date" not in catalog.sliceable["days_of_cover"]


def test_every_problem_is_reported_at_once_with_file_and_line(cat_dir: Path) -> None:
    metrics, models = cat_dir / "metrics.yaml", cat_dir / "models.yaml"
    edit(metrics, "expr: SUM(i.amount)", "expr: SUM(i.amout)")  # unknown column
    edit(models, "table: fact_traffic_daily", "table: fact_trafic_daily")  # unknown table
    edit(metrics, "expr: gmv / orders", "expr: gmv / orders / arpu")  # aov → arpu …
    edit(metrics, "expr: gmv / buyers", "expr: aov / buyers")  # … → aov: a cycle
    edit(metrics, "- id: units_sold", "- id: orders")  # duplicate id
    edit(metrics, "synonyms: {zh: [投诉率]", "synonyms: {zh: [投诉率, 退款率]")  # clashes with refund_rate
    found = problems(cat_dir)
    text = "\n".join(found)
    gmv_line = line_of(metrics, "- id: gmv")
    assert any(p.startswith(f"{metrics}:{gmv_line}:") and "unknown column i.amout" in p for p in found), found
    assert "unknown table 'fact_trafic_daily'" in text
    assert "circular definition" in text and "aov" in text and "arpu" in text
    assert "duplicate metric id 'orders'" in text
    assert "'退款率' already names refund_rate" in text
    assert len(found) >= 5
    dup = next(p for p in found if "duplicate metric id" in p)
    second_orders = [n for n, line in enumerate(metrics.read_text().splitlines(), 1) if "- id: orders" in line][1]
    assert f"metrics.yaml:{second_orders}:" in dup


def test_metric_restricted_to_a_dimension_it_cannot_reach(cat_dir: Path) -> None:
    metrics = cat_dir / "metrics.yaml"
    edit(metrics, "    expr: buyers / visitors\n", "    expr: buyers / visitors\n    dimensions: [channel, category]\n")
    found = problems(cat_dir)
    assert any(
        "conversion_rate: cannot be sliced by 'category'" in p
        and f"metrics.yaml:{line_of(metrics, 'dimensions: [channel, category]')}:" in p
        for p in found
    ), found


def test_unknown_dimension_value_clash_and_bad_yaml(cat_dir: Path) -> None:
    dims = cat_dir / "dimensions.yaml"
    edit(dims, "synonyms: [京东商城, jd.com, jingdong]", "synonyms: [京东商城, jd.com, jingdong, 天猫]")
    found = problems(cat_dir)
    assert any("'天猫' names both 'tmall' and 'jd'" in p for p in found), found
    (cat_dir / "roles.yaml").write_text("roles:\n  - id: x\n    name: {zh: a, en: b\n", encoding="utf-8")
    found = problems(cat_dir)
    assert any("roles.yaml:" in p and "invalid YAML" in p for p in found), found


def test_model_referencing_unknown_alias_and_dimension(cat_dir: Path) -> None:
    models = cat_dir / "models.yaml"
    edit(models, "      channel: t.channel_id", "      channel: x.channel_id\n      colour: t.channel_id")
    found = problems(cat_dir)
    assert any("unknown table alias 'x'" in p for p in found)
    assert any("unknown dimension 'colour'" in p for p in found)


def test_at_risk_is_a_probability_on_a_ratio(cat_dir: Path) -> None:
    assert load_catalog().metrics["stockout_probability"].at_risk == 0.5
    metrics = cat_dir / "metrics.yaml"
    edit(metrics, "    at_risk: 0.5\n", "    at_risk: 50\n")
    edit(metrics, "    expr: SUM(p.forecast_units)\n", "    expr: SUM(p.forecast_units)\n    at_risk: 0.5\n")
    found = [p for p in problems(cat_dir) if "at_risk" in p]
    assert len(found) == 2, found
    assert any(f"metrics.yaml:{line_of(metrics, 'at_risk: 50')}:" in p for p in found), found
