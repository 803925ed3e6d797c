"""`opsbot`: the command line entry point."""

from __future__ import annotations

import click

from bot.cli.alerts import alerts_group
from bot.cli.ask import ask
from bot.cli.chat import chat
from bot.cli.demo import demo_data
from bot.cli.forecast import forecast_group
from bot.cli.importing import import_command
from bot.cli.metrics import metrics_group
from bot.cli.query import query
from bot.cli.rollups import rollups_group
from bot.cli.serve import serve
from bot.cli.tickets import tickets_group
from bot.cli.tokens import tokens_group
from bot.cli.users import users_group


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="opsbot")
def cli() -> None:
    """opsbot: governed e-commerce metrics, questions and alerts, from the terminal and the group chat."""


cli.add_command(alerts_group)
cli.add_command(ask)
cli.add_command(chat)
cli.add_command(demo_data)
cli.add_command(forecast_group)
cli.add_command(import_command)
cli.add_command(metrics_group)
cli.add_command(query)
cli.add_command(rollups_group)
cli.add_command(serve)
cli.add_command(tickets_group)
cli.add_command(tokens_group)
cli.add_command(users_group)


def main() -> None:
    cli(prog_name="opsbot")
