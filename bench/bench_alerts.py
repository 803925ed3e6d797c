"""Alert benchmark at scale 1: the whole demo rule pack over every SKU × warehouse (target < 5 s),
and the ratio against evaluating the same rules one entity at a time (measured on a sample of
entities in the same run, extrapolated to all of them)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alerts.evaluate import evaluate
from alerts.rules.load import default_rules_dir, load_rules
from alerts.rules.model import Rule
from alerts.tickets.service import TicketService
from alerts.tickets.store import open_store
from bench.common import END, bench_warehouse
from metrics.catalog.load import load_catalog
from metrics.forecast.refresh import ensure
from metrics.service import SemanticLayer
from metrics.warehouse import Warehouse

SAMPLE = 150


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def one_entity(rule: Rule, entity: dict[str, str]) -> Rule:
    filters = rule.scope.filters + tuple((k, (v,)) for k, v in entity.items())
    return dataclasses.replace(rule, scope=dataclasses.replace(rule.scope, filters=filters))


def main() -> None:
    db = bench_warehouse()
    ensure(db, END)
    catalog = load_catalog()
    layer = SemanticLayer(catalog, Warehouse(db))
    rules = [r for r in load_rules(default_rules_dir(), catalog) if r.enabled]
    evaluate(rules[0], layer, END, now())  # warm caches (catalog values, connection)
    started = time.perf_counter()
    evaluations = {r.id: evaluate(r, layer, END, now()) for r in rules}
    total = time.perf_counter() - started
    firing = sum(len(e.findings) for e in evaluations.values())
    statements = sum(len(e.sql) for e in evaluations.values())
    ok = "ok" if total < 5 else "MISS"
    print(
        f"demo pack: {len(rules)} rules, {statements} statements, {firing} firing, evaluated in {total:.2f} s (target < 5 s) {ok}"
    )
    for r in rules:
        e = evaluations[r.id]
        print(f"  {r.id:<34} {len(e.findings):>4} firing  {len(e.sql)} stmt  {e.elapsed_ms:7.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        service = TicketService(open_store(f"sqlite:///{tmp}/state.sqlite"), clock=now)
        started = time.perf_counter()
        for r in rules:
            service.apply(r, evaluations[r.id], "bench")
        print(f"applied to a fresh SQLite ticket store in {time.perf_counter() - started:.2f} s")

    series = layer.warehouse.query(
        "SELECT sku_id, warehouse_id FROM fact_inventory_daily WHERE snapshot_date = $d", {"d": END}, row_cap=10**6
    ).rows
    sku_rules = [r for r in rules if r.scope.dimensions == ("sku", "warehouse")]
    sample = random.Random(7).sample(series, SAMPLE)
    for r in sku_rules:
        set_based = evaluations[r.id].elapsed_ms / 1000
        started = time.perf_counter()
        for sku, wh in sample:
            evaluate(one_entity(r, {"sku": sku, "warehouse": wh}), layer, END, now())
        per_entity = (time.perf_counter() - started) / SAMPLE
        everyone = per_entity * len(series)
        print(
            f"{r.id}: set-based {set_based:.2f} s for {len(series):,} SKU × warehouse; one query per entity "
            f"{per_entity * 1000:.1f} ms each → {everyone:.0f} s for all (ratio {everyone / set_based:.0f}×, "
            f"sampled {SAMPLE})"
        )


if __name__ == "__main__":
    main()
