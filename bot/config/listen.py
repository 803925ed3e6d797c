"""The address the server listens on, given on the command line, and the links it hands out.

Without ``server.public_url`` the links (ticket action links, /health) are built from the listen
address; ``--host``/``--port`` must move them too, or cards point at a server that is not there.
An explicit ``public_url`` (a proxy, a domain) is kept as it is."""

from __future__ import annotations

import dataclasses

from bot.config.schema import ServerConfig

_WILDCARDS = ("0.0.0.0", "::", "")


def derived_url(host: str, port: int) -> str:
    """The URL of a listen address: a wildcard address is reachable on this machine as 127.0.0.1."""
    shown = "127.0.0.1" if host in _WILDCARDS else (f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}"


def listening_on(server: ServerConfig, host: str | None, port: int | None) -> ServerConfig:
    """``server`` listening on ``host``/``port`` (None: as configured), its public URL following the
    address unless it was configured explicitly."""
    new_host, new_port = host or server.host, port or server.port
    explicit = server.public_url.rstrip("/") not in (
        f"http://{server.host}:{server.port}",
        derived_url(server.host, server.port),
    )
    url = server.public_url if explicit else derived_url(new_host, new_port)
    return dataclasses.replace(server, host=new_host, port=new_port, public_url=url)
