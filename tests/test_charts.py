"""Charts of answers: a line over days, bars for a breakdown, none where a chart would not help, and Chinese
labels drawn with a font that has their glyphs — or English labels when the machine has no such font."""

from __future__ import annotations

import pytest

from bot.answer_message import answer_message
from bot.chart_fonts import cjk_font, covers
from bot.charts import _series, answer_chart
from metrics.catalog_types import Catalog
from metrics.service import SemanticLayer
from nlq.answer import Answer
from nlq.ask import Asker

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def asker(layer: SemanticLayer) -> Asker:
    return Asker(layer)


def ask(asker: Asker, question: str) -> Answer:
    answer, _ = asker.ask(question)
    assert answer.status == "answered", answer.message
    return answer


def test_a_breakdown_is_a_bar_chart_labelled_by_name(asker: Asker, catalog: Catalog) -> None:
    answer = ask(asker, "上周各渠道的GMV是多少？")
    image = answer_chart(answer, catalog)
    assert image is not None and image.png.startswith(PNG) and len(image.png) > 5_000
    series = _series(answer, catalog, "zh")
    assert series is not None and series.kind == "bar" and "天猫" in series.labels
    assert answer_message(answer, catalog).image is not None  # the chat message carries it


def test_a_series_over_days_is_a_line(asker: Asker, catalog: Catalog) -> None:
    answer = ask(asker, "最近14天每天的GMV")
    series = _series(answer, catalog, "zh")
    assert series is not None and series.kind == "line" and len(series.values) == 14
    assert series.labels == sorted(series.labels)
    assert answer_chart(answer, catalog) is not None


def test_no_chart_for_a_single_value_or_a_refusal(asker: Asker, catalog: Catalog) -> None:
    assert answer_chart(ask(asker, "上周GMV是多少"), catalog) is None
    refused, _ = asker.ask("快手的GMV是多少")
    assert refused.status != "answered" and answer_chart(refused, catalog) is None


def test_chinese_labels_have_glyphs_in_the_chosen_font(asker: Asker, catalog: Catalog) -> None:
    path = cjk_font()
    if path is None:
        pytest.skip("no font with Chinese glyphs installed (tests/setup_system.sh installs fonts-wqy-microhei)")
    series = _series(ask(asker, "上周各渠道的GMV是多少？"), catalog, "zh")
    assert series is not None
    assert covers(path, "".join(series.labels) + series.metric.names.zh + "万至")


def test_without_a_chinese_font_the_labels_are_english(asker: Asker, catalog: Catalog) -> None:
    answer = ask(asker, "上周各渠道的GMV是多少？")
    image = answer_chart(answer, catalog, font=lambda: None)
    assert image is not None and image.alt == "GMV chart"
    series = _series(answer, catalog, "en")
    assert series is not None and "Tmall" in series.labels
