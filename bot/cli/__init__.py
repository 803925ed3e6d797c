"""`opsbot`: the command line entry point.

Each command's module is imported only when that command runs (or when `--help` lists them), so
`opsbot tickets ack` does not pay for the web server, the Slack SDK or the LLM client."""

from __future__ import annotations

import importlib

import click

# command name → (module, attribute); one line per command
COMMANDS: dict[str, tuple[str, str]] = {
    "alerts": ("bot.cli.alerts", "alerts_group"),
    "ask": ("bot.cli.ask", "ask"),
    "chat": ("bot.cli.chat", "chat"),
    "demo-data": ("bot.cli.demo", "demo_data"),
    "forecast": ("bot.cli.forecast", "forecast_group"),
    "import": ("bot.cli.importing", "import_command"),
    "metrics": ("bot.cli.metrics", "metrics_group"),
    "query": ("bot.cli.query", "query"),
    "rollups": ("bot.cli.rollups", "rollups_group"),
    "serve": ("bot.cli.serve", "serve"),
    "tickets": ("bot.cli.tickets", "tickets_group"),
    "tokens": ("bot.cli.tokens", "tokens_group"),
    "users": ("bot.cli.users", "users_group"),
}


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        command = getattr(importlib.import_module(where[0]), where[1])
        if not isinstance(command, click.Command):
            raise TypeError(f"{where[0]}.{where[1]} is not a click command")
        self.commands[cmd_name] = command
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="opsbot")
def cli() -> None:
    """opsbot: governed e-commerce metrics, questions and alerts, from the terminal and the group chat."""


def main() -> None:
    cli(prog_name="opsbot")
