"""`opsbot serve`: the bot — web chat, chat platform webhooks, the scheduler and the outbox worker."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from bot.cli.common import guarded
from bot.config.listen import listening_on
from bot.config.load import default_config_path, load_config
from bot.config.redact import config_secrets
from bot.config.redact import install as install_redaction


@click.command("serve")
@click.option("--host", default=None, help="Listen address (default: server.host of the config, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: server.port of the config, 8080).")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="opsbot.yaml (default: $OPSBOT_CONFIG, else ./opsbot.yaml when present, else defaults + environment).",
)
@click.option("--db", default=None, metavar="PATH|URL", help="Warehouse: a DuckDB file or a URL (overrides config).")
@click.option("--state", default=None, metavar="URL", help="Ticket store URL (overrides config).")
@click.option("--no-scheduler", is_flag=True, help="Do not run the alert rules on their schedule.")
@guarded
def serve(
    host: str | None, port: int | None, config_path: Path | None, db: str | None, state: str | None, no_scheduler: bool
) -> None:
    """Run the bot: the built-in web chat at /, the chat platforms' webhooks, alerts and ticket delivery."""
    import dataclasses
    import gc
    import sys

    from bot.http.listen import bind
    from bot.http.server import create_server
    from bot.http.uvicorn_run import run
    from bot.runtime import Runtime

    config = load_config(config_path or default_config_path())
    server = listening_on(config.server, host, port)  # links follow --host/--port unless public_url is set
    config = dataclasses.replace(
        config, server=server, warehouse=db or config.warehouse, state_url=state or config.state_url
    )
    for w in config.warnings:
        click.echo(f"opsbot: warning: {w}", err=True)
    # the port first: a port in use is one line before any work, and nobody is told "serving" in vain
    sock = bind(server.host, server.port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_redaction(config_secrets(config))
    runtime = Runtime(config, scheduler=not no_scheduler)
    app = create_server(runtime)
    platforms = ", ".join(runtime.parts) or "none"
    local = server.host in ("127.0.0.1", "localhost", "::1")  # a local demo: one click into the web chat
    login = f"log in once: http://{server.host}:{server.port}{runtime.auth.demo_link()}" if local else None

    def ready() -> None:
        click.echo(f"opsbot serving on http://{server.host}:{server.port}/  (platforms: {platforms}; health: /health)")
        if login is not None:
            click.echo(login)

    # what is loaded by now (modules, catalog, clients) lives as long as the process: the garbage collector's
    # full passes would walk it all again and again, pausing every request for ~100 ms under load
    gc.collect()
    gc.freeze()
    # open web-chat tabs hold SSE streams: uvicorn_run stops waiting for them a few seconds after Ctrl-C
    if not run(app, sock, ready):
        sys.exit(1)
