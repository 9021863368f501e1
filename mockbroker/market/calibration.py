"""Calibration: fit the ``realistic`` model to a real history, so a simulation gives "more days like these".

What is fitted, from a CSV of bars (time, open, high, low, close, volume) or prints (time, price, size):
- ``volatility`` = the sample standard deviation of the daily log returns (% a day) and ``drift`` = their mean
  (% a day; the model's drift is a mean log return, so a simulated history grows as the real one did);
- from daily rows (at least ``MIN_DAYS``): the daily variance (``fit_daily``): two components, asymmetry,
  leverage, skewed-t shape, by maximum likelihood (scipy), started from ``arch``'s GJR-GARCH(1,1) skewed-t fit
  (the one-component case of the same model) or from the defaults, whichever fits better. A component's
  persistence is capped at ``MAX_PERSISTENCE``;
- from intraday rows: the intraday GARCH factor (``arch``'s GARCH(1,1)-t on the returns with the time-of-day
  volatility divided out), the half-hourly volatility profile, the overnight share of the daily variance (with
  enough nights), the volume profile; the daily dynamics keep the defaults (a few days cannot show them);
- the spread (``estimate_spread``): the Roll (1984) estimator from prints; the Abdi-Ranaldo (2017) close-high-low
  estimator from bars. Daily bars cannot tell a spread much smaller than the day's volatility from the noise of
  the day's range (the estimators give 18-29 bps for the S&P 500 index, whose ETF quotes under 1 bp): below a
  quarter of the daily volatility the estimate is not used and the documented default is written instead --
  1 bp for a history trading over $1 billion a day, else 4 bps;
- volume (with a volume column): the symbol's daily volume (the median day), and the model's volume coupling and
  day-to-day variation, chosen so that corr(|daily return|, volume) and the standard deviation of the daily
  change of log volume are the history's (``fit_volume``).
The result is a scenario document (see ``scenarios.parse_scenario``); ``calibrate_file`` writes it as YAML.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import ConfigurationError
from . import microstructure, session
from .models import TRADING_SECONDS_PER_DAY, read_history
from .realistic import DAILY_DEFAULTS, INTRADAY_DEFAULTS
from .volatility import DailyVariance, daily_log_likelihood

BUCKETS = 13  # half hours in a session
MAX_PERSISTENCE = 0.995
"""A variance component's persistence at most this (a volatility half-life of 138 days): nearer 1 a simulated
history's volatility wanders for decades."""
MIN_DAYS = 250
"""Daily rows needed to fit the daily dynamics (fewer keep the defaults)."""
LIQUID_DOLLAR_VOLUME = 1e9
DEFAULT_SPREAD_BPS = 4.0
LIQUID_SPREAD_BPS = 1.0


# --- the daily variance ---------------------------------------------------------------------------------------------


def _unpack(p: np.ndarray, components: int) -> dict:
    j = components
    return {
        "persistence": (1.0 - np.exp(p[:j])).tolist(),
        "reaction": np.exp(p[j:2 * j]).tolist(),
        "leverage": np.exp(p[2 * j:3 * j]).tolist(),
        "asymmetry": 1.0 / (1.0 + math.exp(-p[3 * j])),
        "nu": 2.1 + math.exp(p[3 * j + 1]),
        "skew": 0.95 * math.tanh(p[3 * j + 2]),
    }


def _pack(params: dict) -> np.ndarray:
    def logit(x: float) -> float:
        x = min(max(x, 1e-6), 1 - 1e-6)
        return math.log(x / (1 - x))

    return np.concatenate([np.log(np.maximum(1e-9, 1.0 - np.asarray(params["persistence"]))),
                           np.log(np.maximum(1e-9, params["reaction"])), np.log(np.maximum(1e-9, params["leverage"])),
                           [logit(params["asymmetry"]), math.log(max(1e-6, params["nu"] - 2.1)),
                            math.atanh(params["skew"] / 0.95)]])


def _model(variance: float, params: dict) -> DailyVariance:
    return DailyVariance(variance, params["persistence"], params["reaction"], params["leverage"],
                         params["asymmetry"], params["nu"], params["skew"])


def _arch_start(x: np.ndarray) -> dict:
    """The slow component from ``arch``'s GJR-GARCH(1,1) with skewed-t shocks (the same model with one
    component and no leverage term), a small fast one beside it."""
    from arch import arch_model

    scale = float(np.std(x))
    fit = arch_model(x / scale, mean="Zero", vol="GARCH", p=1, o=1, q=1, dist="skewt").fit(disp="off")
    p = fit.params
    alpha, gamma, beta = float(p["alpha[1]"]), float(p["gamma[1]"]), float(p["beta[1]"])
    nu, skew = float(p["eta"]), float(p["lambda"])
    theta = gamma / (2 * alpha + gamma) if alpha + gamma > 0 else 0.0
    probe = DailyVariance(1.0, [0.9], [0.0], [0.0], theta, max(nu, 2.2), max(-0.9, min(0.9, skew)))
    reaction = max(1e-4, probe.kappa * (alpha + gamma / 2))  # a / kappa = alpha + gamma / 2; beta = rho - a
    return {"persistence": [0.9, min(MAX_PERSISTENCE, beta + reaction)], "reaction": [0.005, reaction],
            "leverage": [0.01, 1e-4], "asymmetry": theta, "nu": max(nu, 2.2), "skew": max(-0.9, min(0.9, skew))}


