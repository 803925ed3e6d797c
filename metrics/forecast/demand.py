"""Daily demand forecasts per series: unconstrained history, demand classes, statsforecast models.

1. **Censoring.** A day that ended with no available stock (or with no inventory row) only tells
   that demand was *at least* the units sold. Such days are replaced by the series' recent
   level (trailing 28 observed days, shaped by the category's weekday profile), never lowered.
2. **Promotions.** History is divided by the promotion uplift measured on the same day
   (``calendar``); forecasts are multiplied by the uplift of the same calendar day last year.
3. **Demand class** (Syntetos–Boylan, on the observed days): ADI = days / days with demand,
   CV² of the non-zero demands. smooth (ADI < 1.32, CV² < 0.49) and erratic (ADI < 1.32) →
   AutoETS with weekly seasonality; intermittent (CV² < 0.49) → ADIDA (aggregate–disaggregate
   intermittent demand: SES on temporal aggregates; it beat Croston, SBA and IMAPA in the backtest on
   both RMSSE and MASE); lumpy → TSB;
   fewer than ``MIN_OBSERVED`` observed days → "new": the mean of what was seen.
   Intermittent models give a flat rate; the category weekday profile shapes it.
4. **Spread.** Daily demand is negative binomial around the mean forecast, with a shape ``k``
   estimated per series from its recent observed days (method of moments, clipped).
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from metrics.forecast import calendar
from metrics.forecast.history import History

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
MIN_OBSERVED = 28
LEVEL_DAYS = 28
SPREAD_DAYS = 56
ADI_CUT, CV2_CUT = 1.32, 0.49
K_MIN, K_MAX = 0.15, 60.0
RATE_SHAPE_MIN, RATE_SHAPE_MAX = 2.0, 400.0
CLASSES = ("smooth", "erratic", "intermittent", "lumpy", "new")


@dataclass(frozen=True)
class DemandForecast:
    mean: Floats  # (series, horizon) mean daily demand, as_of + 1 …
    shape: Floats  # (series,) negative-binomial shape k (variance = μ + μ²/k)
    rate_shape: Floats  # (series,) gamma shape of the uncertainty of the forecast level itself
    demand_class: Ints  # index into CLASSES
    model: tuple[str, ...]  # model name per series
    observed: NDArray[np.bool_]  # (series, days) history days not censored


def future_dates(as_of: dt.date, horizon: int) -> NDArray[np.datetime64]:
    first = np.datetime64(as_of, "D") + 1
    return np.arange(first, first + horizon)


def history_dates(h: History) -> NDArray[np.datetime64]:
    first = np.datetime64(h.start, "D")
    return np.arange(first, first + h.days)


def unconstrained(h: History, uplift: calendar.Uplift) -> tuple[Floats, NDArray[np.bool_], Floats]:
    """(deflated demand with censored days imputed, observed mask, weekday factors per day)."""
    dates = history_dates(h)
    offset = int((dates[0] - uplift.dates[0]).astype(np.int64))
    promo = uplift.history[:, offset : offset + h.days][h.category]
    weekday = uplift.weekday[h.category][:, calendar.weekday_of(dates)]
    observed = np.nan_to_num(h.available, nan=0.0) > 0
    z = h.sales / promo
    level = _trailing_level(z / weekday, observed)
    filled = np.where(observed, z, np.maximum(z, level * weekday))
    return filled, observed, weekday


def _trailing_level(x: Floats, observed: NDArray[np.bool_]) -> Floats:
    """Mean of the observed values over the trailing LEVEL_DAYS (whole-history mean where none)."""
    vals = np.where(observed, x, 0.0)
    cs = np.cumsum(np.pad(vals, ((0, 0), (1, 0))), axis=1)
    cn = np.cumsum(np.pad(observed.astype(np.float64), ((0, 0), (1, 0))), axis=1)
    lo = np.maximum(np.arange(x.shape[1]) + 1 - LEVEL_DAYS, 0)
    hi = np.arange(x.shape[1]) + 1
    s, n = cs[:, hi] - cs[:, lo], cn[:, hi] - cn[:, lo]
    overall = vals.sum(axis=1) / np.maximum(observed.sum(axis=1), 1)
    return np.asarray(np.where(n > 0, s / np.maximum(n, 1), overall[:, None]), dtype=np.float64)


def classify(z: Floats, observed: NDArray[np.bool_]) -> Ints:
    n_obs = observed.sum(axis=1)
    nonzero = observed & (z > 0)
    n_nz = nonzero.sum(axis=1)
    adi = n_obs / np.maximum(n_nz, 1)
    nz_vals = np.where(nonzero, z, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        cv2 = np.nan_to_num((np.nanstd(nz_vals, axis=1) / np.nanmean(nz_vals, axis=1)) ** 2)
    cls = np.where(
        adi < ADI_CUT,
        np.where(cv2 < CV2_CUT, 0, 1),
        np.where(cv2 < CV2_CUT, 2, 3),
    )
    return np.asarray(np.where((n_obs < MIN_OBSERVED) | (n_nz < 2), 4, cls), dtype=np.int64)


def _first_index(h: History) -> Ints:
    stocked = ~np.isnan(h.available)
    return np.asarray(np.where(stocked.any(axis=1), stocked.argmax(axis=1), h.days - 1), dtype=np.int64)


def _fit(models: list[object], rows: Ints, y: Floats, first: Ints, horizon: int, fallback: object) -> Floats:
    """Run statsforecast on the given rows of y (each from its first stocked day); (rows, horizon)."""
    from statsforecast import StatsForecast  # heavy import, only when fitting

    if len(rows) == 0:
        return np.zeros((0, horizon))
    lengths = y.shape[1] - first[rows]
    ids = np.repeat(np.arange(len(rows)), lengths)
    ds = np.concatenate([np.arange(first[r], y.shape[1]) for r in rows])
    values = np.concatenate([y[r, first[r] :] for r in rows])
    df = pd.DataFrame({"unique_id": ids, "ds": ds, "y": values})
    jobs = max(1, min(2, os.cpu_count() or 1)) if len(rows) > 500 else 1
    sf = StatsForecast(models=models, freq=1, n_jobs=jobs, fallback_model=fallback)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = sf.forecast(df=df, h=horizon)
    col = next(c for c in out.columns if c not in ("unique_id", "ds"))
    out = out.sort_values(["unique_id", "ds"])
    values = out[col].to_numpy(dtype=np.float64).reshape(len(rows), horizon)
    return np.asarray(np.clip(values, 0.0, None), dtype=np.float64)


def _shape(z: Floats, observed: NDArray[np.bool_], weekday: Floats, sku: Ints) -> Floats:
    """Negative-binomial shape k per SKU, shared by its warehouses (method of moments, pooled).

    Under the model every warehouse of a SKU has variance μ_w + μ_w²/k with the SKU's k, so
    k = Σ μ_w² / Σ (σ_w² − μ_w) over its warehouses: slow series alone cannot show their bursts,
    their SKU's busier warehouses can."""
    x, obs = z[:, -SPREAD_DAYS:] / weekday[:, -SPREAD_DAYS:], observed[:, -SPREAD_DAYS:]
    n = np.maximum(obs.sum(axis=1), 1)
    m = np.where(obs, x, 0.0).sum(axis=1) / n
    v = np.where(obs, (x - m[:, None]) ** 2, 0.0).sum(axis=1) / np.maximum(n - 1, 1)
    groups = int(sku.max()) + 1 if len(sku) else 0
    m2 = np.bincount(sku, weights=m**2, minlength=groups)
    excess = np.bincount(sku, weights=v - m, minlength=groups)
    k = np.where(excess > 1e-9, m2 / np.maximum(excess, 1e-9), K_MAX)
    return np.asarray(np.clip(k, K_MIN, K_MAX)[sku], dtype=np.float64)


