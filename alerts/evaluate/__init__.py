"""Set-based evaluation of alert rules through the semantic layer (see core.py)."""

from alerts.evaluate.core import evaluate

__all__ = ["evaluate"]
