"""Alert rules in YAML: the demo pack loads into the model it describes, and a broken rule directory
reports every problem at once, each with its file and line."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from alerts.rules.load import RuleError, default_rules_dir, load_rules
from alerts.rules.model import (
    Anomaly,
    Change,
    EscalationStep,
    Forecast,
    Graded,
    NoData,
    QuietHours,
    Routing,
    Scope,
    Threshold,
)
from metrics.catalog.load import CatalogError
from metrics.catalog.types import Catalog

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
rules:
  - id: refund_rate_by_category
    name: {zh: 品类退款率, en: Refund rate by category}
    description: 退款率
    metric: refund_rate
    scope:
      dimensions: [category]
      filters: {channel: [抖音, Tmall]}
      window_days: 7
    condition: {type: graded, op: ">=", levels: {warning: 0.05, critical: 0.08}}
    extra_metrics: [gmv]
    schedule: "0 9 * * 1-5"
    owner:
      by: category
      owners: {服饰: 王芳, pet: 李娜}
      fallback: 张伟
    channels: ["web:#cs", "wecom:客服群"]
    escalation:
      - {after_minutes: 30, to: 周敏}
      - {after_minutes: 120, to: 陈杰}
    quiet_hours: {start: 22:00, end: "08:00"}
    storm_threshold: 5
    recovery: {ok_evaluations: 0}
    enabled: false
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, marker: str) -> int:
    """The 1-based line of the only line that is ``marker`` (stripped), else that contains it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if line.strip() == marker.strip()]
    hits = hits or [i + 1 for i, line in enumerate(lines) if marker in line]
    assert len(hits) == 1, (marker, hits)
    return hits[0]


def test_a_rule_maps_one_to_one_onto_the_model(tmp_path: Path, catalog: Catalog) -> None:
    path = write(tmp_path, "cs.yaml", GOOD)
    [rule] = load_rules(tmp_path, catalog)
    assert rule.id == "refund_rate_by_category"
    assert (rule.names.zh, rule.names.en, rule.description) == ("品类退款率", "Refund rate by category", "退款率")
    assert rule.scope == Scope(("category",), (("channel", ("douyin", "tmall")),), window_days=7)
    assert rule.condition == Graded(">=", (("warning", 0.05), ("critical", 0.08)))
    assert rule.extra_metrics == ("gmv",)
    assert rule.schedule == "0 9 * * 1-5"
    # any spelling the catalog's value dictionary knows becomes the value id
    assert rule.routing == Routing("张伟", "category", (("apparel", "王芳"), ("pet", "李娜")))
    assert rule.routing.owner_for({"category": "apparel"}) == "王芳"
    assert rule.routing.owner_for({"category": "food"}) == "张伟"
    assert rule.channels == ("web:#cs", "wecom:客服群")
    assert rule.escalation == (EscalationStep(30, "周敏"), EscalationStep(120, "陈杰"))
    # YAML 1.1 reads an unquoted 22:00 as the number 1320: still the time 22:00
    assert rule.quiet_hours == QuietHours(dt.time(22, 0), dt.time(8, 0), ("critical",))
    assert (rule.storm_threshold, rule.ok_evaluations, rule.enabled) == (5, 0, False)
    assert rule.source == f"{path}:2"


def test_every_condition_type_reads(tmp_path: Path, catalog: Catalog) -> None:
    base = "    schedule: '0 8 * * *'\n    owner: 张伟\n    channels: ['web:#ops']\n"
    rules = {
        "t": ("late_shipment_rate", "{dimensions: [warehouse]}", "{type: threshold, op: '>', limit: 0.04}"),
        "f": (
            "days_to_stockout",
            "{dimensions: [sku], ahead_days: 7}",
            "{type: forecast, op: '<=', limit: 3, severity: warning}",
        ),
        "c": (
            "conversion_rate",
            "{dimensions: [channel]}",
            "{type: change, versus: week_ago, direction: any, absolute: 0.01, min_base: 0.001}",
        ),
        "a": ("complaints", "{dimensions: [channel]}", "{type: anomaly}"),
        "n": ("visitors", "{dimensions: [channel]}", "{type: no_data}"),
    }
    text = "rules:\n" + "".join(
        f"  - id: {rid}\n    name: {{zh: 规则, en: rule}}\n    metric: {m}\n    scope: {s}\n    condition: {c}\n{base}"
        for rid, (m, s, c) in rules.items()
    )
    write(tmp_path, "all.yaml", text)
    got = {r.id: r.condition for r in load_rules(tmp_path, catalog)}
    assert got == {
        "t": Threshold(">", 0.04, "warning"),
        "f": Forecast("<=", 3.0, "warning"),
        "c": Change("week_ago", "any", absolute=0.01, min_base=0.001),
        "a": Anomaly(),
        "n": NoData(),
    }


