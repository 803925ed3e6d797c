"""What the language model is told: the catalog in brief, today's date and the time-word conventions, and the tools.

Only catalog facts and our own dates go into the system prompt. The question (untrusted) goes only in
the user message, and the context (a previous query, produced by our code) in a message of its own.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from metrics.catalog.types import TIME_DIMENSION, Catalog, Dimension
from metrics.forecast.store import HORIZON_DAYS
from nlq.forecast_query import is_forecast_metric
from nlq.query_json import query_schema

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionFunctionToolParam, ChatCompletionMessageParam

METRIC_TOOL = "metric_query"
SQL_TOOL = "run_sql"
MAX_QUESTION_CHARS = 2000
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def tools(catalog: Catalog, *, allow_sql: bool) -> list[ChatCompletionFunctionToolParam]:
    """`metric_query` always; `run_sql` only when the caller allows model-written SQL."""
    out: list[ChatCompletionFunctionToolParam] = [
        {
            "type": "function",
            "function": {
                "name": METRIC_TOOL,
                "description": "Answer the question with governed metrics: one MetricQuery over the catalog.",
                "parameters": query_schema(catalog),
            },
        }
    ]
    if allow_sql:
        out.append(
            {
                "type": "function",
                "function": {
                    "name": SQL_TOOL,
                    "description": "Only when no metric fits: ONE read-only DuckDB SELECT over the listed tables.",
                    "parameters": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["sql"],
                        "properties": {"sql": {"type": "string", "description": "One SELECT statement."}},
                    },
                },
            }
        )
    return out


def messages(
    catalog: Catalog,
    question: str,
    *,
    today: dt.date,
    context: dict[str, Any] | None,
    lang: str,
    allow_sql: bool,
) -> list[ChatCompletionMessageParam]:
    """The system prompt, the context (if any) as data, then the question as the user's message."""
    out: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": system_prompt(catalog, today=today, lang=lang, allow_sql=allow_sql)}
    ]
    if context:
        data = json.dumps(context, ensure_ascii=False, default=str, sort_keys=True)
        out.append({"role": "user", "content": f"Context of the conversation so far (data, JSON): {data}"})
    out.append({"role": "user", "content": question[:MAX_QUESTION_CHARS]})
    return out


def system_prompt(catalog: Catalog, *, today: dt.date, lang: str, allow_sql: bool) -> str:
    """The catalog in brief, the dates, the conventions and the rules."""
    parts = [
        "You turn questions of an e-commerce operations team into exactly one tool call. "
        "Never state numbers yourself. Use only the ids listed below.",
        _time_conventions(today),
        _period_rule(catalog),
        "Metrics (id: 中文 / English, unit; breakdowns if limited):\n" + _metric_lines(catalog),
        "Dimensions (id: 中文 / English; filter values as ids):\n" + _dimension_lines(catalog),
        "Rules: 环比/vs previous period → compare=previous; 同比/year over year → compare=yoy. "
        "Rankings (top/bottom N) → order_by the metric and set limit. Thresholds on a metric → metric_filters. "
        "If the question cannot be answered with these metrics, reply in one short sentence without calling a tool.",
    ]
    if allow_sql:
        parts.append(
            f"Prefer {METRIC_TOOL}. Only if no metric fits, call {SQL_TOOL} with ONE read-only DuckDB SELECT over "
            "these tables and columns (nothing else exists):\n" + _table_lines(catalog)
        )
    parts.append(f"The user writes in {'Chinese' if lang == 'zh' else 'English'}.")
    return "\n\n".join(parts)


def _time_conventions(today: dt.date) -> str:
    monday = today - dt.timedelta(days=today.weekday())
    first = today.replace(day=1)
    last_month_end = first - dt.timedelta(days=1)
    lines = [
        f"Today is {today.isoformat()} ({_WEEKDAYS[today.weekday()]}). Time ranges are inclusive ISO dates.",
        f"- today/今天 = {today}; yesterday/昨天 = {today - dt.timedelta(days=1)}",
        f"- last N days/近N天/过去N天 include today: start = today − (N−1); e.g. last 7 days = "
        f"{today - dt.timedelta(days=6)} … {today}",
        f"- weeks run Monday–Sunday: this week/本周 = {monday} … {today}; last week/上周 = "
        f"{monday - dt.timedelta(days=7)} … {monday - dt.timedelta(days=1)}",
        f"- this month/本月/month to date = {first} … {today}; last month/上月 = "
        f"{last_month_end.replace(day=1)} … {last_month_end}",
        f"- this year/今年/year to date = {today.replace(month=1, day=1)} … {today}",
        f"- the future has only forecast metrics (the forecast store's days {today + dt.timedelta(days=1)} … "
        f"{today + dt.timedelta(days=HORIZON_DAYS)}): next week/下周 = {monday + dt.timedelta(days=7)} … "
        f"{monday + dt.timedelta(days=13)}; next N days/未来N天/N天内 = {today + dt.timedelta(days=1)} … today + N",
    ]
    return "\n".join(lines)


def _period_rule(catalog: Catalog) -> str:
    """What to do when the question names no period: never guess one."""
    metrics = catalog.public_metrics()
    stock = ", ".join(m.id for m in metrics if _point_in_time(catalog, m.id) and not is_forecast_metric(catalog, m.id))
    forecast = ", ".join(m.id for m in metrics if is_forecast_metric(catalog, m.id))
    return (
        "If the question names no period: reuse the time range of the previous query in the context, if any; "
        f"for current stock levels ({stock}) use today … today; for projected stockouts the next 7 days "
        "(tomorrow … today + 7); otherwise do not guess — reply in one short sentence asking which period, "
        f"without calling a tool. Forecast metrics ({forecast}) have values only for days after today."
    )


def _point_in_time(catalog: Catalog, metric_id: str) -> bool:
    """A metric read at a point in time (stock), as the offline parser decides it."""
    kinds = {catalog.metrics[leaf].kind for leaf in catalog.leaf_models.get(metric_id, frozenset())}
    sliceable_by_date = TIME_DIMENSION in catalog.sliceable.get(metric_id, frozenset())
    return ("snapshot" in kinds and not sliceable_by_date) or kinds == {"snapshot"}


def _metric_lines(catalog: Catalog) -> str:
    every = set(catalog.dimensions)
    lines = []
    for m in catalog.public_metrics():
        sliceable = catalog.sliceable.get(m.id, frozenset())
        by = "" if set(sliceable) >= every else f"; only by {', '.join(sorted(sliceable)) or 'nothing'}"
        lines.append(f"- {m.id}: {m.names.zh} / {m.names.en}, {m.unit}{by}")
    return "\n".join(lines)


def _dimension_lines(catalog: Catalog) -> str:
    return "\n".join(_dimension_line(d) for d in catalog.dimensions.values())


def _dimension_line(d: Dimension) -> str:
    head = f"- {d.id}: {d.names.zh} / {d.names.en}"
    if d.kind == "time":
        return f"{head}; grains {', '.join(d.grains)} (use time_range, not a filter, to pick dates)"
    if d.values:
        return f"{head}; values: " + ", ".join(f"{v.id} ({v.zh}/{v.en})" for v in d.values)
    return f"{head}; values: any id or name as written"


def _table_lines(catalog: Catalog) -> str:
    return "\n".join(
        f"- {table}({', '.join(f'{c} {t}' for c, t in columns.items())})" for table, columns in catalog.tables.items()
    )
