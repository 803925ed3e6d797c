"""No data: every entity the scope expects, with no row, a zero or an empty value in the period.

The expected entities are all values of the scope's dimensions in the catalog's value dictionary
(narrowed by the scope's filters; several dimensions give every combination), or the whole scope
when it has no dimensions. One query returns the entities that do have data."""

from __future__ import annotations

import itertools

from alerts.evaluate.hits import Hit, base_evidence, number
from alerts.evaluate.queries import Plan
from alerts.evaluate.source import Row, Source
from alerts.evaluate.text import no_data_text
from alerts.findings import entity_key
from alerts.rules.model import NoData


def expected_entities(plan: Plan) -> list[dict[str, str]]:
    filters = dict(plan.rule.scope.filters)
    choices = []
    for dim in plan.rule.scope.dimensions:
        values = [v.id for v in plan.catalog.dimensions[dim].values]
        if dim in filters:
            values = [v for v in values if v in filters[dim]]
        choices.append(values)
    return [dict(zip(plan.rule.scope.dimensions, combo, strict=True)) for combo in itertools.product(*choices)]


def no_data(plan: Plan, src: Source, c: NoData) -> list[Hit]:
    rows = {entity_key(r.entity): r for r in src.rows(plan.query())}
    hits = []
    for entity in expected_entities(plan):
        row = rows.get(entity_key(entity))
        value = number(row.values.get(plan.rule.metric)) if row is not None else None
        if value:  # a row with a non-zero value: the data is there
            continue
        row = row or Row(entity, {}, None, {})
        evidence = base_evidence(plan, row) | {"missing": "no_row" if not row.values else "zero_or_empty"}
        hits.append(Hit(row, c.severity, no_data_text(plan.rule.scope.window_days), evidence))
    return hits
