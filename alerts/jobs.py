"""The scheduler's jobs. Each takes plain strings (jobs are stored in the state database and may
run after a restart) and rebuilds what it needs: catalog, rules, warehouse, ticket store."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from pathlib import Path

from alerts import engine
from alerts.rules.load import load_rules
from alerts.schedule import ESCALATION_JOB, FORECAST_JOB, ROLLUPS_JOB, ZONE, rule_job_id
from alerts.tickets.service import TicketService
from alerts.tickets.store import open_store
from metrics.catalog.load import load_catalog
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse

log = logging.getLogger("opsbot.jobs")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def tick_of(now: dt.datetime) -> str:
    """A scheduled run's tick: its local minute."""
    return now.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def _first_to_take(job_id: str, state_url: str, now: dt.datetime) -> bool:
    """Whether this process runs ``job_id``'s tick: with several bots on one state store each scheduler fires,
    and only the first to claim the (job, tick) runs it."""
    store = open_store(state_url)
    try:
        owner = f"{socket.gethostname()}:{os.getpid()}"
        taken = TicketService(store, clock=lambda: now).claim_tick(job_id, tick_of(now), owner)
    finally:
        store.close()
    if not taken:
        log.info("%s at %s: run by another bot", job_id, tick_of(now))
    return taken


def run_rule(rule_id: str, db: str, state_url: str, rules_dir: str) -> None:
    if not _first_to_take(rule_job_id(rule_id), state_url, utc_now()):
        return
    catalog = load_catalog()
    rules = [r for r in load_rules(Path(rules_dir), catalog) if r.id == rule_id]
    if not rules:
        log.warning("rule %s is no longer in %s; skipped", rule_id, rules_dir)
        return
    warehouse = Warehouse(db)
    store = open_store(state_url)
    try:
        layer = SemanticLayer(catalog, warehouse)
        service = TicketService(store, clock=utc_now)
        now = utc_now()
        for outcome in engine.run(rules, layer, service, as_of=layer.as_of(), now=now, tick=tick_of(now)):
            log.info("rule %s: %s", rule_id, outcome.error or outcome.report)
    finally:
        store.close()
        warehouse.close()


def run_escalations(db: str, state_url: str, rules_dir: str) -> None:
    if not _first_to_take(ESCALATION_JOB, state_url, utc_now()):
        return
    rules = {r.id: r for r in load_rules(Path(rules_dir), load_catalog())}
    store = open_store(state_url)
    try:
        report = TicketService(store, clock=utc_now).tick_escalations(rules, utc_now())
        if report.escalated or report.woken:
            log.info("escalated %s, woke %s", report.escalated, report.woken)
    finally:
        store.close()


def refresh_rollups(db: str, state_url: str, rules_dir: str) -> None:
    """Bring the rollups up to date (the days that changed since the last build); DuckDB warehouses only."""
    from metrics.engines.url import parse_url
    from metrics.rollups.build import refresh

    url = parse_url(db)
    if url.engine != "duckdb" or url.path is None:
        return  # rollups are kept beside the embedded DuckDB warehouse only
    if not _first_to_take(ROLLUPS_JOB, state_url, utc_now()):
        return
    report = refresh(url.path, load_catalog())
    rebuilt = sum(r.rebuilt for r in report.rollups)
    log.info("rollups refreshed: %d rollup-days recomputed in %.1f s", rebuilt, report.seconds)


def refresh_forecast(db: str, state_url: str, rules_dir: str) -> None:
    from metrics.forecast.refresh import refresh

    if not _first_to_take(FORECAST_JOB, state_url, utc_now()):
        return
    report = refresh(db)
    log.info("forecast refreshed as of %s in %.1f s", report.as_of, report.seconds)
