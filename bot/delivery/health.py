"""Which destinations cannot be delivered to, since when and why — and the notices that say so.

A destination (``wecom:robot``, ``slack:C0123``) whose cards keep failing for longer than
``delivery.report_after`` (default 10 minutes), or whose card was parked (a permanent failure), is reported:
one notice to the other destinations of the tickets it failed for and to the operations channel(s)
(``delivery.operations``, default ``web:#ops``), saying which destination, since when, the last error and what
to check. A destination still failing is reported again at most hourly; when it delivers again after having
been reported, the same places hear that it recovered. ``failing()`` is what ``/health`` lists.

The state is kept in memory by the running bot (a restart forgets it; the outbox rows keep their errors).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.config.schema import DeliveryConfig


@dataclass
class _Failing:
    since: dt.datetime
    last_error: str
    last_at: dt.datetime
    parked: bool = False
    tickets: set[str] = field(default_factory=set)
    others: set[str] = field(default_factory=set)  # the other destinations of those tickets
    reported_at: dt.datetime | None = None


@dataclass(frozen=True)
class Notice:
    destination: str
    kind: Literal["failing", "recovered"]
    since: dt.datetime
    last_error: str
    tickets: tuple[str, ...]
    targets: tuple[str, ...]  # where the notice goes

    def text(self, lang: str) -> str:
        since = self.since.strftime("%Y-%m-%d %H:%M UTC")
        tickets = ", ".join(self.tickets)
        if self.kind == "recovered":
            if lang == "zh":
                return f"✅ 工单卡片已恢复送达 {self.destination}（自 {since} 起曾无法送达）。"
            return f"✅ Ticket cards reach {self.destination} again (undeliverable since {since})."
        if lang == "zh":
            return (
                f"⚠️ 工单卡片自 {since} 起无法送达 {self.destination}（工单 {tickets}）。最近的错误：{self.last_error}。"
                "请检查该目的地的 webhook 地址或 key、平台凭据，以及网络或代理（HTTPS_PROXY / NO_PROXY）；"
                "/health 列出所有送达失败的目的地。"
            )
        return (
            f"⚠️ Ticket cards cannot be delivered to {self.destination} since {since} (tickets {tickets}). "
            f"Last error: {self.last_error}. Check that destination's webhook URL or key, the platform's "
            "credentials, and the network or proxy (HTTPS_PROXY / NO_PROXY); /health lists failing destinations."
        )


class DestinationHealth:
    def __init__(self, config: DeliveryConfig | None = None) -> None:
        self.config = config or DeliveryConfig()
        self._failing: dict[str, _Failing] = {}
        self._recovered: list[Notice] = []
        self._lock = threading.Lock()

    def failed(
        self, destination: str, error: str, now: dt.datetime, *, ticket: str, others: tuple[str, ...], parked: bool
    ) -> None:
        with self._lock:
            f = self._failing.setdefault(destination, _Failing(since=now, last_error=error, last_at=now))
            f.last_error, f.last_at, f.parked = error, now, f.parked or parked
            f.tickets.add(ticket)
            f.others.update(o for o in others if o != destination)

    def delivered(self, destination: str) -> None:
        with self._lock:
            f = self._failing.pop(destination, None)
            if f is not None and f.reported_at is not None:
                self._recovered.append(self._notice(destination, f, "recovered"))

    def due(self, now: dt.datetime) -> list[Notice]:
        """The notices to send now (each failing destination at most once per ``repeat_every``)."""
        with self._lock:
            out, self._recovered = self._recovered, []
            for dest, f in self._failing.items():
                if not f.parked and now - f.since < self.config.report_after:
                    continue
                if f.reported_at is not None and now - f.reported_at < self.config.repeat_every:
                    continue
                f.reported_at = now
                out.append(self._notice(dest, f, "failing"))
            return out

    def failing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    "destination": dest,
                    "since": f.since.isoformat(),
                    "last_error": f.last_error,
                    "last_attempt": f.last_at.isoformat(),
                    "parked": f.parked,
                    "tickets": sorted(f.tickets),
                    "reported": f.reported_at is not None,
                }
                for dest, f in sorted(self._failing.items())
            ]

    def _notice(self, dest: str, f: _Failing, kind: Literal["failing", "recovered"]) -> Notice:
        failing = set(self._failing) - {dest}
        targets = [t for t in (*sorted(f.others), *self.config.operations) if t != dest and t not in failing]
        return Notice(dest, kind, f.since, f.last_error, tuple(sorted(f.tickets)), tuple(dict.fromkeys(targets)))
