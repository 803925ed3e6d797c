"""The demand calendar: growth, weekly rhythm, yearly seasonality, promotions and holidays.

All functions take numpy ``datetime64[D]`` arrays and return one multiplier per day. The expected
national demand of a day is ``growth × weekly × yearly × promotion × spring festival``; categories
reshape the mix on top of it (beauty leans harder into promotions, apparel peaks in winter, food
in the 年货节 weeks before the Spring Festival, personal care in summer).

Promotions follow the Chinese e-commerce calendar: 3.8 (women's day), 618 (pre-heat from May 25,
a ramp over June 1–18 peaking on the 18th), 双11 (pre-sale ramp from October 20, a first peak on
November 1, the big one on November 11, then a post-promotion slump), 双12 (December 1–12,
peaking on the 12th). Around the Spring Festival volumes collapse for about two weeks and
warehouses ship slowly. Peak days also see a midnight buying rush and slower shipping.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Days = NDArray[np.datetime64]
Floats = NDArray[np.float64]

# Spring Festival (lunar new year's day) dates; years outside this list simply have no dip.
_SPRING_FESTIVAL = np.array(
    [
        "2018-02-16",
        "2019-02-05",
        "2020-01-25",
        "2021-02-12",
        "2022-02-01",
        "2023-01-22",
        "2024-02-10",
        "2025-01-29",
        "2026-02-17",
        "2027-02-06",
        "2028-01-26",
        "2029-02-13",
        "2030-02-03",
        "2031-01-23",
        "2032-02-11",
        "2033-01-31",
        "2034-02-19",
        "2035-02-08",
    ],
    dtype="datetime64[D]",
)
_WEEKDAY = np.array([0.93, 0.94, 0.95, 0.97, 1.01, 1.12, 1.08])  # Monday … Sunday
ANNUAL_GROWTH = 1.25
_HOURLY = np.array(
    [
        3.0,
        1.5,
        0.8,
        0.4,
        0.3,
        0.3,
        0.6,
        1.4,
        2.5,
        3.5,
        4.4,
        4.6,
        4.8,
        4.4,
        4.3,
        4.4,
        4.5,
        4.3,
        4.5,
        5.4,
        6.5,
        7.2,
        6.4,
        4.6,
    ]
)


def parts(dates: Days) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """(month 1–12, day of month 1–31, weekday Monday=0, day of year 0–365) of each date."""
    month_start = dates.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    mday = (dates - month_start).astype(np.int64) + 1
    weekday = (dates.astype(np.int64) + 3) % 7
    doy = (dates - dates.astype("datetime64[Y]")).astype(np.int64)
    return month, mday, weekday, doy


def _promotion_table() -> Floats:
    """Promotion multiplier by (month, day of month)."""
    t = np.ones((13, 32))
    t[3, 1:8] = 1.08
    t[3, 8] = 1.45
    t[5, 25:32] = 1.08
    t[6, 1] = 2.0
    t[6, 2:18] = np.linspace(1.25, 2.0, 16)
    t[6, 18] = 3.8
    t[6, 19:23] = 0.88
    t[10, 20:32] = np.linspace(1.15, 1.55, 12)
    t[11, 1] = 3.6
    t[11, 2:10] = np.linspace(1.6, 1.35, 8)
    t[11, 10] = 1.9
    t[11, 11] = 6.0
    t[11, 12] = 1.5
    t[11, 13] = 1.15
    t[11, 14:26] = 0.85
    t[12, 1:12] = np.linspace(1.12, 1.35, 11)
    t[12, 12] = 2.6
    t[12, 13:16] = 0.92
    return t


_PROMO = _promotion_table()


def promotion(dates: Days) -> Floats:
    """Multiplier of national promotions (1.0 on ordinary days)."""
    month, mday, _, _ = parts(dates)
    return np.asarray(_PROMO[month, mday], dtype=np.float64)


def spring_festival_offset(dates: Days) -> NDArray[np.int64]:
    """Days from the nearest Spring Festival (negative before it)."""
    diff = dates[:, None].astype(np.int64) - _SPRING_FESTIVAL[None, :].astype(np.int64)
    nearest = np.argmin(np.abs(diff), axis=1)
    return np.asarray(diff[np.arange(len(dates)), nearest], dtype=np.int64)


def spring_festival(dates: Days) -> Floats:
    """Demand multiplier of the Spring Festival: a pre-holiday bump, then a two-week collapse."""
    off = spring_festival_offset(dates)
    xp = np.array([-26, -25, -8, -7, -3, -2, 4, 5, 10, 11, 15, 16])
    fp = np.array([1.0, 1.05, 1.05, 0.9, 0.6, 0.45, 0.45, 0.6, 0.85, 0.9, 0.9, 1.0])
    return np.asarray(np.interp(off, xp, fp, left=1.0, right=1.0), dtype=np.float64)


def growth(dates: Days, origin: np.datetime64) -> Floats:
    """Compound growth of ANNUAL_GROWTH a year, 1.0 at ``origin``."""
    years = (dates - origin).astype(np.float64) / 365.25
    return np.asarray(ANNUAL_GROWTH**years, dtype=np.float64)


def national(dates: Days, origin: np.datetime64) -> Floats:
    """Expected national demand multiplier (before normalisation)."""
    _, _, weekday, doy = parts(dates)
    yearly = 1.0 + 0.05 * np.cos(2 * np.pi * (doy - 350) / 365.0)
    multiplier = growth(dates, origin) * _WEEKDAY[weekday] * yearly * promotion(dates) * spring_festival(dates)
    return np.asarray(multiplier, dtype=np.float64)


def category_mix(dates: Days) -> Floats:
    """Per-category demand multipliers, shape (5, days), in ``reference.CATEGORIES`` order."""
    _, _, _, doy = parts(dates)
    promo = promotion(dates)
    sf = spring_festival_offset(dates)
    new_year_goods = np.where((sf >= -25) & (sf <= -8), 1.6, 1.0)
    beauty = promo**0.25
    personal_care = 1.0 + 0.12 * np.sin(2 * np.pi * (doy - 100) / 365.0)
    food = new_year_goods * promo**-0.15
    pet = np.ones(len(dates))
    apparel = (1.0 + 0.3 * np.cos(2 * np.pi * (doy - 15) / 365.0)) * promo**0.1
    return np.vstack([beauty, personal_care, food, pet, apparel])


def is_peak(dates: Days) -> NDArray[np.bool_]:
    """Promotion peak days (midnight buying rush): June 18, November 1 and 11, December 12."""
    return promotion(dates) >= 2.5


def ship_load(dates: Days) -> Floats:
    """Multiplier on order-to-ship time: backlogs on promotion peaks and over the Spring Festival."""
    promo = promotion(dates)
    sf = spring_festival_offset(dates)
    holiday = np.where((sf >= -5) & (sf <= 6), 3.0, 1.0)
    return np.asarray((1.0 + 0.35 * np.maximum(0.0, promo - 1.3)) * holiday, dtype=np.float64)


def discount_depth(dates: Days) -> Floats:
    """Extra discount multiplier on the price paid: deeper the bigger the promotion."""
    promo = promotion(dates)
    return np.asarray(np.clip(1.0 - 0.05 * (promo - 1.0), 0.75, 1.0), dtype=np.float64)


def hourly_weights(peak: bool) -> Floats:
    """Probability of each hour of the day for an order; peak days add a midnight rush."""
    w = _HOURLY.copy()
    if peak:
        w[0] *= 8.0
        w[1] *= 3.0
    return np.asarray(w / w.sum(), dtype=np.float64)
