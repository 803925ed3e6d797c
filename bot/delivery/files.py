"""Signed, expiring downloads: an answer's chart (PNG) or its whole result (CSV) kept in memory and served at
``/files/<id>.<ext>?exp=…&sig=…`` (bot/http/files.py), so a platform that shows images only by URL (DingTalk
robots) can fetch a chart and a cut table can point to its full result.

The URL is signed with opsbot's secret (HMAC-SHA256 over id, extension and expiry), so it cannot be guessed
or extended; the route is public (the platform's servers fetch it without a login). The store keeps at most
``max_bytes`` (oldest dropped first) and forgets a file once its link has expired.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlencode, urlsplit

FILES_PATH = "/files"
TTL_S = 7 * 24 * 3600  # as long as a card's action links
MAX_BYTES = 64 * 1024 * 1024
TYPES = {"png": "image/png", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True)
class Stored:
    data: bytes
    ext: str
    expires: int


def reachable(public_url: str) -> bool:
    """Whether a platform's servers could fetch from ``public_url``: not localhost or a private address."""
    host = (urlsplit(public_url).hostname or "").lower()
    if host in ("", "localhost") or host.endswith(".local"):
        return False
    try:
        address = ip_address(host)
    except ValueError:
        return True  # a host name
    return address.is_global


class FileStore:
    def __init__(
        self, secret: str, *, max_bytes: int = MAX_BYTES, ttl_s: int = TTL_S, now: Callable[[], float] = time.time
    ) -> None:
        self._key = hashlib.sha256(b"opsbot-files\n" + secret.encode()).digest()
        self._max, self._ttl, self._now = max_bytes, ttl_s, now
        self._files: OrderedDict[str, Stored] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def _sign(self, file_id: str, ext: str, expires: int) -> str:
        return hmac.new(self._key, f"{file_id}.{ext}:{expires}".encode(), hashlib.sha256).hexdigest()

    def put(self, data: bytes, ext: str) -> tuple[str, int]:
        """Keep ``data``; its id and the epoch second its link expires."""
        if ext not in TYPES:
            raise ValueError(f"unsupported file type {ext!r}")
        file_id, expires = secrets.token_urlsafe(12), int(self._now()) + self._ttl
        with self._lock:
            self._files[file_id] = Stored(data, ext, expires)
            self._size += len(data)
            while self._size > self._max and self._files:
                _, dropped = self._files.popitem(last=False)
                self._size -= len(dropped.data)
        return file_id, expires

    def url(self, public_url: str, data: bytes, ext: str) -> str:
        """Keep ``data`` and return its signed download URL under ``public_url``."""
        file_id, expires = self.put(data, ext)
        query = urlencode({"exp": expires, "sig": self._sign(file_id, ext, expires)})
        return f"{public_url.rstrip('/')}{FILES_PATH}/{file_id}.{ext}?{query}"

    def get(self, name: str, exp: str, sig: str) -> Stored | None:
        """The file named ``<id>.<ext>`` when ``exp``/``sig`` are its valid, unexpired signature, else None."""
        file_id, _, ext = name.partition(".")
        if not exp.isdigit() or ext not in TYPES:
            return None
        expires = int(exp)
        if not hmac.compare_digest(self._sign(file_id, ext, expires), sig) or expires < self._now():
            return None
        with self._lock:
            stored = self._files.get(file_id)
        return stored if stored is not None and stored.ext == ext and stored.expires == expires else None
