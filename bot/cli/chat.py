"""`opsbot chat`: a terminal REPL on the same bot core as the chat platforms — questions with follow-ups,
and ticket commands (认领 T-…, 关闭 T-… 已补货, 我的工单 …) on the same ticket store as `opsbot serve`."""

from __future__ import annotations

import dataclasses
import sys
import uuid
from pathlib import Path

import click

from adapters.base import InboundEvent
from adapters.console import ConsoleAdapter
from bot.cli.common import guarded
from bot.config.load import default_config_path, load_config
from bot.config.redact import config_secrets
from bot.config.redact import install as install_redaction
from bot.platforms.parts import PlatformParts

CHAT = "terminal"
QUIT = {"exit", "quit", "q", "退出", "再见"}


@click.command("chat")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option("--as", "who", default=None, help="Who you are: a person of the config (default: $USER).")
@click.option("--db", default=None, metavar="PATH|URL", help="Warehouse: a DuckDB file or a URL (overrides config).")
@click.option("--state", default=None, metavar="URL", help="Ticket store URL (overrides config).")
@guarded
def chat(config_path: Path | None, who: str | None, db: str | None, state: str | None) -> None:
    """Talk to opsbot in the terminal; one message per line, `exit` or Ctrl-D to leave."""
    import getpass

    from bot.runtime import Runtime

    config = load_config(config_path or default_config_path())
    config = dataclasses.replace(config, warehouse=db or config.warehouse, state_url=state or config.state_url)
    install_redaction(config_secrets(config))
    console = PlatformParts(name="console", adapter=ConsoleAdapter(sys.stdout))
    runtime = Runtime(config, scheduler=False, workers=1, answer_processes=0, extra=(console,))
    name = who or getpass.getuser()
    interactive = sys.stdin.isatty()
    zh = config.language == "zh"
    if interactive:
        click.echo(
            f"opsbot · 你好 {name}！输入问题或命令（帮助 / exit）。"
            if zh
            else f"opsbot · hello {name}! Type a question or a command (help / exit)."
        )
    try:
        for line in _lines(interactive, name):
            text = line.strip()
            if not text:
                continue
            if text.lower() in QUIT:
                break
            event = InboundEvent(
                platform="console", event_id=uuid.uuid4().hex, chat=CHAT, user=name, user_name=name, text=text,
                thread="repl",
            )  # fmt: skip
            runtime.core.handle(event)
    finally:
        runtime.store.close()
        runtime.inbox_db.close()
        runtime.layer.warehouse.close()


def _lines(interactive: bool, name: str):  # type: ignore[no-untyped-def]
    while True:
        try:
            yield input(f"{name}> ") if interactive else next(sys.stdin)
        except (EOFError, StopIteration, KeyboardInterrupt):
            return
