"""Helpers for the ticket tests: rules, findings and evaluations built directly, a settable clock,
PostgreSQL schemas per test, and a dump of every table of the store."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from alerts.findings import Evaluation, Finding
from alerts.rules.model import Names, Routing, Rule, Scope, Severity, Threshold
from alerts.tickets.schema import metadata
from alerts.tickets.store import Store

T0 = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Asia/Shanghai
PG_BASE = "postgresql+psycopg://{user}@127.0.0.1:5432/test"
CHANNELS = ("web:#ops", "wecom:补货群")


class Clock:
    """The injected clock: returns ``now`` until told otherwise."""

    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def make_rule(rule_id: str = "low_cover", **changes: Any) -> Rule:
    values: dict[str, Any] = {
        "id": rule_id,
        "names": Names("库存覆盖天数过低", "Low stock cover"),
        "metric": "days_of_cover",
        "scope": Scope(("sku",)),
        "condition": Threshold("<", 3),
        "schedule": "0 * * * *",
        "routing": Routing("ops-lead"),
        "channels": CHANNELS,
        "ok_evaluations": 2,
    }
    values.update(changes)
    return Rule(**values)


def finding(sku: str, severity: Severity = "warning", value: float = 2.0, **entity: str) -> Finding:
    return Finding(
        entity={"sku": sku, **entity},
        label=f"商品 {sku}",
        severity=severity,
        value=value,
        threshold="< 3",
        evidence={"trend": [5.0, 4.0, value]},
    )


def evaluation(
    rule: Rule, findings: list[Finding] | tuple[Finding, ...], at: dt.datetime, no_data: bool = False
) -> Evaluation:
    return Evaluation(rule.id, at.date(), tuple(findings), at, no_data=no_data)


def many(n: int, prefix: str = "SKU") -> list[Finding]:
    return [finding(f"{prefix}-{i:05d}", "critical" if i % 7 == 0 else "warning", float(i % 3)) for i in range(n)]


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    out = {}
    with store.read() as conn:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return out


@functools.cache
def pg_admin_url() -> tuple[str | None, str]:
    """A working superuser URL for the local PostgreSQL (user postgres, else root), or None and why."""
    reasons = []
    for user in ("postgres", "root"):
        url = PG_BASE.format(user=user)
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return url, ""
        except OperationalError as e:
            reasons.append(f"{user}: {str(e.orig).strip().splitlines()[0] if e.orig else e}")
        finally:
            engine.dispose()
    return None, "PostgreSQL at 127.0.0.1:5432 (database test) is unreachable — " + "; ".join(reasons)


@contextmanager
def pg_schema(admin_url: str) -> Iterator[str]:
    """A freshly created schema for one test; yields a store URL whose search_path is that schema."""
    name = f"tickets_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        yield f"{admin_url}?options=-csearch_path%3D{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()
