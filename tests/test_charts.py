"""Charts of answers: a line over days, bars for a breakdown, none where a chart would not help, and Chinese
labels drawn with a font that has their glyphs — or English labels when the machine has no such font."""

from __future__ import annotations

import struct
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest

from adapters.base import Image
from bot.answers.chart_fonts import cjk_font, covers
from bot.answers.charts import answer_chart, axis_tick, chart_series, chart_title
from bot.answers.message import answer_message
from metrics.catalog.types import Catalog
from metrics.service import SemanticLayer
from nlq.answer import Answer
from nlq.ask import Asker

PNG = b"\x89PNG\r\n\x1a\n"
BY_CHANNEL = "上周各渠道的GMV是多少？"


@pytest.fixture(scope="module")
def asker(layer: SemanticLayer) -> Asker:
    return Asker(layer)


def ask(asker: Asker, question: str) -> Answer:
    answer, _ = asker.ask(question)
    assert answer.status == "answered", answer.message
    return answer


def png_size(image: Image) -> tuple[int, int]:
    assert image.png.startswith(PNG) and image.png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", image.png[16:24])
    return width, height


def chart(answer: Answer, catalog: Catalog, **kw: object) -> Image:
    image = answer_chart(answer, catalog, **kw)  # type: ignore[arg-type]
    assert image is not None
    width, height = png_size(image)
    assert 400 <= width <= 1600 and 200 <= height <= 1600, (width, height)
    return image


def test_a_breakdown_is_a_bar_chart_labelled_by_name(asker: Asker, catalog: Catalog) -> None:
    answer = ask(asker, BY_CHANNEL)
    series = chart_series(answer, catalog, "zh")
    assert series is not None and series.kind == "bar" and series.metric.id == "gmv"
    assert series.labels[0] == "天猫" and len(series.labels) == len(answer.rows)  # in the answer's order
    image = chart(answer, catalog)
    if cjk_font() is not None:
        assert image.alt.startswith("各渠道成交金额") and "2026-11-09" in image.alt
    assert answer_message(answer, catalog).image is not None  # the chat message carries it


def test_an_english_question_gets_english_labels(asker: Asker, catalog: Catalog) -> None:
    answer = ask(asker, "GMV by channel last week")
    series = chart_series(answer, catalog, answer.lang)
    assert series is not None and series.kind == "bar" and "Tmall" in series.labels
    image = chart(answer, catalog, font=lambda: pytest.fail("an English chart needs no Chinese font"))
    assert image.alt == "Bar chart of GMV by channel, 2026-11-09 – 2026-11-15"


def test_a_series_over_days_is_a_line(asker: Asker, catalog: Catalog) -> None:
    answer = ask(asker, "最近14天每天的GMV")
    series = chart_series(answer, catalog, "zh")
    assert series is not None and series.kind == "line" and len(series.values) == 14
    assert series.labels == sorted(series.labels) and series.labels[-1] == "2026-11-20"
    chart(answer, catalog)


@pytest.mark.parametrize(
    "question",
    [
        "上周GMV是多少",  # a single value
        "最近7天每天各渠道的GMV",  # days × channels: several lines, not one
        "上周各SKU的GMV",  # hundreds of bars
    ],
)
def test_no_chart_where_it_would_not_help(asker: Asker, catalog: Catalog, question: str) -> None:
    answer = ask(asker, question)
    assert answer_chart(answer, catalog) is None
    assert answer_message(answer, catalog).image is None


def test_no_chart_for_a_refusal(asker: Asker, catalog: Catalog) -> None:
    refused, _ = asker.ask("快手的GMV是多少")
    assert refused.status == "refused" and answer_chart(refused, catalog) is None


def test_ticks_follow_the_metric_format() -> None:
    assert axis_tick(137_128.82, "currency", "zh") == "¥13.71万"
    assert axis_tick(250_000_000, "currency", "zh") == "¥2.5亿"
    assert axis_tick(20_000, "currency", "en") == "¥20k"
    assert axis_tick(1_500_000, "currency", "en") == "¥1.5M"
    assert axis_tick(0.125, "percent", "zh") == "12.5%"
    assert axis_tick(0, "currency", "zh") == "¥0"


def test_chinese_labels_have_glyphs_in_the_chosen_font(asker: Asker, catalog: Catalog) -> None:
    path = cjk_font()
    if path is None:
        pytest.skip("no font with Chinese glyphs installed (tests/setup_system.sh installs fonts-wqy-microhei)")
    for question in (BY_CHANNEL, "上周各渠道的退款率", "最近14天每天的GMV"):
        answer = ask(asker, question)
        series = chart_series(answer, catalog, "zh")
        assert series is not None
        text = "".join(series.labels) + chart_title(series, answer, "zh") + "万亿%¥"
        assert covers(path, text), f"{path} lacks glyphs for {text!r}"
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*missing from font")  # a tofu box would warn
            chart(answer, catalog)


def test_a_font_without_chinese_glyphs_is_caught_by_the_check(catalog: Catalog) -> None:
    from matplotlib import font_manager

    latin = font_manager.findfont("DejaVu Sans")
    assert not covers(latin, "渠道")


def test_without_a_chinese_font_the_labels_are_english(asker: Asker, catalog: Catalog) -> None:
    answer = ask(asker, BY_CHANNEL)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")
        image = chart(answer, catalog, font=lambda: None)
    assert image.alt.startswith("Bar chart of GMV by channel")
    series = chart_series(answer, catalog, "en")
    assert series is not None and "Tmall" in series.labels


def test_charts_drawn_in_threads_match_and_register_the_font_once(asker: Asker, catalog: Catalog) -> None:
    from matplotlib import font_manager

    answers = [ask(asker, BY_CHANNEL), ask(asker, "最近14天每天的GMV")]
    serial = [chart(a, catalog).png for a in answers]
    fonts = len(font_manager.fontManager.ttflist)
    with ThreadPoolExecutor(max_workers=4) as pool:
        drawn = list(pool.map(lambda a: chart(a, catalog).png, answers * 4))
    assert drawn == serial * 4
    assert len(font_manager.fontManager.ttflist) == fonts
