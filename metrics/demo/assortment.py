"""The SKU assortment: dim_sku attributes plus the hidden demand parameters of each SKU.

Modelling choices:

* about 2,000 SKUs at scale 1 (fewer below scale 1: ``max(60, round(2000·√scale))``), split over
  the five categories by assortment share, with several brands per category (skewed shares);
* list prices are log-normal around a category median with shop-style endings (59.9, 129);
  unit cost gives a category-typical gross margin at list price (36–72%);
* popularity is heavy-tailed (log-normal, σ≈1.6, cheaper goods sell more): a few bestsellers and a
  long tail of slow, intermittent sellers; each SKU has its own trend (some grow, some fade) and
  over-dispersion (gamma shape of its negative-binomial demand);
* ~87% of SKUs launched before the period, the rest launch during it (ids follow launch order);
  ~5% (mostly fading ones) are delisted during the period;
* lead time 3–14 days for domestic goods, 18–30 days for imported ones;
* each SKU's demand splits over warehouses like the provinces' weights, with SKU-level noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from metrics.demo import names, reference
from metrics.demo.rng import stream

NEVER = 1_000_000  # day index of "never" (delisting)
NEW_SHARE = 0.13
DELIST_SHARE = 0.05


@dataclass(frozen=True)
class Assortment:
    """All SKUs; day indices are relative to the first day of the data (day 0)."""

    category: NDArray[np.int64]  # index into reference.CATEGORIES
    brand: list[str]
    name_zh: list[str]
    name_en: list[str]
    price_cents: NDArray[np.int64]
    cost_cents: NDArray[np.int64]
    launch: NDArray[np.int64]  # first day it can sell
    delist: NDArray[np.int64]  # first day without replenishment (NEVER if not delisted)
    lead_time: NDArray[np.int64]
    popularity: NDArray[np.float64]  # long-run relative demand weight
    trend: NDArray[np.float64]  # log growth per year relative to the assortment
    dispersion: NDArray[np.float64]  # gamma shape of the demand mixing (lower = burstier)
    warehouse_mix: NDArray[np.float64]  # (skus, warehouses), rows sum to 1

    @property
    def size(self) -> int:
        """Number of SKUs."""
        return len(self.category)


def sku_count(scale: float) -> int:
    """Number of SKUs for a scale: 2,000 from scale 1 up, fewer (but ≥ 60) below."""
    return 2000 if scale >= 1.0 else max(60, round(2000 * scale**0.5))


def _category_counts(n: int) -> NDArray[np.int64]:
    """SKUs per category by assortment share (largest remainder)."""
    shares = np.array([c.assortment_share for c in reference.CATEGORIES])
    raw = shares / shares.sum() * n
    counts = np.floor(raw).astype(np.int64)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - int(counts.sum())]] += 1
    return np.asarray(counts, dtype=np.int64)


def _prices(category: NDArray[np.int64], rng: np.random.Generator) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(list price, unit cost) in cents."""
    median = np.array([c.median_price for c in reference.CATEGORIES])[category]
    raw = np.clip(median * rng.lognormal(0.0, 0.55, len(category)), 9.0, 1299.0)
    pretty = np.where(raw < 100, np.floor(raw) + 0.9, np.round(raw / 10) * 10 - 1)
    price_cents = np.round(pretty * 100).astype(np.int64)
    lo = np.array([c.margin_range[0] for c in reference.CATEGORIES])[category]
    hi = np.array([c.margin_range[1] for c in reference.CATEGORIES])[category]
    margin = rng.uniform(lo, hi)
    cost_cents = np.round(price_cents * (1 - margin)).astype(np.int64)
    return price_cents, np.maximum(cost_cents, 1)


def _launch_and_delist(
    n: int, days: int, trend: NDArray[np.float64], rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Launch day (negative = before the period) and delisting day of each SKU, unsorted."""
    is_new = rng.random(n) < NEW_SHARE
    launch = np.where(is_new, rng.integers(0, max(1, days - 3), n), -rng.integers(90, 2000, n))
    fading = np.argsort(trend + rng.normal(0, 0.15, n), kind="stable")
    candidates = fading[~is_new[fading]][: max(1, round(DELIST_SHARE * n))]
    delist = np.full(n, NEVER, dtype=np.int64)
    delist[candidates] = rng.integers(min(30, days // 3), max(days // 3 + 1, days - 20), len(candidates))
    return launch.astype(np.int64), delist


def _lead_times(category: NDArray[np.int64], rng: np.random.Generator) -> NDArray[np.int64]:
    """Usual purchase-order lead time in days (imported goods 18–30, domestic 3–14)."""
    imported_share = np.array([c.imported_share for c in reference.CATEGORIES])[category]
    imported = rng.random(len(category)) < imported_share
    domestic = np.round(rng.triangular(3, 7, 14, len(category)))
    return np.where(imported, rng.integers(18, 31, len(category)), domestic).astype(np.int64)


def _brands(category: NDArray[np.int64], rng: np.random.Generator) -> list[str]:
    """A brand per SKU, drawn with skewed shares within its category."""
    out: list[str] = []
    picks: dict[int, NDArray[np.int64]] = {}
    for ci, cat in enumerate(reference.CATEGORIES):
        options = reference.BRANDS[cat.category_id]
        w = 1.0 / np.arange(1, len(options) + 1) ** 0.8
        picks[ci] = rng.choice(len(options), size=int((category == ci).sum()), p=w / w.sum())
    seen = dict.fromkeys(picks, 0)
    for ci in category.tolist():
        out.append(reference.BRANDS[reference.CATEGORIES[ci].category_id][int(picks[ci][seen[ci]])])
        seen[ci] += 1
    return out


def _names(category: NDArray[np.int64], rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Unique (zh, en) names in SKU order."""
    per_cat = {
        ci: iter(names.category_names(c.category_id, int((category == ci).sum()), rng))
        for ci, c in enumerate(reference.CATEGORIES)
    }
    pairs = names.make_unique([next(per_cat[ci]) for ci in category.tolist()])
    return [p[0] for p in pairs], [p[1] for p in pairs]


def build(seed: int, scale: float, days: int) -> Assortment:
    """Draw the assortment; SKU ids (row order) follow launch order."""
    rng = stream(seed, "assortment")
    n = sku_count(scale)
    category = rng.permutation(np.repeat(np.arange(len(reference.CATEGORIES)), _category_counts(n)))
    price_cents, cost_cents = _prices(category, rng)
    popularity = rng.lognormal(0.0, 1.6, n) * (price_cents / 10000.0) ** -0.4
    trend = rng.normal(0.0, 0.25, n)
    launch, delist = _launch_and_delist(n, days, trend, rng)
    trend = np.where(delist < NEVER, trend - 0.5, trend)
    mix = reference.warehouse_shares()[None, :] * rng.lognormal(0.0, 0.25, (n, reference.N_WAREHOUSES))
    order = np.argsort(launch, kind="stable")
    category = category[order]
    zh, en = _names(category, rng)
    return Assortment(
        category=category,
        brand=_brands(category, rng),
        name_zh=zh,
        name_en=en,
        price_cents=price_cents[order],
        cost_cents=cost_cents[order],
        launch=launch[order],
        delist=delist[order],
        lead_time=_lead_times(category, rng),
        popularity=popularity[order],
        trend=trend[order],
        dispersion=rng.uniform(1.5, 5.0, n),
        warehouse_mix=(mix / mix.sum(axis=1, keepdims=True))[order],
    )
