"""Separate processes against one store: concurrent appliers of a rule, creation races, kill -9 mid-apply.

Runs on SQLite and PostgreSQL; the workers start together behind a file barrier.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from tickets_support import CHANNELS, T0, Clock, evaluation, make_rule, many

from alerts.tickets.schema import outbox, rule_ticks, ticket_events, tickets
from alerts.tickets.service import TicketService
from alerts.tickets.store import Store

pytest_plugins = ("tickets_fixtures",)

ROOT = Path(__file__).parent.parent
WORKER = Path(__file__).parent / "tickets_worker.py"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}


def spawn(url: str, **args: Any) -> subprocess.Popen[str]:
    cmd = [sys.executable, str(WORKER), url, json.dumps(args)]
    return subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"worker exited early: {proc.communicate()[1]}")
        assert time.monotonic() < deadline, f"worker never reached {path.name}"
        time.sleep(0.0005)


def together(url: str, tmp: Path, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Start the workers, release them at once, return their reports."""
    go = tmp / f"go-{time.monotonic_ns()}"
    procs = []
    for i, job in enumerate(jobs):
        ready = tmp / f"ready-{go.name}-{i}"
        procs.append((spawn(url, ready=str(ready), go=str(go), **job), ready))
    for proc, ready in procs:
        wait_for(ready, proc)
    go.touch()
    out = []
    for proc, _ in procs:
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        out.append(json.loads(stdout))
    return out


def counts(store: Store, rule_id: str) -> tuple[int, int, int, int, int]:
    """(tickets, distinct entities, events, outbox rows, recorded ticks) of one rule."""
    mine = select(tickets.c.id).where(tickets.c.rule_id == rule_id).scalar_subquery()
    with store.read() as conn:
        return (
            conn.execute(select(func.count()).where(tickets.c.rule_id == rule_id)).scalar_one(),
            conn.execute(select(func.count(tickets.c.entity_key.distinct())).where(tickets.c.rule_id == rule_id)).scalar_one(),
            conn.execute(select(func.count()).select_from(ticket_events).where(ticket_events.c.ticket_id.in_(mine))).scalar_one(),
            conn.execute(select(func.count()).select_from(outbox).where(outbox.c.ticket_id.in_(mine))).scalar_one(),
            conn.execute(select(func.count()).where(rule_ticks.c.rule_id == rule_id)).scalar_one(),
        )  # fmt: skip


def test_tables_are_created_once_when_processes_start_at_once(store_url: str, tmp_path: Path) -> None:
    reports = together(store_url, tmp_path, [{"open_only": True}] * 4)
    assert reports == [{"opened_store": True}] * 4


def test_two_processes_apply_the_same_tick_exactly_once(store: Store, store_url: str, tmp_path: Path) -> None:
    n = 400
    for round_ in range(3):
        rule = f"same_tick_{round_}"
        reports = together(store_url, tmp_path, [{"rule": rule, "n": n, "tick": "2026-11-20"}] * 2)
        assert sorted(r["applied"] for r in reports) == [False, True], reports
        assert sum(r["opened"] for r in reports) == n
        assert counts(store, rule) == (n, n, n, n * len(CHANNELS), 1)


def test_two_processes_with_different_ticks_keep_one_ticket_per_entity(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    n, conflicts = 400, 0
    for round_ in range(3):
        rule = f"two_ticks_{round_}"
        jobs = [{"rule": rule, "n": n, "tick": tick, "retries": 3} for tick in ("09:00", "09:01")]
        reports = together(store_url, tmp_path, jobs)
        assert [r["applied"] for r in reports] == [True, True], reports
        assert sorted(r["opened"] for r in reports) == [0, n]  # the loser (if any) rolled back and updated on retry
        conflicts += sum(r["conflicts"] for r in reports)
        assert counts(store, rule) == (n, n, n, n * len(CHANNELS), 2)
    print(f"conflicts retried: {conflicts}")


def test_kill_9_mid_apply_leaves_all_or_nothing_and_a_rerun_completes_once(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    n = 3000
    [calibration] = together(store_url, tmp_path, [{"rule": "calibrate", "n": n, "tick": "t"}])
    took = calibration["seconds"]
    full = (n, n, n, n * len(CHANNELS), 1)
    outcomes = []
    for i, share in enumerate((0.1, 0.4, 0.75, None)):  # None: the kill comes after the worker finished
        rule_id, ready = f"killed_{i}", tmp_path / f"kill-ready-{i}"
        proc = spawn(store_url, rule=rule_id, n=n, tick="t", ready=str(ready))
        wait_for(ready, proc)
        if share is None:
            proc.wait(timeout=300)
        else:
            time.sleep(took * share)
        alive = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        after_kill = counts(store, rule_id)
        assert after_kill in ((0, 0, 0, 0, 0), full), (share, after_kill)
        assert alive or after_kill == full
        rule = make_rule(rule_id, storm_threshold=1_000_000)
        rerun = TicketService(store, Clock()).apply(rule, evaluation(rule, many(n), T0), "t")
        assert rerun.applied == (after_kill != full) and len(rerun.opened) == (n if rerun.applied else 0)
        assert counts(store, rule_id) == full
        outcomes.append("none" if after_kill != full else "all")
    assert "none" in outcomes[:3], f"no kill landed mid-apply (apply took {took:.2f}s): {outcomes}"
    print(f"apply of {n} findings took {took:.2f}s; kills left: {outcomes}")
