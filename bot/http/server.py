"""The server of `opsbot serve`: the metric API, every enabled platform's webhooks (mounted in one place), the
web chat, the action links and the login pages, behind one gate (bot/http/gate.py), and the runtime's background
workers started and stopped with the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from adapters.web import WebAdapter
from bot.http.actions import action_router
from bot.http.app import create_app
from bot.http.files import files_router
from bot.http.gate import Gate
from bot.http.headers import SecurityHeaders
from bot.http.login import begin_session, login_router
from bot.http.login_methods import login_methods_router
from bot.http.web_chat import web_router
from bot.http.webhooks import mount_webhooks
from bot.runtime import Runtime


def create_server(runtime: Runtime) -> FastAPI:
    def health() -> dict[str, Any]:
        return {
            "platforms": {name: part.info for name, part in runtime.parts.items()},
            "outbox_pending": len(runtime.service.pending_outbox(limit=1000)),
            "failing_destinations": runtime.delivery_health.failing(),
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
    mount_webhooks(app, (hook for part in runtime.parts.values() for hook in part.webhooks), runtime.submit_async)
    web = runtime.parts.get("web")
    if web is not None and isinstance(web.adapter, WebAdapter):
        app.include_router(web_router(runtime, web.adapter))
    app.include_router(action_router(runtime))
    app.include_router(files_router(runtime.files))
    app.include_router(login_router(runtime))
    app.include_router(
        login_methods_router(
            runtime, lambda req, person, method, to: begin_session(runtime, req, person.name, method, to),
            runtime.login_methods,
        )
    )  # fmt: skip
    login_at = "/auth/proxy/start" if runtime.login_methods.proxy is not None else "/auth/login"
    app.add_middleware(Gate, auth=runtime.auth, login_at=login_at)
    app.add_middleware(SecurityHeaders)  # added last, so outermost: the gate's refusals carry the headers too
    app.state.runtime = runtime
    return app
