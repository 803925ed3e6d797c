"""Load alert rules from the YAML files of a directory, reporting every problem at once with file:line.

```yaml
rules:
  - id: refund_rate_by_category
    name: {zh: 品类退款率, en: Refund rate by category}
    metric: refund_rate
    scope: {dimensions: [category], window_days: 7}
    condition: {type: graded, op: ">=", levels: {warning: 0.08, critical: 0.12}}
    schedule: "0 9 * * *"          # 5-field cron, Asia/Shanghai
    owner: 王芳
    channels: ["web:#cs"]
```

docs/alerts.md describes every field. A file may hold several rules; ids are unique across files.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml
from apscheduler.triggers.cron import CronTrigger

from alerts.rules.check import Parts, check_rule
from alerts.rules.conditions import read_condition
from alerts.rules.fields import Fields
from alerts.rules.model import TIMEZONE, Names, Rule
from alerts.rules.parts import (
    read_channels,
    read_escalation,
    read_quiet_hours,
    read_recovery,
    read_routing,
    read_scope,
)
from metrics.catalog.load import CatalogError
from metrics.catalog.types import Catalog
from metrics.file_problems import Collector, FileProblem
from metrics.yamlsrc import Located, load_located

DEMO_RULES_DIR = Path(__file__).resolve().parent.parent / "demo_rules"
RULE_KEYS = (
    "id",
    "name",
    "description",
    "metric",
    "scope",
    "condition",
    "extra_metrics",
    "schedule",
    "owner",
    "channels",
    "escalation",
    "quiet_hours",
    "storm_threshold",
    "recovery",
    "enabled",
)
REQUIRED = ("id", "name", "metric", "condition", "schedule", "owner", "channels")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_DEFAULT: dict[str, Any] = {f.name: f.default for f in fields(Rule)}


class RuleError(CatalogError):
    """The alert rules are invalid; ``problems`` lists every problem found (file:line: message)."""


def default_rules_dir() -> Path:
    """The demo rule pack shipped inside the package (alerts/demo_rules)."""
    return DEMO_RULES_DIR


def load_rules(directory: Path, catalog: Catalog) -> list[Rule]:
    """Every rule in ``directory/*.yaml`` (files in name order, rules in file order); raise RuleError."""
    out = Collector()
    if not directory.is_dir():
        raise RuleError([FileProblem(str(directory), 1, "not a directory of rule files (*.yaml)")])
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        for node in _rule_nodes(path, out):
            rule_id = node.get("id")
            if isinstance(rule_id, str) and rule_id in seen:
                out.problems.append(
                    FileProblem(
                        node.file, node.line_of("id"), f"duplicate rule id {rule_id!r} (first at {seen[rule_id]})"
                    )
                )
                continue
            if isinstance(rule_id, str):
                seen[rule_id] = f"{node.file}:{node.line}"
            rule = read_rule(node, catalog, out)
            if rule is not None:
                rules.append(rule)
    if out.problems:
        raise RuleError(sorted(out.problems, key=lambda p: (p.file, p.line)))
    return rules


def _rule_nodes(path: Path, out: Collector) -> list[Located]:
    try:
        doc = load_located(path)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        out.problems.append(FileProblem(str(path), line, f"invalid YAML: {getattr(e, 'problem', None) or e}"))
        return []
    if doc is None:
        return []
    if not isinstance(doc, Located) or not isinstance(doc.get("rules"), list):
        out.problems.append(FileProblem(str(path), 1, "expected a top-level 'rules:' list"))
        return []
    for key in doc:
        if key != "rules":
            out.problems.append(FileProblem(str(path), doc.line_of(key), f"unknown top-level key {key!r}"))
    nodes = []
    for item, line in zip(doc["rules"], doc["rules"].item_lines, strict=True):
        if isinstance(item, Located):
            nodes.append(item)
        else:
            out.problems.append(FileProblem(str(path), line, "each rule is a mapping (id: …, metric: …)"))
    return nodes


def read_rule(node: Located, catalog: Catalog, out: Collector) -> Rule | None:
    """One rule; None when it cannot be built (its problems are in ``out``)."""
    before = len(out.problems)
    raw_id = node.get("id")
    rule_id = str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else "?"
    f = Fields(node, out, rule_id)
    f.keys(RULE_KEYS, REQUIRED)
    if "id" in node and not _ID.match(rule_id):
        f.problem("id", f"id: {raw_id!r} must be lower-case letters, digits, '_', '-' or '.'")
    names = _names(f)
    scope_node = f.sub("scope")
    scope = read_scope(scope_node, catalog)
    condition = read_condition(f.sub("condition"))
    metric = f.text("metric")
    extra = f.strings("extra_metrics")
    check_rule(Parts(f, scope_node, metric, scope, condition, extra), catalog)
    schedule, routing, channels = _schedule(f), read_routing(f, scope, catalog), read_channels(f)
    escalation, quiet_hours = read_escalation(f), read_quiet_hours(f.sub("quiet_hours"))
    storm_threshold = f.integer("storm_threshold", int(_DEFAULT["storm_threshold"]), minimum=1)
    ok_evaluations = read_recovery(f.sub("recovery"), int(_DEFAULT["ok_evaluations"]))
    description, enabled = f.text("description", "") or "", f.boolean("enabled", True)
    if condition is None or metric is None or len(out.problems) > before:
        return None
    return Rule(
        id=rule_id,
        names=names,
        metric=metric,
        scope=scope,
        condition=condition,
        schedule=schedule,
        routing=routing,
        channels=channels,
        escalation=escalation,
        quiet_hours=quiet_hours,
        storm_threshold=storm_threshold,
        ok_evaluations=ok_evaluations,
        description=description,
        enabled=enabled,
        source=f"{node.file}:{node.line}",
        extra_metrics=tuple(dict.fromkeys(extra)),
    )


def _names(f: Fields) -> Names:
    n = f.sub("name")
    if n is None:
        if isinstance(f.node.get("name"), str):
            f.problem("name", "name: give both languages, e.g. {zh: 退款率偏高, en: Refund rate high}")
        return Names("", "")
    n.keys(("zh", "en"), required=("zh", "en"))
    return Names(n.text("zh", "") or "", n.text("en", "") or "")


def _schedule(f: Fields) -> str:
    expr = f.text("schedule")
    if expr is None:
        return ""
    try:
        CronTrigger.from_crontab(expr, timezone=TIMEZONE)
    except ValueError as e:
        f.problem(
            "schedule", f"schedule: {expr!r} is not a 5-field cron expression (minute hour day month weekday): {e}"
        )
    return expr
