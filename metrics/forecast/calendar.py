"""The promotion calendar and its uplift, learned from history.

Chinese e-commerce promotions come back on the same calendar days every year (3.8, 618, 双11,
双12). The windows below say *when* to expect an effect; *how big* it is, day by day and per
category, is measured on the warehouse's own history:

    uplift(category, day) = units(category, day) / baseline(category, day)

where the baseline is the weekday-adjusted median of the ordinary (non-window) days within
±``BASELINE_DAYS`` of that day — or, where fewer than ``MIN_BASELINE`` are (a window near the start
of the data), of the ``MIN_BASELINE`` ordinary days nearest to it, so that a window the data only
just covers is still measured instead of being taken as no promotion at all. History is divided
by the measured uplift before a model sees it; future days in a window are multiplied by the
uplift measured on the same calendar day one year earlier (1.0 when that day is not in the data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

# (first month, first day, last month, last day) of each promotion window, pre-heat and slump included
WINDOWS: tuple[tuple[int, int, int, int], ...] = (
    (3, 1, 3, 9),  # 3.8 女王节
    (5, 25, 6, 23),  # 618
    (10, 20, 11, 26),  # 双11, pre-sale to post-promotion slump
    (12, 1, 12, 16),  # 双12
)
BASELINE_DAYS = 45
MIN_BASELINE = 10  # ordinary days a baseline needs
MIN_UPLIFT, MAX_UPLIFT = 0.3, 12.0


def in_window(dates: NDArray[np.datetime64]) -> NDArray[np.bool_]:
    """True for days inside a promotion window."""
    month_start = dates.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    mday = (dates - month_start).astype(np.int64) + 1
    key = month * 100 + mday
    hit = np.zeros(len(dates), dtype=bool)
    for m1, d1, m2, d2 in WINDOWS:
        hit |= (key >= m1 * 100 + d1) & (key <= m2 * 100 + d2)
    return hit


def weekday_of(dates: NDArray[np.datetime64]) -> NDArray[np.int64]:
    """Monday = 0 … Sunday = 6."""
    return np.asarray((dates.astype(np.int64) + 3) % 7, dtype=np.int64)


@dataclass(frozen=True)
class Uplift:
    """Measured multipliers per category and day of ``dates`` (history), 1.0 outside windows."""

    dates: NDArray[np.datetime64]
    history: Floats  # (categories, days) measured uplift on each history day
    weekday: Floats  # (categories, 7) weekday factors, mean 1

    def at(self, days: NDArray[np.datetime64]) -> Floats:
        """(categories, len(days)) uplift on the given days: measured when in history, else the
        same calendar day a year earlier (364 days back keeps the weekday; 365 keeps the date)."""
        out = np.ones((self.history.shape[0], len(days)))
        index = {d: i for i, d in enumerate(self.dates.astype("datetime64[D]").tolist())}
        windowed = in_window(days)
        for j, day in enumerate(days.astype("datetime64[D]").tolist()):
            if not windowed[j]:
                continue
            i = index.get(day)
            if i is None:
                i = index.get(_year_before(day))
            if i is not None:
                out[:, j] = self.history[:, i]
        return out


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day - dt.timedelta(days=365)


def learn(dates: NDArray[np.datetime64], units: Floats) -> Uplift:
    """Measure weekday factors and promotion uplift from national daily units per category.

    ``units`` has shape (categories, days) over consecutive ``dates``."""
    cats, n = units.shape
    windowed = in_window(dates)
    weekday = weekday_of(dates)
    ordinary = ~windowed & (units.sum(axis=0) > 0)
    # weekday factors: each ordinary day against its centred 7-day mean
    kernel = np.ones(7) / 7
    factors = np.ones((cats, 7))
    for c in range(cats):
        smooth = np.convolve(units[c], kernel, mode="same")
        ok = ordinary & (smooth > 0)
        ok[:3] = ok[-3:] = False
        for w in range(7):
            sel = ok & (weekday == w)
            if sel.sum() >= 4:
                factors[c, w] = float(np.median(units[c, sel] / smooth[sel]))
        factors[c] /= factors[c].mean()
    adjusted = units / factors[:, weekday]
    history = np.ones((cats, n))
    ordinary_days = np.flatnonzero(ordinary)
    if len(ordinary_days) < MIN_BASELINE:
        return Uplift(dates=dates, history=history, weekday=factors)
    for j in np.flatnonzero(windowed).tolist():
        near = ordinary_days[np.abs(ordinary_days - j) <= BASELINE_DAYS]
        if len(near) < MIN_BASELINE:  # near the edge of the data: the nearest ordinary days instead
            near = ordinary_days[np.argsort(np.abs(ordinary_days - j), kind="stable")[:MIN_BASELINE]]
        base = np.median(adjusted[:, near], axis=1)
        ratio = np.where(base > 0, adjusted[:, j] / np.maximum(base, 1e-9), 1.0)
        history[:, j] = np.clip(ratio, MIN_UPLIFT, MAX_UPLIFT)
    return Uplift(dates=dates, history=history, weekday=factors)
