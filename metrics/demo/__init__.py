"""The deterministic demo warehouse: a simulated e-commerce business in one DuckDB file.

``generate_warehouse(out, end_date=…)`` writes every table of the data contract
(shared/spec/warehouse.md) plus ``opsbot_meta``. See ``generate`` for the pipeline and the
modules it calls for the modelling choices.
"""

from metrics.demo.generate import GenerationSummary, generate_warehouse

__all__ = ["GenerationSummary", "generate_warehouse"]
