"""What a platform builder may use of the running bot — the config, its clock, the state store, the ticket
service and the inbox — so that platforms never import the runtime that wires them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from adapters.base import InboundEvent
from alerts.tickets.service import TicketService
from alerts.tickets.store import Store
from bot.config.schema import Config
from bot.delivery.files import FileStore


class PlatformContext(Protocol):
    @property
    def config(self) -> Config: ...

    @property
    def clock(self) -> Callable[[], dt.datetime]: ...

    @property
    def store(self) -> Store: ...

    @property
    def service(self) -> TicketService: ...

    @property
    def files(self) -> FileStore:
        """Signed downloads (charts by URL, full results as CSV) served at /files."""
        ...

    def submit(self, event: InboundEvent) -> bool:
        """Keep a verified event for the background workers; False when it is a repeat."""
        ...
