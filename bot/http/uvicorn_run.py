"""Run the app with uvicorn on a socket bound beforehand (listen.bind), and say so only once it serves."""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self._on_ready()


def run(app: FastAPI, sock: socket.socket, on_ready: Callable[[], None]) -> bool:
    """Serve ``app`` on ``sock`` until stopped; ``on_ready`` once the app has started and accepts connections.
    False when it never started (the app's start-up failed)."""
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3)
    server = _Server(config, on_ready)
    server.run(sockets=[sock])
    return server.started