def test_the_demo_pack_loads(catalog: Catalog) -> None:
    rules = {r.id: r for r in load_rules(default_rules_dir(), catalog)}
    assert set(rules) == {
        "stockout_3d_top_sellers",
        "days_of_cover_low",
        "late_shipment_rate_by_warehouse",
        "douyin_conversion_drop",
        "roi_low_by_channel",
        "refund_rate_by_category",
        "complaint_spike_by_channel",
        "traffic_missing_today",
    }
    kinds = {r.condition.kind for r in rules.values()}
    assert kinds == {"threshold", "graded", "change", "anomaly", "forecast", "no_data"}
    stockout = rules["stockout_3d_top_sellers"]
    assert stockout.scope == Scope(("sku", "warehouse"), ahead_days=3, having=(("forecast_daily_units", ">=", 3.0),))
    assert stockout.condition == Forecast("<=", 3.0, "critical")
    assert rules["douyin_conversion_drop"].scope.filters == (("channel", ("douyin",)),)
    owners = {r.routing.fallback for r in rules.values()} | {o for r in rules.values() for _, o in r.routing.owners}
    assert {"张伟", "李娜", "王芳"} <= owners
    assert any(r.quiet_hours for r in rules.values()) and any(r.escalation for r in rules.values())


def test_the_demo_pack_ships_with_the_package() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["alerts"]
    shipped = {p for pattern in patterns for p in (ROOT / "alerts").glob(pattern)}
    assert set(default_rules_dir().glob("*.yaml")) <= shipped


BROKEN = """\
rules:
  - id: one
    name: {zh: 一, en: one}
    metric: refund_rat
    condition: {type: threshold, op: ">", limit: 0.1}
    schedule: "0 9 * * *"
    owner: 王芳
    channels: ["web:#cs"]

  - id: two
    name: {zh: 二, en: two}
    metric: visitors
    scope:
      dimensions: [category]
      filters: {channel: [douyn]}
    condition: {type: threshold, op: ">", limit: 1}
    schedule: "0 25 * * *"
    owner: {by: warehouse, fallback: 李娜}
    channels: ["web:#ops"]

  - id: three
    name: {zh: 三, en: three}
    metric: gmv
    scope: {dimensions: [categroy]}
    condition: {type: forecast, op: "<", limit: 3}
    schedul: "0 9 * * *"
    owner: 张伟
    channels: ["web:#ops"]

  - id: four
    name: {zh: 四, en: four}
    metric: gmv
    condition: {type: change, direction: drop, percent: 30, absolute: 1000}
    schedule: "0 9 * * *"
    owner: 张伟
    channels: ["web:#ops"]

  - id: five
    name: {zh: 五, en: five}
    metric: gmv
    condition: {type: change, direction: drop}
    schedule: "0 9 * * *"
    owner: 张伟
    channels: ["ops"]

  - id: six
    name: {zh: 六, en: six}
    metric: refund_rate
    condition:
      type: graded
      op: ">="
      levels: {warning: 0.08, critical: 0.05}
    schedule: "0 9 * * *"
    owner: 张伟
    channels: ["web:#ops"]
    quiet_hours: {start: "10pm", end: "08:00", allow: [urgent]}

  - id: seven
    name: {zh: 七, en: seven}
    metric: days_to_stockout
    scope: {dimensions: [sku]}
    condition: {type: forecast, op: "<=", limit: 3}
    schedule: "0 9 * * *"
    owner: 张伟
    channels: ["web:#ops"]

  - id: eight
    name: {zh: 八, en: eight}
    metric: days_to_stockout
    scope: {dimensions: [sku], ahead_days: 3}
    condition: {type: threshold, op: "<=", limit: 3}
    schedule: "0 9 * * *"
    owner: 张伟
    channels: ["web:#ops"]

  - id: nine
    name: {zh: 九, en: nine}
    metric: days_of_cover
    scope: {dimensions: [sku], window_days: 7}
    condition: {type: threshold, op: "<", limit: 3}
    schedule: "0 9 * * *"
    owner: 张伟
    channels: ["web:#ops"]

  - id: ten
    name: {zh: 十, en: ten}
    metric: complaints
    scope: {dimensions: [warehouse], window_days: 7}
    condition: {type: anomaly, direction: up}
    schedule: "0 9 * * *"
    owner: {by: warehouse, owners: {WH-XX: 张伟}, fallback: 王芳}
    channels: ["web:#ops"]
    escalation:
      - {after_minutes: 60, to: 陈杰}
      - {after_minutes: 30, to: 周敏}

  - id: eleven
    metric: units_sold
    scope: {dimensions: [sku]}
    condition: {type: no_data}
    schedule: "0 9 * * *"
    owner: 张伟

  - id: twelve
    name: {zh: 十二, en: twelve}
    metric: gmv
    condition: {type: threshold, op: "=<", limit: 1}
    schedule: "0 9 * * *"
    owner: 张伟
    channels: ["web:#ops"]
    storm_threshold: 0
    extra_metrics: [available_now, gmvv]

  - id: thirteen
    name: {zh: 十三, en: thirteen}
    metric: days_of_cover
    scope: {dimensions: [warehouse]}
    condition: {type: anomaly, z: 3}
    schedule: "0 9 * * *"
    owner: 张伟
    channels: ["web:#ops"]
"""

