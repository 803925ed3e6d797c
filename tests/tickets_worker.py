"""A separate process for the ticket concurrency and kill -9 tests: open the store, apply one evaluation.

usage: python tickets_worker.py STORE_URL JSON — JSON keys: rule, n, tick, ready, go, retries, open_only.
With ``ready``/``go`` it touches ``ready`` and waits for ``go`` to exist (a file barrier) before the
work; ``open_only`` stops after creating the tables. Prints one JSON line with what happened.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from tickets_support import T0, Clock, evaluation, make_rule, many

from alerts.tickets.errors import TicketConflict
from alerts.tickets.service import TicketService
from alerts.tickets.store import open_store


def barrier(args: dict[str, Any]) -> None:
    if args.get("ready"):
        Path(args["ready"]).touch()
    if args.get("go"):
        while not Path(args["go"]).exists():
            time.sleep(0.0005)


def main(url: str, args: dict[str, Any]) -> dict[str, Any]:
    if args.get("open_only"):
        barrier(args)
        open_store(url).close()
        return {"opened_store": True}
    store = open_store(url)
    rule = make_rule(args["rule"], storm_threshold=1_000_000)
    found = evaluation(rule, many(args["n"]), T0)
    service = TicketService(store, Clock())
    barrier(args)
    started, conflicts = time.perf_counter(), 0
    while True:
        try:
            report = service.apply(rule, found, args["tick"])
            break
        except TicketConflict:
            conflicts += 1
            if conflicts > args.get("retries", 0):
                raise
    seconds = time.perf_counter() - started
    return {"applied": report.applied, "opened": len(report.opened), "conflicts": conflicts, "seconds": seconds}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], json.loads(sys.argv[2]))), flush=True)
