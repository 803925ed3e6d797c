"""Which stored rollups may be read: built from the warehouse as it is now, from today's definition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from metrics.catalog.types import Catalog
from metrics.compiler.route import Available
from metrics.rollups.sql import fingerprint
from metrics.rollups.store import Stamp

State = str  # fresh | stale: warehouse changed | stale: definition changed | missing


@dataclass(frozen=True)
class Fingerprints:
    """The fingerprint of each catalog rollup, computed once per catalog."""

    of: dict[str, str]

    @classmethod
    def of_catalog(cls, catalog: Catalog) -> Fingerprints:
        return cls({r.id: fingerprint(catalog, r) for r in catalog.rollups.values()})


def state(rollup_id: str, prints: Fingerprints, stamps: Mapping[str, Stamp], source: str) -> State:
    stamp = stamps.get(rollup_id)
    if stamp is None:
        return "missing"
    if stamp.fingerprint != prints.of.get(rollup_id):
        return "stale: definition changed"
    if not source or stamp.source != source:
        return "stale: warehouse changed since it was built"
    return "fresh"


def available(prints: Fingerprints, stamps: Mapping[str, Stamp], source: str) -> Available:
    """The fresh rollups (with their sizes) and the stale ones, for the compiler to route with."""
    fresh: dict[str, int] = {}
    stale: dict[str, int] = {}
    for rid in prints.of:
        s = state(rid, prints, stamps, source)
        if s == "fresh":
            fresh[rid] = stamps[rid].rows
        elif s != "missing":
            stale[rid] = stamps[rid].rows
    return Available(fresh, stale)
