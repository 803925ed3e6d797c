"""``GET /files/<id>.<ext>?exp=…&sig=…``: a signed, expiring download (bot/delivery/files.py) — a chart a
DingTalk robot shows by URL, or an answer's full result as CSV. Public: the platform's servers fetch it
without a login; the signature is what admits them. An unknown, expired or tampered link is a 404."""

from __future__ import annotations

from fastapi import APIRouter, Response

from bot.delivery.files import FILES_PATH, TYPES, FileStore


def files_router(store: FileStore) -> APIRouter:
    router = APIRouter()

    @router.get(FILES_PATH + "/{name}", include_in_schema=False)
    def download(name: str, exp: str = "", sig: str = "") -> Response:
        stored = store.get(name, exp, sig)
        if stored is None:
            return Response("链接无效或已过期 / link invalid or expired\n", status_code=404, media_type="text/plain")
        headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
        if stored.ext == "csv":
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return Response(stored.data, media_type=TYPES[stored.ext], headers=headers)

    return router
