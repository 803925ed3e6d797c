"""An NLQ Answer as a chat Message: the short answer, a table of the rows, a chart where one helps, the
definitions (口径) and period it used, the SQL on request, and a clarifying question's choices as buttons."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from adapters.base import Button, Message, Table
from bot.answers.charts import answer_chart
from metrics.catalog.types import Catalog
from metrics.present import format_number
from nlq.answer import Answer

MAX_TABLE_ROWS = 20
DOWNLOAD_ROWS = 10  # a result longer than this may be cut in a chat: it comes with its CSV
# a numbered row of the answer's text, or its "…… 其余 N 行见表格" / "… N more rows in the table" line
_ROW_LINE = re.compile(r"^\s*(\d+\.\s|…… 其余 \d+ 行见表格$|… \d+ more rows in the table$)")
ASK_ACTION = "ask"  # a choice button: its value is the question to ask


def _hidden(column: str, columns: tuple[str, ...], lang: str) -> bool:
    """The other language's names, and a key column that has names to show instead."""
    other = "en" if lang == "zh" else "zh"
    if column.endswith(f"_name_{other}"):
        return True
    base = column.removesuffix("_id")
    return f"{base}_name_{lang}" in columns


def _cell(value: Any, column: str, catalog: Catalog) -> str:
    if value is None:
        return "—"
    metric = catalog.metrics.get(column)
    if metric is not None:
        return format_number(value, metric.format)
    for suffix, fmt in (("_share", "percent"), ("_change_pct", "percent")):
        if column.endswith(suffix) and isinstance(value, int | float):
            return format_number(value, fmt)
    base = column.rsplit("_", 1)[0]
    if isinstance(value, float) and base in catalog.metrics:
        return format_number(value, catalog.metrics[base].format)
    return str(value)


def _header(column: str, catalog: Catalog, lang: str) -> str:
    metric = catalog.metrics.get(column)
    if metric is not None:
        return metric.names.name(lang)
    if column.endswith(f"_name_{lang}"):
        dim = column[: -len(f"_name_{lang}")]
        d = catalog.dimensions.get(dim)
        return d.names.name(lang) if d else dim
    d = catalog.dimensions.get(column)
    return d.names.name(lang) if d else column


def answer_table(answer: Answer, catalog: Catalog) -> Table | None:
    if not answer.columns or not answer.rows or (len(answer.rows) == 1 and len(answer.columns) <= 2):
        return None
    keep = [i for i, c in enumerate(answer.columns) if not _hidden(c, answer.columns, answer.lang)]
    columns = tuple(_header(answer.columns[i], catalog, answer.lang) for i in keep)
    rows = tuple(tuple(_cell(row[i], answer.columns[i], catalog) for i in keep) for row in answer.rows[:MAX_TABLE_ROWS])
    return Table(columns, rows, total=len(answer.rows))


def result_csv(answer: Answer, catalog: Catalog) -> bytes:
    """The whole result as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese names)."""
    keep = [i for i, c in enumerate(answer.columns) if not _hidden(c, answer.columns, answer.lang)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_header(answer.columns[i], catalog, answer.lang) for i in keep])
    writer.writerows([["" if row[i] is None else row[i] for i in keep] for row in answer.rows])
    return out.getvalue().encode("utf-8-sig")


def without_rows(text: str) -> str:
    """The answer's text without its numbered row lines ("1. 天猫: ¥13.71万"), for a renderer that shows the
    table: the numbers are said once."""
    kept = [line for line in text.splitlines() if not _ROW_LINE.match(line)]
    return "\n".join(kept)


def footer(answer: Answer) -> str | None:
    parts = []
    if answer.time_range is not None:
        r = answer.time_range
        parts.append(f"时间 {r.start} 至 {r.end}" if answer.lang == "zh" else f"period {r.start} – {r.end}")
    if answer.counted:
        parts.append(("口径：" if answer.lang == "zh" else "Definitions: ") + answer.counted)
    elif answer.definitions:
        sep = "；" if answer.lang == "zh" else "; "
        parts.append(("口径：" if answer.lang == "zh" else "Definitions: ") + sep.join(answer.definitions))
    return " · ".join(parts) or None


def answer_message(answer: Answer, catalog: Catalog, *, show_sql: bool = False, chart: bool = True) -> Message:
    text = answer.message
    if answer.truncated:
        text += "（结果已截断）" if answer.lang == "zh" else " (result truncated)"
    markdown = None
    if show_sql and answer.sql:
        markdown = f"{text}\n\n```sql\n{answer.sql}\n```"
    buttons = tuple(Button(ASK_ACTION, o["label"], o["value"]) for o in answer.options[:5])
    table = answer_table(answer, catalog) if answer.status == "answered" else None
    return Message(
        text=text,
        lead=without_rows(text) if table is not None else None,
        download=result_csv(answer, catalog) if table is not None and len(answer.rows) > DOWNLOAD_ROWS else None,
        markdown=markdown,
        table=table,
        image=answer_chart(answer, catalog) if chart and answer.status == "answered" else None,
        buttons=buttons,
        footer=footer(answer) if answer.status == "answered" else None,
    )
