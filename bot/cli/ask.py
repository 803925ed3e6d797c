"""`opsbot ask`: questions in Chinese or English → governed answers, one at a time or a batch."""

from __future__ import annotations

import json
import sys

import click

from bot.answers.answer import make_asker
from bot.cli.common import as_of_day, guarded, open_layer, warehouse_options
from bot.config.llm import read_llm
from nlq.answer import Answer
from nlq.understand import language


def emit(answer: Answer, fmt: str, show_sql: bool, show_definitions: bool = False) -> None:
    if fmt == "text":
        click.echo(answer.text(show_sql, show_definitions))
        return
    doc = answer.to_json()
    click.echo(json.dumps(doc, ensure_ascii=False, indent=None if fmt == "jsonl" else 1, default=str))


@click.command("ask")
@click.argument("question")
@click.option("--role", default=None, help="Ask as a role (its row filters and metric visibility apply).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True)
@click.option("--show-sql", is_flag=True, help="Also print the SQL that produced the numbers.")
@click.option("--show-definitions", is_flag=True, help="Print the full metric definitions, not the short line.")
@warehouse_options
@guarded
def ask(
    question: str,
    role: str | None,
    fmt: str,
    show_sql: bool,
    show_definitions: bool,
    db: str | None,
    as_of: str | None,
) -> None:
    """Ask a question, e.g. `opsbot ask "上周各渠道GMV是多少"`; `-` reads one question per line from stdin."""
    layer = open_layer(db)
    today = as_of_day(layer, as_of)
    asker = make_asker(layer, read_llm())
    who = layer.role(role)
    questions = [line.rstrip("\n") for line in sys.stdin] if question == "-" else [question]
    for q in questions:
        if question == "-" and not q.strip():
            continue
        try:
            answer, _ = asker.ask(q, today=today, role=who)
        except Exception as e:  # one bad question must not lose the rest of a batch
            lang = language(q)
            text = f"内部错误：{type(e).__name__}" if lang == "zh" else f"internal error: {type(e).__name__}"
            answer = Answer(q, "error", text, lang)
        emit(answer, fmt, show_sql, show_definitions)
