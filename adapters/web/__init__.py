"""The built-in web chat: messages kept in the state database, live updates to the browser over SSE."""

from adapters.web.adapter import WebAdapter
from adapters.web.hub import Hub
from adapters.web.store import WebStore

__all__ = ["Hub", "WebAdapter", "WebStore"]
