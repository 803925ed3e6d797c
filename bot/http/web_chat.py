"""The built-in web chat's HTTP side: the page, its static files, the message/action API and the live feed."""

from __future__ import annotations

import dataclasses
import uuid
from importlib import resources
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response, StreamingResponse

from adapters.base import ButtonAction, InboundEvent, MessageRef
from adapters.web.adapter import WebAdapter
from bot.http.errors import HttpError
from bot.http.gate import who_of
from bot.http.web_models import PostAction, PostMessage
from bot.http.web_stream import sse
from metrics.problems import Problem, UserError

if TYPE_CHECKING:
    from bot.runtime import Runtime

DEFAULT_CHAT = "#general"
STATIC = {"app.js": "text/javascript", "app.css": "text/css", "index.html": "text/html"}


def _static(name: str) -> bytes:
    return resources.files("adapters.web").joinpath("static", name).read_bytes()


def _web_chat(channel: str) -> str | None:
    """``web:#ops`` / ``#ops`` → ``#ops``; another platform's channel → None."""
    platform, sep, chat = channel.partition(":")
    if not sep:
        return channel
    return chat if platform == "web" else None


def chat_names(runtime: Runtime, counts: dict[str, int]) -> list[str]:
    names: list[str] = [DEFAULT_CHAT]
    logical = list(runtime.config.channels)
    for dests in runtime.config.channels.values():
        logical.extend(dests)
    try:
        for rule in runtime.rules():
            logical.extend(rule.channels)
    except UserError:
        pass  # a broken rules directory is reported by `opsbot alerts`; the chat still works
    for channel in logical:
        chat = _web_chat(channel)
        if chat:
            names.append(chat)
    names.extend(counts)
    return list(dict.fromkeys(names))


def _has_button(card: dict[str, Any], action: str, value: str) -> bool:
    """Whether the message shows this button: a card acts on its own ticket only, not on a number sent with it."""
    buttons = card["body"].get("buttons") or []
    return any(b.get("action") == action and b.get("value") == value for b in buttons)


def _NOT_ON_CARD(message_id: str, action: str, value: str) -> Problem:
    return Problem(
        "web.not_on_card",
        f"message {message_id} has no {action} button for {value}",
        f"消息 {message_id} 上没有针对 {value} 的 {action} 按钮",
    )


def web_router(runtime: Runtime, adapter: WebAdapter) -> APIRouter:
    router = APIRouter()
    store = adapter.store

    @router.get("/", include_in_schema=False)
    def page() -> Response:
        return Response(_static("index.html"), media_type="text/html; charset=utf-8")

    @router.get("/web/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC:
            raise HttpError(404, Problem("web.no_file", f"no such file {name!r}", f"没有文件 {name!r}"))
        return Response(_static(name), media_type=f"{STATIC[name]}; charset=utf-8")

    @router.get("/web/api/chats")
    def chats() -> dict[str, Any]:
        counts = store.chats()
        return {"chats": [{"chat": c, "messages": counts.get(c, 0)} for c in chat_names(runtime, counts)]}

    @router.get("/web/api/messages")
    def messages(chat: str) -> dict[str, Any]:
        return {"chat": chat, "messages": store.messages(chat)}

    @router.post("/web/api/messages", status_code=202)
    def post_message(body: PostMessage, request: Request) -> dict[str, Any]:
        user = who_of(request).person
        root: str | None = None
        if body.thread:
            parent = store.get(body.thread)
            if parent is None or parent["chat"] != body.chat:
                raise HttpError(
                    400,
                    Problem(
                        "web.not_a_thread",
                        f"thread {body.thread!r} is not a message of {body.chat}",
                        f"{body.thread!r} 不是 {body.chat} 中的消息",
                    ),
                )
            root = parent["thread"] or parent["id"]
        row = adapter.post_user(body.chat, user, body.text, thread=root)
        runtime.submit(
            InboundEvent(
                platform="web",
                event_id=row["id"],
                chat=body.chat,
                user=user,
                user_name=user,
                text=body.text,
                thread=root or row["id"],  # the answer goes in the message's thread
                addressed=True,
            )
        )
        return row

    @router.post("/web/api/actions", status_code=202)
    def post_action(body: PostAction, request: Request) -> dict[str, Any]:
        user = who_of(request).person
        card = store.get(body.message_id)
        if card is None:
            no = body.message_id
            raise HttpError(404, Problem("web.no_message", f"no message {no}", f"没有消息 {no}"))
        if not _has_button(card, body.action, body.value):
            raise HttpError(409, _NOT_ON_CARD(body.message_id, body.action, body.value))
        root = card["thread"] or card["id"]
        event_id = f"{card['id']}:{body.action}:{uuid.uuid4().hex}"
        ref = MessageRef("web", card["chat"], card["id"], thread=card["thread"])
        target = body.to.strip() if body.to and body.to.strip() else None  # the person picked on the page
        event = InboundEvent(
            platform="web", event_id=event_id, chat=card["chat"], user=user, user_name=user, thread=root,
            action=ButtonAction(body.action, body.value, message=ref, target=target),
        )  # fmt: skip
        runtime.submit(event)
        return {"accepted": True, "event_id": event_id}

    @router.get("/web/api/people")
    def people() -> dict[str, Any]:
        return {"people": [{"name": p.name, "role": p.role} for p in runtime.config.people]}

    @router.get("/web/api/tickets/{ticket_no}")
    def ticket(ticket_no: str) -> dict[str, Any]:
        try:
            history = runtime.service.get(ticket_no)
        except UserError as e:
            raise HttpError(404, *e.problems) from e
        return {
            "ticket": jsonable_encoder(dataclasses.asdict(history.ticket)),
            "events": [jsonable_encoder(dataclasses.asdict(e)) for e in history.events],
        }

    @router.get("/web/api/stream")
    async def stream(request: Request) -> StreamingResponse:
        return StreamingResponse(
            sse(adapter.hub, request.is_disconnected),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router
