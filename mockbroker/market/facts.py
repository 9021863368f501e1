"""The stylized facts of a return series, measured the same way on real data and on simulated data.

Used by the statistical tests (tests/market/test_realism.py), by ``tools/market_facts.py`` (the table in
docs/market-simulation.md) and by calibration's checks. Definitions (each function's docstring has the details):
- ``daily_facts``: volatility, excess kurtosis, skewness, autocorrelation of returns (lag 1) and of absolute
  returns (lags 1, 10, 50, 100), the leverage correlation (mean corr(r_t, |r_t+k|), k = 1..10), the gain/loss
  asymmetry (inverse statistics), aggregational Gaussianity (kurtosis and skewness of 5- and 20-day sums), and,
  with volumes, corr(|r|, volume) and the day-to-day variation of volume.
- ``intraday_facts``: one-minute excess kurtosis, autocorrelation of one-minute absolute returns within the day,
  the half-hourly volatility, spread and volume profiles relative to midday.
"""

from __future__ import annotations

import math

import numpy as np


def autocorrelation(x: np.ndarray, lag: int) -> float:
    x = np.asarray(x, dtype=float) - np.mean(x)
    return float(np.dot(x[:-lag], x[lag:]) / np.dot(x, x))


def excess_kurtosis(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float) - np.mean(x)
    return float(np.mean(x ** 4) / np.mean(x ** 2) ** 2 - 3.0)


def skewness(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float) - np.mean(x)
    return float(np.mean(x ** 3) / np.mean(x ** 2) ** 1.5)


def leverage(r: np.ndarray, lags: int = 10) -> float:
    """Mean over k = 1..``lags`` of corr(r_t, |r_t+k|): negative when falls are followed by bigger moves."""
    a = np.abs(r)
    return float(np.mean([np.corrcoef(r[:-k], a[k:])[0, 1] for k in range(1, lags + 1)]))


def aggregated(r: np.ndarray, days: int) -> np.ndarray:
    n = len(r) // days
    return np.asarray(r[:n * days]).reshape(n, days).sum(axis=1)


