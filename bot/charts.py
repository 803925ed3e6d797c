"""Charts for answers (PNG). Placeholder until the chart renderer lands: no chart."""

from __future__ import annotations

from adapters.base import Image
from metrics.catalog_types import Catalog
from nlq.answer import Answer


def answer_chart(answer: Answer, catalog: Catalog) -> Image | None:
    return None
