"""Charts for answers, as PNG, where a chart helps: a line for a series over days/weeks/months, horizontal
bars for a breakdown by one dimension (2–30 values). Labels are in the answer's language when a font can
draw it (chart_fonts.py), else in English — never boxes for missing glyphs. Drawn with matplotlib's
object API (no pyplot state), so worker threads can draw at the same time."""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from adapters.base import Image
from bot.answers.chart_fonts import cjk_font, font_family
from metrics.catalog.types import Catalog, Metric
from nlq.answer import Answer

MAX_BARS = 30
MIN_POINTS = 3
TIME_COLUMNS = ("date", "week", "month")
_STEPS = {"zh": ((1e8, "亿"), (1e4, "万")), "en": ((1e6, "M"), (1e3, "k"))}
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class Series:
    kind: str  # "line" | "bar"
    labels: list[str]
    values: list[float]
    metric: Metric
    dimension: str  # the breakdown's display name; "" for a line over time


def chart_series(answer: Answer, catalog: Catalog, lang: str) -> Series | None:
    """What a chart of ``answer`` shows, labelled in ``lang``; None when a chart would not help."""
    cols = answer.columns
    metric_at = next((i for i, c in enumerate(cols) if c in catalog.metrics), None)
    if answer.status != "answered" or metric_at is None or catalog.metrics[cols[metric_at]].format == "date":
        return None
    metric = catalog.metrics[cols[metric_at]]
    values = [float(r[metric_at]) if r[metric_at] is not None else math.nan for r in answer.rows]
    dims = [c for c in answer.dimensions if c not in TIME_COLUMNS]
    time_at = next((i for i, c in enumerate(cols) if c in TIME_COLUMNS), None)
    if time_at is not None:
        if dims or len(answer.rows) < MIN_POINTS:  # several series (a day × channel table) or too few points
            return None
        points = sorted(zip((str(r[time_at]) for r in answer.rows), values, strict=True))
        return Series("line", [p[0] for p in points], [p[1] for p in points], metric, "")
    if len(dims) != 1 or not 2 <= len(answer.rows) <= MAX_BARS:
        return None
    name_col = f"{dims[0]}_name_{lang}"
    label_at = (
        cols.index(name_col) if name_col in cols else next((i for i, c in enumerate(cols) if c.startswith(dims[0])), 0)
    )
    dim = catalog.dimensions.get(dims[0])
    labels = [str(r[label_at]) for r in answer.rows]
    return Series("bar", labels, values, metric, dim.names.name(lang) if dim else dims[0])


def answer_chart(answer: Answer, catalog: Catalog, font: Callable[[], str | None] = cjk_font) -> Image | None:
    """A PNG chart of ``answer``, or None when a chart would not help. ``font`` finds a font file that
    draws Chinese; without one a Chinese answer's chart is labelled in English."""
    if answer.status != "answered" or not answer.rows:
        return None
    path = font() if answer.lang == "zh" else None
    lang = "zh" if path else "en"
    series = chart_series(answer, catalog, lang)
    if series is None:
        return None
    png = _draw(series, chart_title(series, answer, lang), lang, path)
    return Image(png=png, alt=_alt(series, answer, lang), filename=f"{series.metric.id}.png")


def chart_title(series: Series, answer: Answer, lang: str) -> str:
    name = series.metric.names.name(lang)
    r = answer.time_range
    if r is None:
        return name
    return f"{name}（{r.start} 至 {r.end}）" if lang == "zh" else f"{name} ({r.start} – {r.end})"


def _alt(series: Series, answer: Answer, lang: str) -> str:
    name, r = series.metric.names.name(lang), answer.time_range
    if lang == "zh":
        what = f"{name}趋势折线图" if series.kind == "line" else f"各{series.dimension}{name}条形图"
        return what + (f"，{r.start} 至 {r.end}" if r else "")
    what = f"Line chart of {name} over time" if series.kind == "line" else f"Bar chart of {name} by {series.dimension}"
    return what + (f", {r.start} – {r.end}" if r else "")


def axis_tick(x: float, fmt: str, lang: str) -> str:
    """A short axis label in the metric's format: ¥2万 / ¥1.5M for currency, 12% for a percent."""
    if fmt == "percent":
        return f"{round(x * 100, 1):g}%"
    size, suffix = next(((s, u) for s, u in _STEPS[lang] if abs(x) >= s), (1.0, ""))
    return ("-" if x < 0 else "") + ("¥" if fmt == "currency" else "") + f"{round(abs(x) / size, 2):g}{suffix}"


def _draw(series: Series, title: str, lang: str, font_path: str | None) -> bytes:
    import matplotlib

    family = ["DejaVu Sans"] if font_path is None else [font_family(font_path), "DejaVu Sans"]
    with _DRAWING, matplotlib.rc_context({"font.family": family}):  # rc settings are global: one chart at a time
        return _figure(series, title, lang)


def _figure(series: Series, title: str, lang: str) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    fmt = series.metric.format
    ticks = FuncFormatter(lambda x, _: axis_tick(x, fmt, lang))
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
        ax.set_yticks(range(len(series.labels)), series.labels)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(ticks)
    ax.set_title(title, loc="left", fontsize=11)
    ax.grid(axis="x" if series.kind == "bar" else "y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
