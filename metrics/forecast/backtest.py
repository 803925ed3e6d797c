"""Backtest: replay past as-of dates with only the data known then, compare with what happened.

Forecast accuracy is scored per series on the horizon days whose demand was observed (the day
ended with stock left; on a sold-out day sales understate demand, for every method alike):

* RMSSE — root mean squared error scaled by the in-sample one-step seasonal-naive (lag 7) RMS
  error; the headline, because the forecasts are means (the stock projection sums them) and
  squared error is what a mean minimises (as in the M5 competition);
* MASE — the same with absolute errors, reported too (it rewards median forecasts, which are 0
  for intermittent series).

Each is the mean over series, against two baselines computed in the same run on the same days:
seasonal naive (the last week repeated) and simple exponential smoothing (statsforecast's
optimised SES), both on the raw sales. Stockouts: a series "stocks out within the horizon" when
its available stock is ≤ 0 at the end of some horizon day; predicted when its point projection
reaches ≤ 0 within the horizon (and, reported beside it, when the simulated probability ≥ 0.5).
The same calls are scored on the series selling ≥ 1 unit a day (mean sales over the 28 days up to
the as-of date). When the warehouse has a truth file (``opsbot demo-data --truth``), an *oracle*
makes the same calls from the true demand rates and arrivals (``oracle``), and a second one from
the true rates with the open orders as the model knows them (``oracle.known_arrivals``); the
model's F1 is reported as a share of each.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from metrics.forecast import engine, history, oracle

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
SEASON = 7
FAST_WINDOW = 28  # days of sales that decide whether a series sells ≥ 1 unit a day
ORACLES = {
    "full": "point projection on the true rates and arrivals",
    "known_arrivals": "point projection on the true rates, open orders as the model knows them",
}


@dataclass(frozen=True)
class Scores:
    rmsse: float
    mase: float


@dataclass(frozen=True)
class Confusion:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def __add__(self, other: Confusion) -> Confusion:
        return Confusion(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    @staticmethod
    def of(predicted: Bools, actual: Bools) -> Confusion:
        return Confusion(
            int((predicted & actual).sum()),
            int((predicted & ~actual).sum()),
            int((~predicted & actual).sum()),
            int((~predicted & ~actual).sum()),
        )

    def summary(self) -> dict[str, float | int]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


def default_dates(last_day: dt.date, horizon: int, count: int = 8, step: int = 7) -> list[dt.date]:
    """``count`` as-of dates ``step`` days apart, the last one leaving a full horizon of data."""
    end = last_day - dt.timedelta(days=horizon)
    return [end - dt.timedelta(days=step * i) for i in reversed(range(count))]


def dates_between(first: dt.date, last: dt.date, step: int = 7) -> list[dt.date]:
    out, day = [], first
    while day <= last:
        out.append(day)
        day += dt.timedelta(days=step)
    return out


def _scaled_errors(
    actual: Floats, observed: Bools, forecasts: dict[str, Floats], sales_history: Floats
) -> dict[str, tuple[Floats, Floats]]:
    """Per-series (RMSSE, MASE) of each method on the observed horizon days (NaN = not scored)."""
    diffs = sales_history[:, SEASON:] - sales_history[:, :-SEASON]
    scale_sq = np.mean(diffs**2, axis=1)
    scale_abs = np.mean(np.abs(diffs), axis=1)
    n = observed.sum(axis=1)
    ok = (n > 0) & (scale_sq > 0) & (scale_abs > 0)
    out = {}
    for name, f in forecasts.items():
        err = np.where(observed, f - actual, 0.0)
        mse = (err**2).sum(axis=1) / np.maximum(n, 1)
        mae = np.abs(err).sum(axis=1) / np.maximum(n, 1)
        rmsse = np.where(ok, np.sqrt(mse / np.where(ok, scale_sq, 1.0)), np.nan)
        mase = np.where(ok, mae / np.where(ok, scale_abs, 1.0), np.nan)
        out[name] = (rmsse, mase)
    return out


def _ses(sales: Floats, horizon: int) -> Floats:
    from statsforecast import StatsForecast
    from statsforecast.models import SimpleExponentialSmoothingOptimized

    n, days = sales.shape
    df = pd.DataFrame(
        {"unique_id": np.repeat(np.arange(n), days), "ds": np.tile(np.arange(days), n), "y": sales.ravel()}
    )
    sf = StatsForecast(models=[SimpleExponentialSmoothingOptimized()], freq=1, n_jobs=2 if n > 500 else 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = sf.forecast(df=df, h=horizon).sort_values(["unique_id", "ds"])
    return np.asarray(out["SESOpt"].to_numpy(dtype=np.float64).reshape(n, horizon), dtype=np.float64)


def _seasonal_naive(sales: Floats, horizon: int) -> Floats:
    last_week = sales[:, -SEASON:]
    return np.asarray(np.tile(last_week, (1, horizon // SEASON + 1))[:, :horizon], dtype=np.float64)


def backtest(
    con: duckdb.DuckDBPyConnection,
    as_of_dates: Sequence[dt.date],
    horizon: int = 7,
    progress: Callable[[str, float], None] | None = None,
    truth: Path | None = None,
) -> dict[str, Any]:
    """Scores over ``as_of_dates``; with ``truth`` (a truth file), the oracle's too."""
    if not 1 <= horizon <= engine.HORIZON:
        raise ValueError(f"horizon must be 1…{engine.HORIZON}")
    say = progress or (lambda _s, _f: None)
    errors: dict[str, list[Floats]] = {"model": [], "seasonal_naive": [], "ses": []}
    abs_errors: dict[str, list[Floats]] = {"model": [], "seasonal_naive": [], "ses": []}
    point, prob, point_in_stock = Confusion(), Confusion(), Confusion()
    fast_point, fast_prob = Confusion(), Confusion()
    oracle_calls: dict[str, dict[str, Confusion]] = {
        name: {k: Confusion() for k in ("point", "prob", "fast_point", "fast_prob")} for name in ORACLES
    }
    if truth is not None:
        oracle.attach(con, truth)
    per_date = []
    for i, as_of in enumerate(as_of_dates):
        base = i / len(as_of_dates)

        def step(stage: str, fraction: float, day: dt.date = as_of, start: float = base) -> None:
            say(f"{day}: {stage}", start + fraction / len(as_of_dates))

        run = engine.run(con, as_of, step)
        h = run.history
        sales, available = history.actuals(con, as_of, horizon, h.size)
        observed = np.nan_to_num(available, nan=0.0) > 0
        forecasts = {
            "model": run.forecast.mean[:, :horizon],
            "seasonal_naive": _seasonal_naive(h.sales, horizon),
            "ses": _ses(h.sales, horizon),
        }
        scored = _scaled_errors(sales, observed, forecasts, h.sales)
        for name, (rmsse, mase) in scored.items():
            errors[name].append(rmsse)
            abs_errors[name].append(mase)
        actual_out: Bools = np.asarray((np.nan_to_num(available, nan=np.inf) <= 0).any(axis=1), dtype=bool)
        predicted = (run.series.projected.stockout_day > 0) & (run.series.projected.stockout_day <= horizon)
        in_stock = run.series.available_now > 0
        point = point + Confusion.of(predicted, actual_out)
        point_in_stock = point_in_stock + Confusion.of(predicted[in_stock], actual_out[in_stock])
        by_probability = run.series.probability[:, horizon - 1] >= 0.5
        prob = prob + Confusion.of(by_probability, actual_out)
        fast = h.sales[:, -FAST_WINDOW:].mean(axis=1) >= 1.0
        fast_point = fast_point + Confusion.of(predicted[fast], actual_out[fast])
        fast_prob = fast_prob + Confusion.of(by_probability[fast], actual_out[fast])
        if truth is not None:
            step("oracle", 0.95)
            both = oracle.calls(con, h, horizon, run.sku_of_series, len(run.skus))
            for name, c in (("full", both.full), ("known_arrivals", both.known_arrivals)):
                tally = oracle_calls[name]
                for key, calls, rows in (
                    ("point", c.point, slice(None)),
                    ("prob", c.probability, slice(None)),
                    ("fast_point", c.point, fast),
                    ("fast_prob", c.probability, fast),
                ):
                    tally[key] = tally[key] + Confusion.of(calls[rows], actual_out[rows])
        per_date.append(
            {
                "as_of": as_of.isoformat(),
                "series": h.size,
                "stockouts": int(actual_out.sum()),
                **{k: round(float(np.nanmean(v[0])), 4) for k, v in scored.items()},
            }
        )

    def mean(parts: list[Floats]) -> float:
        return round(float(np.nanmean(np.concatenate(parts))), 4)

    scored_series = int(np.isfinite(np.concatenate(errors["model"])).sum())
    result: dict[str, Any] = {
        "forecast": {
            **{k: mean(v) for k, v in errors.items()},
            "metric": "RMSSE",
            "mase": {k: mean(v) for k, v in abs_errors.items()},
            "scored_series": scored_series,
        },
        "stockout": {
            **point.summary(),
            "horizon_days": horizon,
            "predictor": "point projection",
            "in_stock_at_as_of": point_in_stock.summary(),
            "probability_ge_0_5": prob.summary(),
            "selling_ge_1_per_day": {**fast_point.summary(), "probability_ge_0_5": fast_prob.summary()},
        },
        "as_of_dates": [d.isoformat() for d in as_of_dates],
        "per_date": per_date,
    }
    if truth is not None:
        model = {"point": point, "prob": prob, "fast_point": fast_point, "fast_prob": fast_prob}
        result["oracle"] = {
            **_oracle_summary(model, oracle_calls["full"], ORACLES["full"]),
            "known_arrivals": _oracle_summary(model, oracle_calls["known_arrivals"], ORACLES["known_arrivals"]),
        }
    return result


def _share(model: Confusion, best: Confusion) -> float | None:
    """The model's F1 as a fraction of the oracle's (None when the oracle's is 0)."""
    m, o = model.summary()["f1"], best.summary()["f1"]
    return round(m / o, 4) if o else None


def _oracle_summary(model: dict[str, Confusion], o: dict[str, Confusion], predictor: str) -> dict[str, Any]:
    return {
        **o["point"].summary(),
        "predictor": predictor,
        "model_f1_share": _share(model["point"], o["point"]),
        "probability_ge_0_5": {**o["prob"].summary(), "model_f1_share": _share(model["prob"], o["prob"])},
        "selling_ge_1_per_day": {
            **o["fast_point"].summary(),
            "model_f1_share": _share(model["fast_point"], o["fast_point"]),
            "probability_ge_0_5": {
                **o["fast_prob"].summary(),
                "model_f1_share": _share(model["fast_prob"], o["fast_prob"]),
            },
        },
    }
