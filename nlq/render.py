"""Short human text for an answered query, in the question's language."""

from __future__ import annotations

from typing import Any

from metrics.compiler import CompiledQuery
from metrics.present import format_number
from nlq.numbers import change, human

MAX_LISTED = 10


def _label(row: list[Any], compiled: CompiledQuery, lang: str) -> str:
    parts = []
    for i, col in enumerate(compiled.columns):
        if col.role == "dimension":
            name_col = f"{col.ref}_name_{lang}"
            names = [j for j, c in enumerate(compiled.columns) if c.name == name_col]
            parts.append(str(row[names[0]] if names and row[names[0]] else row[i]))
    return " / ".join(parts)


def _text(value: Any, fmt: str, lang: str) -> str:
    """A metric value for people: numbers with 万/K, a date-valued metric as its ISO date."""
    return format_number(value, fmt) if fmt == "date" else human(value, fmt, lang)


def _values(
    row: list[Any], compiled: CompiledQuery, lang: str, with_names: bool, shares: dict[str, int] | None = None
) -> str:
    out = []
    for i, col in enumerate(compiled.columns):
        metric = next((m for m in compiled.metrics if m.id == col.ref), None)
        if metric is None:
            continue
        name = metric.names.name(lang)
        if col.role == "metric":
            value = _text(row[i], metric.format, lang)
            if shares and metric.id in shares:
                share = human(row[shares[metric.id]], "percent", lang)
                value += f"（占比 {share}）" if lang == "zh" else f" ({share} of total)"
            out.append(f"{name} {value}" if with_names else value)
        elif col.role == "compare":
            before = _before(compiled, lang)
            out.append(before + _text(row[i], metric.format, lang))
        elif col.role == "change_pct":
            out.append(change(row[i], lang))
    return ("，" if lang == "zh" else ", ").join(out)


def _before(compiled: CompiledQuery, lang: str) -> str:
    """How the comparison period's value is introduced: 去年同期 / 上期 / the other period's dates."""
    compare, other = compiled.query.compare, compiled.compare_range
    if compare == "other" and other is not None:
        dates = str(other.start) if other.start == other.end else f"{other.start}~{other.end}"
        return f"{dates} " if lang == "zh" else f"{dates}: "
    if compare == "yoy":
        return "去年同期 " if lang == "zh" else "same period last year "
    if compare == "week_ago":
        return "上周同期 " if lang == "zh" else "same days last week "
    return "上期 " if lang == "zh" else "previous period "


def summary(
    compiled: CompiledQuery, rows: list[list[Any]], lang: str, period: str, shares: dict[str, int] | None = None
) -> str:
    if not rows:
        return f"{period}：没有符合条件的数据。" if lang == "zh" else f"{period}: no data matches."
    if not compiled.dimensions:
        return (
            f"{period}：{_values(rows[0], compiled, lang, True)}"
            if lang == "zh"
            else f"{period}: {_values(rows[0], compiled, lang, True)}"
        )
    lines = [f"{period}（共 {len(rows)} 行）：" if lang == "zh" else f"{period} ({len(rows)} rows):"]
    single = len(compiled.metrics) == 1 and not compiled.compare_range
    for n, row in enumerate(rows[:MAX_LISTED], 1):
        lines.append(f"{n}. {_label(row, compiled, lang)}: {_values(row, compiled, lang, not single, shares)}")
    lines.extend(more_rows(len(rows), lang))
    return "\n".join(lines)


def more_rows(count: int, lang: str) -> list[str]:
    """The closing line of a list cut at MAX_LISTED rows (none when nothing was cut)."""
    if count <= MAX_LISTED:
        return []
    rest = count - MAX_LISTED
    return [f"…… 其余 {rest} 行见表格" if lang == "zh" else f"… {rest} more rows in the table"]