def fit_daily(returns: np.ndarray) -> tuple[dict, float]:
    """Maximum-likelihood fit of the daily variance to daily log returns (demeaned), with the variance targeted
    at the sample's. Returns the model parameters (``DAILY_DEFAULTS``' keys) and the log-likelihood."""
    from scipy import optimize

    x = np.asarray(returns, dtype=float) - np.mean(returns)
    variance = float(np.var(x))

    def loss(p: np.ndarray) -> float:
        params = _unpack(p, 2)
        if sum(params["reaction"]) >= 1.0:
            return 1e12
        value, floored = daily_log_likelihood(x, _model(variance, params))
        return -value + 10.0 * floored if math.isfinite(value) else 1e12

    starts = [dict(DAILY_DEFAULTS)]
    try:
        starts.append(_arch_start(x))
    except Exception:  # noqa: BLE001 - arch failing to converge only loses a starting point
        pass
    start = min((_pack(s) for s in starts), key=loss)  # the better starting point; one search from it
    best = optimize.minimize(loss, start, method="Nelder-Mead", options={"maxfev": 4000, "xatol": 1e-4, "fatol": 1e-3})
    params = _unpack(best.x, 2)
    params["persistence"] = [min(MAX_PERSISTENCE, r) for r in params["persistence"]]
    order = np.argsort(params["persistence"])  # fast component first
    for key in ("persistence", "reaction", "leverage"):
        params[key] = [round(float(params[key][i]), 6) for i in order]
    for key in ("asymmetry", "nu", "skew"):
        params[key] = round(float(params[key]), 6)
    return params, -float(best.fun)


# --- volume ---------------------------------------------------------------------------------------------------------


def fit_volume(returns: np.ndarray, volume: np.ndarray, variances: np.ndarray) -> tuple[float, float]:
    """The model's (volume_coupling, volume_variation) that give the history's corr(|r|, volume) and standard
    deviation of the daily change of log volume, given the fitted conditional variances h: a day's volume is
    D ((1 - c) + c h / V), D lognormal with log-sd s and mean 1, independent of the returns. For a coupling c the
    correlation follows from the history's returns and h (and s); s from what the coupling leaves of the
    volume's day-to-day variation. A few rounds of each settle both."""
    x = np.asarray(returns, dtype=float) - np.mean(returns)
    a = np.abs(x)
    ratio = np.asarray(variances, dtype=float) / float(np.mean(variances))
    target_corr = float(np.corrcoef(a, volume)[0, 1])
    target_change = float(np.std(np.diff(np.log(np.maximum(volume, 1.0)))))
    sd_abs = float(np.std(a))

    def implied(c: float, s: float) -> float:
        g = (1.0 - c) + c * ratio
        var_v = math.exp(s * s) * float(np.mean(g * g)) - float(np.mean(g)) ** 2
        return float(np.mean((a - a.mean()) * (g - g.mean()))) / (sd_abs * math.sqrt(var_v)) if var_v > 0 else 0.0

    s, c = target_change / math.sqrt(2), 0.0
    for _ in range(4):
        if target_corr <= 0:
            c = 0.0
        elif implied(1.0, s) <= target_corr:
            c = 1.0
        else:
            low, high = 0.0, 1.0
            for _ in range(40):
                mid = (low + high) / 2
                low, high = (mid, high) if implied(mid, s) < target_corr else (low, mid)
            c = (low + high) / 2
        g = (1.0 - c) + c * ratio
        s = math.sqrt(max(0.0, (target_change ** 2 - float(np.var(np.diff(np.log(g))))) / 2.0))
    return round(c, 4), round(s, 4)


# --- spread -----------------------------------------------------------------------------------------------------


def roll_spread_bps(prices: np.ndarray) -> float | None:
    """Roll (1984): prints bounce between bid and ask, so successive price changes are negatively
    autocorrelated: spread = 2 sqrt(-cov(dp_t, dp_t-1)), relative to the mean price."""
    dp = np.diff(np.asarray(prices, dtype=float))
    if len(dp) < 10:
        return None
    cov = float(np.mean((dp[1:] - dp.mean()) * (dp[:-1] - dp.mean())))
    return 2.0 * math.sqrt(-cov) / float(np.mean(prices)) * 10_000 if cov < 0 else None


