"""What kind of metric a rule watches, from the catalog: it decides the period a rule evaluates.

- forecast metrics read the forecast store (a generated table): the next ``ahead_days`` days;
- point-in-time metrics (stock snapshots, and ratios of them to trailing sales like days of cover)
  have a value on a day, not over a period: the as-of day;
- every other metric is a flow over the ``window_days`` days ending on the as-of day.
"""

from __future__ import annotations

from metrics.catalog.types import Catalog, Metric


def _leaf_model(catalog: Catalog, leaf: Metric) -> str | None:
    if leaf.kind == "trailing":
        base = catalog.metrics.get(leaf.base or "")
        return base.model if base is not None else None
    return leaf.model


def _leaves(catalog: Catalog, metric_id: str) -> list[Metric]:
    return [catalog.metrics[leaf] for leaf in sorted(catalog.leaf_models.get(metric_id, ()))]


def reads_forecast(catalog: Catalog, metric_id: str) -> bool:
    """The metric is computed from a table opsbot generates (the forecast store)."""
    for leaf in _leaves(catalog, metric_id):
        model = catalog.models.get(_leaf_model(catalog, leaf) or "")
        if model is not None and model.table in catalog.generated_tables:
            return True
    return False


def point_in_time(catalog: Catalog, metric_id: str) -> bool:
    """Every part of the metric is a snapshot or a trailing window: its value belongs to one day."""
    leaves = _leaves(catalog, metric_id)
    return bool(leaves) and all(leaf.kind in ("snapshot", "trailing") for leaf in leaves)
