"""The one error shape of opsbot's HTTP API, for every route but the pages people open in a browser:

    {"error": [{"code": "web.no_message", "zh": "没有消息 w-42", "en": "no message w-42", "suggestions": []}]}

a list of problems, each with a stable ``code`` and its text in both languages (``suggestions`` when there
are some). A query's problems are 400; a route raises ``HttpError`` for its own status; an unknown path or
method, a request that fails validation (422) and an internal error (500, its text never shown) take the same
shape. The platforms' webhooks answer in it too (adapters/webhook.py); the action-link pages stay HTML.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from metrics.problems import Problem, UserError

log = logging.getLogger("opsbot.http")


class HttpError(Exception):
    """A refusal with its HTTP status, e.g. ``HttpError(404, Problem("web.no_message", en, zh))``."""

    def __init__(self, status: int, *problems: Problem) -> None:
        super().__init__(problems[0].en if problems else str(status))
        self.status, self.problems = status, problems


def error_response(status: int, problems: Iterable[Problem]) -> JSONResponse:
    doc = [{"code": p.code, "zh": p.zh, "en": p.en, "suggestions": list(p.suggestions)} for p in problems]
    return JSONResponse({"error": doc}, status_code=status)


MAX_PROBLEMS = 20  # a refusal stays short however much was sent
MAX_FIELD = 80


def _field(error: dict[str, Any]) -> str:
    """Where the invalid value is (``where.channel``), cut short: a key of the input may be huge."""
    text = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
    return text if len(text) <= MAX_FIELD else text[: MAX_FIELD - 1] + "…"


def install_error_shape(app: FastAPI) -> None:
    """Every error of ``app`` in the one shape."""

    @app.exception_handler(UserError)
    async def user_error(_: Request, exc: UserError) -> JSONResponse:
        return error_response(400, exc.problems)

    @app.exception_handler(HttpError)
    async def http_error(_: Request, exc: HttpError) -> JSONResponse:
        return error_response(exc.status, exc.problems)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            Problem("request.invalid", f"{_field(e)}: {e.get('msg', 'invalid')}", f"{_field(e)}：取值无效")
            for e in exc.errors()[:MAX_PROBLEMS]
        ]
        return error_response(422, problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_status(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        en, zh = _STATUS_TEXT.get(exc.status_code, (f"HTTP {exc.status_code}", f"HTTP {exc.status_code}"))
        return error_response(exc.status_code, [Problem(f"http.{exc.status_code}", en, zh)])

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        problem = Problem("internal", "Something went wrong; it is logged.", "服务器内部错误，已记录。")
        return error_response(500, [problem])


_STATUS_TEXT = {
    404: ("no such page or resource", "没有这个页面或资源"),
    405: ("method not allowed", "不支持这个请求方法"),
}
