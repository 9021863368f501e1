"""Microstructure: how wide the spread is and how much trades, as functions both the live simulator (one value at
a time) and the vectorized generator (numpy arrays) call, so the two agree.

Rules:
- Spread (bps) = configured spread x event factor x volatility factor x thin-market factor.
  The volatility factor is the model's current volatility relative to its long-run level (GARCH: the conditional
  volatility), clipped to [0.5, 10]: market makers quote wider when prices move more. The thin-market factor is
  sqrt(THIN_MARKET_SHARES / shares at the touch) when fewer than ``THIN_MARKET_SHARES`` are configured at the
  touch, else 1: a thin book is a wide book. (Events that thin the book carry their own spread factor, so the
  thin-market factor looks at the configured depth only.)
- Quotes are on the tick: the spread in dollars is rounded to the nearest whole number of ticks (at least one),
  and the bid is the tick that puts the quote's middle within half a tick of the mid (``quote_ticks``). So a
  4 bps spread at $50 with a 1-cent tick quotes exactly 2 cents.
- The tape prints a Poisson number of trades per update, each a geometric number (mean 2) of round lots of
  ``print_lot(daily_volume)`` shares, at the rate that makes the day's volume ``daily_volume``.
- Intraday volume follows a U-shape over the regular session: ``volume_profile(fraction)`` has mean 1 over the
  session, about 1.8 at the open and the close and 0.6 at midday (``U_SHAPE``). A calibrated scenario may give its
  own profile as a list of bucket weights over the session (``params.volume_profile``), normalized to mean 1.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

THIN_MARKET_SHARES = 1_000
U_SHAPE = 1.2
"""Curvature of the default profile: 1 + U_SHAPE x ((2f - 1)^2 - 1/3), f the fraction of the session elapsed."""


def vol_factor(ratio: float | np.ndarray) -> float | np.ndarray:
    return np.clip(ratio, 0.5, 10.0) if isinstance(ratio, np.ndarray) else min(10.0, max(0.5, ratio))


def quote_ticks(mid, spread_bps, tick: float):
    """(bid, ask) in whole ticks for a mid and a spread in bps: the spread rounded to the nearest whole number of
    ticks (at least one), the quote centred on the mid to within half a tick, the bid at least one tick. Works on
    floats and on numpy arrays alike (the live book and the vectorized generator agree to the tick)."""
    if isinstance(mid, np.ndarray) or isinstance(spread_bps, np.ndarray):
        width = np.maximum(1.0, np.floor(mid * spread_bps / (10_000.0 * tick) + 0.5))
        bid = np.maximum(1.0, np.floor(mid / tick - width / 2.0 + 0.5 + 1e-9))
        return bid, bid + width
    return quote_ticks_one(mid, spread_bps, tick)


def quote_ticks_one(mid: float, spread_bps: float, tick: float) -> tuple[int, int]:
    """``quote_ticks`` of one quote (the live book asks for one at a time, many times a second)."""
    width = math.floor(mid * spread_bps / (10_000.0 * tick) + 0.5)
    if width < 1:
        width = 1
    bid = math.floor(mid / tick - width / 2.0 + 0.5 + 1e-9)
    if bid < 1:
        bid = 1
    return bid, bid + width


def thin_factor(touch_shares: float) -> float:
    if touch_shares >= THIN_MARKET_SHARES:
        return 1.0
    return math.sqrt(THIN_MARKET_SHARES / max(touch_shares, 1.0))


def normalize_profile(weights: Sequence[float] | None) -> np.ndarray | None:
    if weights is None:
        return None
    array = np.asarray(weights, dtype=float)
    return array / array.mean()


def volume_profile(fraction: float | np.ndarray, profile: np.ndarray | None = None) -> float | np.ndarray:
    """Relative trading intensity at ``fraction`` (0 = the open, 1 = the close) of the session; mean 1."""
    f = np.clip(fraction, 0.0, 1.0 - 1e-12)
    if profile is None:
        value = 1.0 + U_SHAPE * ((2.0 * f - 1.0) ** 2 - 1.0 / 3.0)
    else:
        value = profile[(f * len(profile)).astype(int) if isinstance(f, np.ndarray) else int(f * len(profile))]
    return value if isinstance(value, np.ndarray) else float(value)


LOTS_PER_DAY = 50_000


def print_lot(daily_volume: int) -> int:
    """Shares in one round lot of the tape: 100, or more for very heavily traded symbols, so a day has at most
    about ``LOTS_PER_DAY`` lots (an index with billions of shares a day prints in blocks, not in 100s)."""
    return max(100, int(round(daily_volume / LOTS_PER_DAY / 100.0)) * 100)