def first_passage_times(r: np.ndarray, threshold: float, horizon: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """For every start day, the days until the cumulative log return first reaches +threshold and -threshold
    (inf if not within ``horizon`` days)."""
    x = np.concatenate([[0.0], np.cumsum(r)])
    n = len(r)
    up, down = np.full(n, np.inf), np.full(n, np.inf)
    for k in range(1, min(horizon, n) + 1):
        m = n - k + 1
        move = x[k:k + m] - x[:m]
        head_up, head_down = up[:m], down[:m]
        head_up[(move >= threshold) & (head_up == np.inf)] = k
        head_down[(move <= -threshold) & (head_down == np.inf)] = k
    return up, down


def _interpolated_median(times: np.ndarray) -> float:
    """The median of whole-day waiting times, interpolated inside its day (a plain median of integers moves in
    steps of a day, too coarse for a ratio of two medians near 15 days)."""
    days = times[np.isfinite(times)].astype(np.int64)
    counts = np.bincount(days)
    cumulative = np.cumsum(counts)
    half = len(days) / 2.0
    m = int(np.searchsorted(cumulative, half))
    below = cumulative[m - 1] if m > 0 else 0
    return m - 0.5 + (half - below) / counts[m]


def gain_loss_asymmetry(r: np.ndarray, sds: float = 4.0, horizon: int = 1000) -> tuple[float, float]:
    """Inverse statistics (Jensen, Johansen and Simonsen 2003), on demeaned daily log returns: the waiting time
    for a gain of ``sds`` standard deviations over the waiting time for a loss as large. Returns (ratio of the
    median waiting times, ratio of their geometric means); above 1 = losses come faster than gains."""
    r = np.asarray(r, dtype=float) - np.mean(r)
    up, down = first_passage_times(r, sds * float(np.std(r)), horizon)
    geometric = math.exp(float(np.mean(np.log(up[np.isfinite(up)])) - np.mean(np.log(down[np.isfinite(down)]))))
    return _interpolated_median(up) / _interpolated_median(down), geometric


def daily_facts(r: np.ndarray, volume: np.ndarray | None = None, gain_loss: bool = True) -> dict[str, float]:
    """The daily facts of log returns ``r`` (and of the days' ``volume``, if given). Volatility in % a day."""
    r = np.asarray(r, dtype=float)
    a = np.abs(r)
    facts = {
        "volatility": float(np.std(r)) * 100,
        "mean": float(np.mean(r)) * 100,
        "kurtosis": excess_kurtosis(r),
        "skew": skewness(r),
        "acf_1": autocorrelation(r, 1),
        "acf_max_10": max(abs(autocorrelation(r, k)) for k in range(1, 11)),
        "acf_abs_1": autocorrelation(a, 1),
        "acf_abs_10": autocorrelation(a, 10),
        "acf_abs_50": autocorrelation(a, 50),
        "acf_abs_100": autocorrelation(a, 100),
        "leverage": leverage(r),
        "kurtosis_5": excess_kurtosis(aggregated(r, 5)),
        "kurtosis_20": excess_kurtosis(aggregated(r, 20)),
        "skew_5": skewness(aggregated(r, 5)),
        "skew_20": skewness(aggregated(r, 20)),
    }
    if gain_loss:
        facts["gain_loss_median"], facts["gain_loss_geometric"] = gain_loss_asymmetry(r)
    if volume is not None:
        v = np.asarray(volume, dtype=float)
        facts["corr_abs_volume"] = float(np.corrcoef(a, v)[0, 1])
        facts["volume_change"] = float(np.std(np.diff(np.log(v))))
    return facts


def intraday_facts(minute_mids: np.ndarray, minutes_per_day: int = 390, spreads: np.ndarray | None = None,
                   volumes: np.ndarray | None = None) -> dict[str, float | list[float]]:
    """Facts of one-minute mids laid out ``minutes_per_day`` a session (the mid at the end of each minute; the
    first minute's return within a day is from the first mid, so the overnight gap is left out). ``spreads`` and
    ``volumes``: per minute, same layout. Profiles are per half hour, relative to the middle of the day
    (12:00-13:30)."""
    mids = np.asarray(minute_mids, dtype=float).reshape(-1, minutes_per_day)
    r = np.diff(np.log(mids), axis=1)  # minutes_per_day - 1 returns a day, inside the day
    flat = r.ravel()
    a = np.abs(r)
    a_flat = (a - a.mean()).ravel()

    def within_day_acf(lag: int) -> float:
        left, right = (a - a.mean())[:, :-lag].ravel(), (a - a.mean())[:, lag:].ravel()
        return float(np.dot(left, right) / np.dot(a_flat, a_flat) * len(a_flat) / len(left))

    half_hours = max(1, minutes_per_day // 30)

    def profile(values: np.ndarray, how) -> list[float]:
        columns = values.shape[1]
        edges = np.linspace(0, columns, half_hours + 1).astype(int)
        buckets = np.array([how(values[:, edges[i]:edges[i + 1]]) for i in range(half_hours)])
        middle = buckets[half_hours // 2 - 1:half_hours // 2 + 2].mean()
        return [float(x) for x in buckets / middle]

    facts: dict[str, float | list[float]] = {
        "minute_kurtosis": excess_kurtosis(flat),
        "minute_acf_1": autocorrelation(flat, 1),
        "minute_acf_abs_1": within_day_acf(1),
        "minute_acf_abs_10": within_day_acf(10),
        "minute_acf_abs_60": within_day_acf(60),
        "minute_acf_abs_300": within_day_acf(300),
        "volatility_profile": profile(r, lambda block: float(np.std(block))),
    }
    if spreads is not None:
        facts["spread_profile"] = profile(np.asarray(spreads, dtype=float).reshape(-1, minutes_per_day),
                                          lambda block: float(np.mean(block)))
    if volumes is not None:
        facts["volume_profile"] = profile(np.asarray(volumes, dtype=float).reshape(-1, minutes_per_day),
                                          lambda block: float(np.mean(block)))
    return facts
