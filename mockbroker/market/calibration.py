"""Calibration: fit a scenario to a real history, so a simulation gives "more days like these".

What is fitted, from a CSV of bars (time, open, high, low, close, volume) or ticks (time, price, size):
- the volatility-clustering model: GARCH(1,1) with Student-t shocks on the log returns between rows, fitted by
  maximum likelihood with the ``arch`` package; written as the ``garch`` model with ``period_seconds`` = the
  rows' spacing (one trading day, 23,400 s, for daily rows), ``volatility`` = the sample's daily volatility
  (variance targeting: the long-run level is the history's, alpha, beta and nu are the fit's; alpha + beta is
  capped at ``MAX_PERSISTENCE``) and ``drift`` = the fitted mean return a day (%);
- the typical spread, in bps: the median Corwin-Schultz estimate from consecutive bars' highs and lows (bars
  only; ticks, or bars without range, keep the default 4 bps);
- the intraday volume profile: mean volume in each half hour of the session, normalized to mean 1 (intraday rows
  only: daily rows cannot show it, so the default U-shape is written, and the description says so);
- the symbol's price (the last close) and daily volume (the median day's).
The result is a scenario document (see ``scenarios.parse_scenario``); ``calibrate_file`` writes it as YAML.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import ConfigurationError
from . import microstructure, session
from .models import TRADING_SECONDS_PER_DAY, read_history

BUCKETS = 13  # half hours in a session
MAX_PERSISTENCE = 0.99
"""alpha + beta at most this: near-integrated fits (common on index data) would make a simulated history's
volatility wander for decades; 0.99 is a volatility half-life of about 69 periods."""


def _corwin_schultz_bps(high: np.ndarray, low: np.ndarray) -> float | None:
    if len(high) < 3 or np.all(high == low):
        return None
    beta = np.log(high[1:] / low[1:]) ** 2 + np.log(high[:-1] / low[:-1]) ** 2
    gamma = np.log(np.maximum(high[1:], high[:-1]) / np.minimum(low[1:], low[:-1])) ** 2
    k = 3.0 - 2.0 * math.sqrt(2.0)
    alpha = (np.sqrt(2.0 * beta) - np.sqrt(beta)) / k - np.sqrt(gamma / k)
    spread = 2.0 * (np.exp(alpha) - 1.0) / (1.0 + np.exp(alpha))
    positive = spread[spread > 0]
    if len(positive) < max(3, len(spread) // 10):
        return None
    return float(np.median(positive) * 10_000)


def _session_profile(times: np.ndarray, volume: np.ndarray) -> list[float] | None:
    from datetime import datetime, timezone

    sums, counts = np.zeros(BUCKETS), np.zeros(BUCKETS)
    for t, v in zip(times, volume):
        ns = int(t * 1e9)
        if not session.is_open(ns):
            continue
        local = datetime.fromtimestamp(t, timezone.utc).astimezone(session.NEW_YORK)
        minutes = (local.hour * 60 + local.minute) - (9 * 60 + 30)
        bucket = min(BUCKETS - 1, max(0, minutes // 30))
        sums[bucket] += v
        counts[bucket] += 1
    if counts.min() == 0:
        return None
    means = sums / counts
    return [round(float(x), 4) for x in means / means.mean()]


def calibrate(path: str | Path, symbol: str = "ACME", seed: int = 2109) -> dict:
    """A scenario document fitted to the history in ``path``."""
    from arch import arch_model

    data = read_history(path)
    closes = data["close"] if data["kind"] == "bars" else data["price"]
    volume = data["volume"] if data["kind"] == "bars" else data.get("size", np.zeros(len(closes)))
    if len(closes) < 100:
        raise ConfigurationError(f"{path}: {len(closes)} rows; calibration needs at least 100")
    times = data.get("time")
    spacing = float(np.median(np.diff(times))) if times is not None and len(times) > 1 else 86_400.0
    daily = spacing >= 20 * 3600
    period = TRADING_SECONDS_PER_DAY if daily else min(max(spacing, 1.0), TRADING_SECONDS_PER_DAY)
    per_day = TRADING_SECONDS_PER_DAY / period
    returns = np.diff(np.log(closes))
    if not daily and times is not None:
        returns = returns[np.diff(times) <= 2 * spacing]  # overnight gaps are not intraday returns
    returns = returns[np.isfinite(returns)]
    scale = float(np.std(returns)) or 1.0  # fit on standardized returns: the optimizer likes unit scale
    fit = arch_model(returns / scale, mean="Constant", vol="GARCH", p=1, q=1, dist="t").fit(disp="off")
    p = fit.params
    mu, alpha, beta, nu = (float(p["mu"]) * scale * 100.0, float(p["alpha[1]"]), float(p["beta[1]"]),
                           float(p["nu"]))
    if alpha + beta > MAX_PERSISTENCE:  # a near-integrated fit: keep alpha, shorten the memory
        beta = max(0.0, MAX_PERSISTENCE - alpha)
    volatility = float(np.std(100.0 * returns)) * math.sqrt(per_day)  # variance targeting
    spread = None
    if data["kind"] == "bars":
        spread = _corwin_schultz_bps(data["high"], data["low"])
    profile = _session_profile(times, volume) if (not daily and times is not None) else None
    notes = []
    if profile is None:
        centers = (np.arange(BUCKETS) + 0.5) / BUCKETS
        profile = [round(float(x), 4) for x in microstructure.volume_profile(centers)]
        notes.append("intraday volume profile: the default U-shape (the history has no intraday rows)")
    if spread is None:
        notes.append("spread: the default 4 bps (the history has no high/low range to estimate it from)")
    if daily:
        daily_volume = float(np.median(volume)) if len(volume) else 5_000_000
    else:
        day = np.floor(times / 86_400.0)
        totals = np.bincount((day - day.min()).astype(int), weights=volume)
        daily_volume = float(np.median(totals[totals > 0])) if np.any(totals > 0) else 5_000_000
    update_ms = int(min(60_000, period * 1000 / 10))
    description = (f"Calibrated to {Path(path).name}: {len(closes)} rows every {spacing:,.0f} s; "
                   f"GARCH(1,1)-t alpha {alpha:.4f}, beta {beta:.4f}, nu {nu:.2f}; daily volatility "
                   f"{volatility:.3f}%, drift {mu * per_day:.4f}% a day"
                   + (f"; spread {spread:.2f} bps" if spread is not None else "") + ". " + "; ".join(notes))
    return {
        "name": f"calibrated-{Path(path).stem}",
        "description": description.strip(),
        "seed": seed,
        "marketConfig": {
            "model": "garch",
            "volatility": round(volatility, 6),
            "drift": round(mu * per_day, 6),
            "spread": round(spread if spread is not None else 4.0, 4),
            "liquidity": 2_000,
            "updateFrequency": update_ms,
            "params": {"alpha": round(alpha, 6), "beta": round(beta, 6), "nu": round(max(nu, 2.05), 4),
                       "period_seconds": round(period, 3), "volume_profile": profile},
        },
        "symbols": [{"symbol": symbol, "price": f"{float(closes[-1]):.2f}",
                     "daily_volume": max(1, int(daily_volume))}],
        "events": [],
    }


def calibrate_file(source: str | Path, out: str | Path, symbol: str = "ACME", seed: int = 2109) -> dict:
    import yaml

    document = calibrate(source, symbol, seed)
    Path(out).write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return document
