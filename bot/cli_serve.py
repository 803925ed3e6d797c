"""`opsbot serve`: the HTTP server (health and metric API; chat platforms arrive in later work)."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli_common import guarded, open_layer


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8080, show_default=True)
@click.option("--db", type=click.Path(path_type=Path), default=None, help="Warehouse DuckDB file.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Accepted for symmetry; the API takes dates per request.")
@guarded
def serve(host: str, port: int, db: Path | None, as_of: str | None) -> None:
    """Run the opsbot HTTP server."""
    import uvicorn

    from bot.app import create_app

    app = create_app(open_layer(db))
    click.echo(f"opsbot serving on http://{host}:{port}  (health: /health, metrics: /api/metrics)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