DUPLICATE = """\
rules:
  - id: one
    name: {zh: 一, en: one}
    metric: gmv
    condition: {type: threshold, op: "<", limit: 1}
    schedule: "0 9 * * *"
    owner: 张伟
    channels: ["web:#ops"]
"""


def test_every_problem_is_reported_with_file_and_line(tmp_path: Path, catalog: Catalog) -> None:
    a = write(tmp_path, "a.yaml", BROKEN)
    b = write(tmp_path, "b.yaml", DUPLICATE)
    c = write(tmp_path, "c.yaml", "rules:\n  - id: x\n    name: [unclosed\n")
    d = write(tmp_path, "d.yaml", "alerts:\n  - id: y\n")
    with pytest.raises(RuleError) as info:
        load_rules(tmp_path, catalog)
    assert isinstance(info.value, CatalogError)  # one error type for catalog and rules problems
    got = [(Path(p.file).name, p.line, p.message) for p in info.value.problems]

    expected = [
        (a, "metric: refund_rat", "unknown metric 'refund_rat' (did you mean 'refund_rate'"),
        (a, "dimensions: [category]", "visitors cannot be broken down by category (only by channel)"),
        (a, "filters: {channel: [douyn]}", "channel has no value 'douyn' (did you mean 'douyin'"),
        (a, '"0 25 * * *"', "is not a 5-field cron expression"),
        (a, "by: warehouse, fallback: 李娜", "owner.by: 'warehouse' is not one of the scope's dimensions (category)"),
        (a, "dimensions: [categroy]", "unknown dimension 'categroy' (did you mean 'category'"),
        (a, "schedul:", "unknown key 'schedul' (did you mean 'schedule'"),
        (a, "  - id: three", "missing 'schedule'"),
        (a, 'type: forecast, op: "<"', "type forecast needs a forecast metric (available_now, days_to_stockout"),
        (a, "percent: 30, absolute: 1000", "exactly one of percent (e.g. 30 = 30%) or absolute"),
        (a, "{type: change, direction: drop}", "exactly one of percent"),
        (a, '["ops"]', "'ops' is not platform:channel"),
        (a, "levels: {warning: 0.08", "each level must be higher than the one below it"),
        (a, '"10pm"', "'10pm' is not a time like \"22:00\""),
        (a, "allow: [urgent]", "'urgent' not among warning, critical"),
        (a, "scope: {dimensions: [sku]}\n    condition: {type: forecast", "needs scope.ahead_days"),
        (
            a,
            '{type: threshold, op: "<=", limit: 3}',
            "days_to_stockout is a forecast metric; use condition type forecast",
        ),
        (a, "dimensions: [sku], window_days: 7", "days_of_cover is a point-in-time value"),
        (a, "dimensions: [warehouse], window_days: 7", "an anomaly compares one day with the same weekday; use 1"),
        (a, "direction: up", "'up' is not one of drop, rise, any"),
        (a, "WH-XX: 张伟", "warehouse has no value 'WH-XX'"),
        (a, "after_minutes: 30, to: 周敏", "after_minutes must grow"),
        (a, "  - id: eleven", "missing 'name'"),
        (a, "  - id: eleven", "missing 'channels'"),
        (a, "dimensions: [sku]}\n    condition: {type: no_data}", "sku has no value dictionary"),
        (a, '"=<"', "'=<' is not one of <, <=, >, >="),
        (a, "storm_threshold: 0", "storm_threshold: expected a whole number ≥ 1"),
        (a, "extra_metrics: [available_now, gmvv]", "extra_metrics: unknown metric 'gmvv' (did you mean 'gmv'"),
        (a, "extra_metrics: [available_now, gmvv]", "available_now is a forecast metric but gmv is not one"),
        (a, "{type: anomaly, z: 3}", "an anomaly reads days_of_cover day by day, and it has no daily values"),
        (b, "  - id: one", "duplicate rule id 'one' (first at"),
        (c, "name: [unclosed", "invalid YAML"),
        (d, "alerts:", "expected a top-level 'rules:' list"),
    ]
    want = []
    for path, marker, fragment in expected:
        if "\n" in marker:  # a marker spanning lines (to be unique): the line where it starts
            text = path.read_text(encoding="utf-8")
            line = text[: text.index(marker)].count("\n") + 1
        else:
            line = line_of(path, marker) if path is not c else line_of(path, marker) + 1
        want.append((path.name, line, fragment))
    for name, line, fragment in want:
        assert any(g[0] == name and g[1] == line and fragment in g[2] for g in got), (name, line, fragment, got)
    assert len(got) == len(want), "\n".join(f"{g[0]}:{g[1]}: {g[2]}" for g in got)
    assert got == sorted(got, key=lambda g: (g[0], g[1]))


def test_a_missing_directory_is_an_error(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(RuleError, match="not a directory"):
        load_rules(tmp_path / "nope", catalog)
    assert load_rules(tmp_path, catalog) == []  # an empty directory holds no rules
