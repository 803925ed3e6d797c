"""Charts for answers, as PNG, where a chart helps: a line for a series over days/weeks/months, horizontal
bars for a breakdown by one dimension (2–30 values). Labels are in the answer's language when a font can
draw it (bot/chart_fonts.py), else in English — never boxes for missing glyphs. Drawn with matplotlib's
object API (no pyplot state), so worker threads can draw at the same time."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.base import Image
from bot.chart_fonts import cjk_font
from metrics.catalog_types import Catalog, Metric
from nlq.answer import Answer
from nlq.numbers import human

MAX_BARS = 30
MIN_POINTS = 3
TIME_COLUMNS = ("date", "week", "month")
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class Series:
    kind: str  # "line" | "bar"
    labels: list[str]
    values: list[float]
    metric: Metric


def _series(answer: Answer, catalog: Catalog, lang: str) -> Series | None:
    cols = answer.columns
    metric_at = next((i for i, c in enumerate(cols) if c in catalog.metrics), None)
    if metric_at is None or catalog.metrics[cols[metric_at]].format == "date":
        return None
    metric = catalog.metrics[cols[metric_at]]
    values = [float(r[metric_at]) if r[metric_at] is not None else 0.0 for r in answer.rows]
    time_at = next((i for i, c in enumerate(cols) if c in TIME_COLUMNS), None)
    if time_at is not None:
        if len(answer.rows) < MIN_POINTS:
            return None
        points = sorted(zip((str(r[time_at]) for r in answer.rows), values, strict=True))
        return Series("line", [p[0] for p in points], [p[1] for p in points], metric)
    dims = [c for c in answer.dimensions if c not in TIME_COLUMNS]
    if len(dims) != 1 or not 2 <= len(answer.rows) <= MAX_BARS:
        return None
    name_col = f"{dims[0]}_name_{lang}"
    label_at = (
        cols.index(name_col) if name_col in cols else next((i for i, c in enumerate(cols) if c.startswith(dims[0])), 0)
    )
    return Series("bar", [str(r[label_at]) for r in answer.rows], values, metric)


def answer_chart(answer: Answer, catalog: Catalog, font: Callable[[], str | None] = cjk_font) -> Image | None:
    """A PNG chart of ``answer``, or None when a chart would not help."""
    if answer.status != "answered" or not answer.rows:
        return None
    path = font() if answer.lang == "zh" else None
    lang = "zh" if path else "en"  # no Chinese font: English labels rather than boxes
    series = _series(answer, catalog, lang)
    if series is None:
        return None
    png = _draw(series, answer, lang, path)
    name = series.metric.names.name(lang)
    alt = f"{name}{'趋势' if series.kind == 'line' else '分布'}图" if lang == "zh" else f"{name} chart"
    return Image(png=png, alt=alt, filename=f"{series.metric.id}.png")


def _title(series: Series, answer: Answer, lang: str) -> str:
    name = series.metric.names.name(lang)
    r = answer.time_range
    if r is None:
        return name
    return f"{name}（{r.start} 至 {r.end}）" if lang == "zh" else f"{name} ({r.start} – {r.end})"


def _draw(series: Series, answer: Answer, lang: str, font_path: str | None) -> bytes:
    import matplotlib
    from matplotlib import font_manager

    family = ["DejaVu Sans"]
    if font_path:
        font_manager.fontManager.addfont(font_path)
        family.insert(0, font_manager.FontProperties(fname=font_path).get_name())
    with _DRAWING, matplotlib.rc_context({"font.family": family}):  # rc settings are global: one chart at a time
        return _figure(series, answer, lang)


def _figure(series: Series, answer: Answer, lang: str) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    props: dict[str, Any] = {}
    fmt = series.metric.format
    ticks = FuncFormatter(lambda x, _: human(x, fmt, lang))
    height = 3.2 if series.kind == "line" else max(2.4, 0.32 * len(series.labels) + 1.0)
    fig = Figure(figsize=(7.2, height), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    if series.kind == "line":
        ax.plot(range(len(series.values)), series.values, marker="o", markersize=3, color="#2f6fde", linewidth=1.8)
        step = max(1, len(series.labels) // 8)
        ax.set_xticks(range(0, len(series.labels), step), [s[5:] if len(s) == 10 else s for s in series.labels[::step]])
        ax.yaxis.set_major_formatter(ticks)
    else:
        ax.barh(range(len(series.values)), series.values, color="#2f6fde")
        ax.set_yticks(range(len(series.labels)), series.labels, **props)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(ticks)
    ax.set_title(_title(series, answer, lang), loc="left", fontsize=11, **props)
    ax.grid(axis="x" if series.kind == "bar" else "y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