def abdi_ranaldo_bps(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> float | None:
    """Abdi and Ranaldo (2017): s^2 = 4 E[(c_t - eta_t)(c_t - eta_t+1)], eta the mid-range of a bar's log high
    and low, c its log close; averaged over blocks of 21 bars (negative blocks count as 0), the median block."""
    c, eta = np.log(close), (np.log(high) + np.log(low)) / 2
    products = 4.0 * (c[:-1] - eta[:-1]) * (c[:-1] - eta[1:])
    blocks = len(products) // 21
    if blocks < 3:
        return None
    means = products[:blocks * 21].reshape(blocks, 21).mean(axis=1)
    return float(np.median(np.sqrt(np.maximum(means, 0.0)))) * 10_000


def estimate_spread(data: dict, daily: bool, daily_volatility_pct: float) -> tuple[float, str]:
    """The spread to write (bps) and how it was obtained (for the scenario's description)."""
    if data["kind"] == "ticks":
        roll = roll_spread_bps(data["price"])
        if roll is not None:
            return round(roll, 4), f"spread {roll:.2f} bps (Roll estimator on the prints)"
        return DEFAULT_SPREAD_BPS, "spread: the default 4 bps (the prints show no bid-ask bounce)"
    estimate = abdi_ranaldo_bps(data["high"], data["low"], data["close"])
    if estimate is None:
        return DEFAULT_SPREAD_BPS, "spread: the default 4 bps (too few bars to estimate it)"
    if not daily:
        return round(max(estimate, 0.1), 4), f"spread {estimate:.2f} bps (Abdi-Ranaldo estimator on the bars)"
    if estimate >= 0.25 * daily_volatility_pct * 100:
        return round(estimate, 4), f"spread {estimate:.2f} bps (Abdi-Ranaldo estimator on the daily bars)"
    dollar_volume = float(np.median(data.get("volume", np.zeros(1)) * data["close"][:len(data.get("volume", []))])) \
        if "volume" in data and len(data["volume"]) else 0.0
    default = LIQUID_SPREAD_BPS if dollar_volume >= LIQUID_DOLLAR_VOLUME else DEFAULT_SPREAD_BPS
    return default, (f"spread: the default {default:g} bps (the daily bars' Abdi-Ranaldo estimate, {estimate:.1f} bps, "
                     f"is under a quarter of the daily volatility: the day's range, not the spread)")


# --- intraday -------------------------------------------------------------------------------------------------------


def _session_buckets(times: np.ndarray) -> np.ndarray:
    """Each time's half hour of the session (0..12), or -1 outside the regular session."""
    from datetime import datetime, timezone

    out = np.full(len(times), -1)
    for i, t in enumerate(times):
        if not session.is_open(int(t * 1e9)):
            continue
        local = datetime.fromtimestamp(t, timezone.utc).astimezone(session.NEW_YORK)
        minutes = (local.hour * 60 + local.minute) - (9 * 60 + 30)
        out[i] = min(BUCKETS - 1, max(0, minutes // 30))
    return out


def _profile(values: np.ndarray, buckets: np.ndarray, how) -> list[float] | None:
    groups = [values[buckets == b] for b in range(BUCKETS)]
    if any(len(g) < 2 for g in groups):
        return None
    levels = np.array([how(g) for g in groups])
    if np.any(levels <= 0):
        return None
    return [round(float(x), 4) for x in levels / levels.mean()]


def _intraday_garch(returns: np.ndarray, buckets: np.ndarray, profile: list[float] | None) -> dict:
    """``arch``'s GARCH(1,1) with Student-t shocks on the returns with the time-of-day volatility divided out."""
    from arch import arch_model

    x = np.asarray(returns, dtype=float)
    if profile is not None:
        x = x / np.asarray(profile)[np.maximum(buckets, 0)]
    scale = float(np.std(x)) or 1.0
    fit = arch_model(x / scale, mean="Zero", vol="GARCH", p=1, q=1, dist="t").fit(disp="off")
    alpha, beta, nu = float(fit.params["alpha[1]"]), float(fit.params["beta[1]"]), float(fit.params["nu"])
    if alpha + beta >= 0.999:
        beta = 0.999 - alpha
    return {"intraday_alpha": round(alpha, 6), "intraday_beta": round(beta, 6), "intraday_nu": round(max(nu, 2.2), 4)}


# --- the scenario ---------------------------------------------------------------------------------------------------


def calibrate(path: str | Path, symbol: str = "ACME", seed: int = 2109) -> dict:
    """A scenario document (the ``realistic`` model) fitted to the history in ``path``."""
    data = read_history(path)
    closes = data["close"] if data["kind"] == "bars" else data["price"]
    volume = data["volume"] if data["kind"] == "bars" else data.get("size", np.zeros(len(closes)))
    if len(closes) < 100:
        raise ConfigurationError(f"{path}: {len(closes)} rows; calibration needs at least 100")
    times = data.get("time")
    spacing = float(np.median(np.diff(times))) if times is not None and len(times) > 1 else 86_400.0
    daily = spacing >= 20 * 3600
    params: dict = {}
    notes: list[str] = []
    if daily:
        returns = np.diff(np.log(closes))
        returns = returns[np.isfinite(returns)]
        volatility = float(np.std(returns)) * 100
        drift = float(np.mean(returns)) * 100
        if len(returns) >= MIN_DAYS:
            fitted, loglik = fit_daily(returns)
            params.update(fitted)
            notes.append(f"daily variance: components with persistence {fitted['persistence']}, reaction "
                         f"{fitted['reaction']}, leverage {fitted['leverage']}, asymmetry {fitted['asymmetry']:.3f}, "
                         f"skewed-t nu {fitted['nu']:.2f} and skew {fitted['skew']:.3f} (log-likelihood {loglik:.1f})")
            if len(volume) == len(closes) and np.all(volume > 0):
                model = _model((volatility / 100) ** 2, fitted)
                h = np.maximum(model.filter(returns - np.mean(returns)), model.floor * model.V)
                coupling, variation = fit_volume(returns, volume[1:], h)
                params.update(volume_coupling=coupling, volume_variation=variation)
                notes.append(f"volume: coupling {coupling:.3f}, day-to-day variation {variation:.3f}")
        else:
            notes.append(f"daily variance: the defaults ({len(returns)} days are fewer than {MIN_DAYS})")
        profile = None
    else:
        minute = np.diff(np.log(closes))
        same_session = np.diff(times) <= 2 * spacing if times is not None else np.ones(len(minute), bool)
        buckets = _session_buckets(times[1:]) if times is not None else np.zeros(len(minute), int)
        inside = same_session & (buckets >= 0)
        per_day = TRADING_SECONDS_PER_DAY / max(spacing, 1.0)
        overnight = np.diff(np.log(closes))[~same_session] if times is not None else np.empty(0)
        share = INTRADAY_DEFAULTS["overnight_share"]
        if len(overnight) >= 20:
            intraday_var = float(np.var(minute[inside])) * per_day
            share = float(np.clip(np.var(overnight) / (np.var(overnight) + intraday_var), 0.0, 0.9))
            params["overnight_share"] = round(share, 4)
        volatility = math.sqrt(float(np.var(minute[inside])) * per_day / (1.0 - share)) * 100
        drift = float(np.mean(minute[inside])) * per_day * 100
        sd_profile = _profile(minute[inside], buckets[inside], lambda g: float(np.std(g)))
        if sd_profile is not None:
            params["volatility_profile"] = sd_profile
        params["period_seconds"] = round(min(max(spacing, 1.0), TRADING_SECONDS_PER_DAY), 3)
        try:
            params.update(_intraday_garch(minute[inside], buckets[inside], sd_profile))
        except Exception:  # noqa: BLE001 - too little data for arch: the defaults stay
            notes.append("intraday clustering: the defaults (arch could not fit the intraday returns)")
        notes.append("daily variance: the defaults (intraday rows show a few days only)")
        profile = _profile(volume[1:][inside], buckets[inside], lambda g: float(np.mean(g))) \
            if times is not None else None
    if profile is None:
        centers = (np.arange(BUCKETS) + 0.5) / BUCKETS
        profile = [round(float(x), 4) for x in microstructure.volume_profile(centers)]
        notes.append("intraday volume profile: the default U-shape (the history has no intraday rows)")
    params["volume_profile"] = profile
    spread, spread_note = estimate_spread(data, daily, volatility)
    notes.append(spread_note)
    if daily:
        daily_volume = float(np.median(volume)) if len(volume) else 5_000_000
    else:
        day = np.floor(times / 86_400.0)
        totals = np.bincount((day - day.min()).astype(int), weights=volume)
        daily_volume = float(np.median(totals[totals > 0])) if np.any(totals > 0) else 5_000_000
    update_ms = 1000 if spacing >= 10 else max(1, int(spacing * 100))
    description = (f"Calibrated to {Path(path).name}: {len(closes)} rows every {spacing:,.0f} s; realistic model, "
                   f"daily volatility {volatility:.3f}%, drift {drift:.4f}% a day (mean log return). "
                   + "; ".join(notes) + ".")
    return {
        "name": f"calibrated-{Path(path).stem}",
        "description": description,
        "seed": seed,
        "marketConfig": {
            "model": "realistic",
            "volatility": round(volatility, 6),
            "drift": round(drift, 6),
            "spread": round(spread, 4),
            "liquidity": 2_000,
            "updateFrequency": update_ms,
            "params": params,
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
