"""The server of `opsbot serve`: the metric API, every enabled platform's routes, the action links, and
the runtime's background workers started and stopped with the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from bot.http.actions import action_router
from bot.http.app import create_app
from bot.runtime import Runtime


def create_server(runtime: Runtime) -> FastAPI:
    def health() -> dict[str, Any]:
        return {
            "platforms": {name: part.info for name, part in runtime.parts.items()},
            "outbox_pending": len(runtime.service.pending_outbox(limit=1000)),
            "scheduler": runtime.scheduler is not None,
            "inbox": {"queued": 0, "running": 0, "done": 0, "failed": 0, **runtime.inbox.store.states()},
        }

    app = create_app(runtime.layer, health)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            runtime.stop()

    app.router.lifespan_context = lifespan
    for part in runtime.parts.values():
        if part.router is not None:
            app.include_router(part.router)
    app.include_router(action_router(runtime))
    app.state.runtime = runtime
    return app