def _rate_shape(z: Floats, observed: NDArray[np.bool_]) -> Floats:
    """How sure the level is: a rate seen through n demand events is known to about 1/√n, like a
    gamma posterior of shape n; it moves all future days together."""
    events = (observed[:, -SPREAD_DAYS:] & (z[:, -SPREAD_DAYS:] > 0)).sum(axis=1)
    return np.asarray(np.clip(events, RATE_SHAPE_MIN, RATE_SHAPE_MAX), dtype=np.float64)


def forecast(h: History, horizon: int) -> DemandForecast:
    """Mean daily demand for as_of + 1 … as_of + horizon for every series."""
    from statsforecast.models import ADIDA, TSB, AutoETS, CrostonSBA, SeasonalNaive

    uplift = calendar.learn(h.national_dates, h.national_units)
    z, observed, weekday = unconstrained(h, uplift)
    cls = classify(z, observed)
    first = _first_index(h)
    future = future_dates(h.as_of, horizon)
    promo = uplift.at(future)[h.category]
    future_weekday = uplift.weekday[h.category][:, calendar.weekday_of(future)]
    base = np.zeros((h.size, horizon))
    names = np.array(["new"] * h.size, dtype=object)

    ets = np.flatnonzero(cls <= 1)
    base[ets] = _fit([AutoETS(season_length=7, model="ANA")], ets, z, first, horizon, SeasonalNaive(7))
    names[ets] = "AutoETS(A,N,A)"
    flat = z / weekday
    sparse = np.flatnonzero(cls == 2)
    base[sparse] = _fit([ADIDA()], sparse, flat, first, horizon, CrostonSBA()) * future_weekday[sparse]
    names[sparse] = "ADIDA"
    tsb = np.flatnonzero(cls == 3)
    base[tsb] = _fit([TSB(alpha_d=0.1, alpha_p=0.1)], tsb, flat, first, horizon, CrostonSBA()) * future_weekday[tsb]
    names[tsb] = "TSB(0.1,0.1)"
    new = np.flatnonzero(cls == 4)
    recent = _trailing_level(flat[new], observed[new])[:, -1]  # launches ramp up: the latest level
    base[new] = recent[:, None] * future_weekday[new]
    return DemandForecast(
        mean=base * promo,
        shape=_shape(z, observed, weekday, np.unique(np.array(h.sku), return_inverse=True)[1].astype(np.int64)),
        rate_shape=_rate_shape(z, observed),
        demand_class=cls,
        model=tuple(str(n) for n in names),
        observed=observed,
    )
