"""History to replay: OHLCV bars from a CSV file or a pandas DataFrame, turned into the domain's ``Bar`` values.

Rules:
- Columns are found by name, ignoring case: ``open``, ``high``, ``low``, ``close`` (required) and ``volume``
  (optional, 0 when absent). The time comes from a datetime index, or from the first column named ``date``,
  ``datetime``, ``time`` or ``timestamp``; naive times are read as UTC.
- Rows must be in time order, without duplicate times, and every bar must be consistent (low <= open, close <= high,
  prices > 0); a bad row raises ``HistoryError`` naming the row and the problem.
- Prices become ``Decimal`` through their shortest decimal text (``101.01`` stays ``101.01``); the float arrays are
  kept too, so indicators and the equity curve do not convert each bar.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..domain import Bar

TIME_COLUMNS = ("date", "datetime", "time", "timestamp")
PRICE_COLUMNS = ("open", "high", "low", "close")


class HistoryError(ValueError):
    """The history cannot be replayed: a missing column, an unordered or inconsistent row."""


@dataclass(frozen=True)
class History:
    """Bars of one symbol, oldest first, with their times (ns since the epoch) and float columns."""

    symbol: str
    bars: tuple[Bar, ...]
    times_ns: tuple[int, ...]
    open: tuple[float, ...]
    high: tuple[float, ...]
    low: tuple[float, ...]
    close: tuple[float, ...]
    volume: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.bars)

    @functools.cached_property  # (a frozen dataclass keeps it in its __dict__: computed once per history)
    def daily_volatility_pct(self) -> float:
        """Standard deviation of close-to-close log returns, scaled to one trading day, in percent."""
        c = self.close
        if len(c) < 3:
            return 0.0
        r = [math.log(b / a) for a, b in zip(c, c[1:])]
        mean = sum(r) / len(r)
        sd = math.sqrt(sum((x - mean) ** 2 for x in r) / (len(r) - 1))
        return sd * math.sqrt(self.bars_per_day) * 100  # variance adds up over a day's bars

    @property
    def bars_per_day(self) -> float:
        """Bars in one trading day: 1 for daily bars, 390 for minute bars, 0.2 for weekly bars."""
        return self.periods_per_year / 252.0

    @functools.cached_property
    def periods_per_year(self) -> float:
        """Bars in a trading year, from the median spacing: 252 for daily bars, 252 x 6.5 h / spacing intraday."""
        if len(self.times_ns) < 2:
            return 252.0
        gaps = sorted(b - a for a, b in zip(self.times_ns, self.times_ns[1:]))
        median_s = gaps[len(gaps) // 2] / 1e9
        if median_s >= 20 * 3600:
            return 252.0 * 86_400 / median_s if median_s > 3 * 86_400 else 252.0
        return 252.0 * 6.5 * 3600 / median_s


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _frame(source: Any):
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return source
    path = Path(source)
    if not path.is_file():
        raise HistoryError(f"data={str(source)!r}: no such file")
    return pd.read_csv(path)


def load_history(source: Any, symbol: str | None = None) -> History:
    """Read bars from a CSV path or a DataFrame with OHLC(V) columns. ``symbol`` defaults to the file's stem
    in capitals (``GOOG.csv`` -> ``GOOG``), or ``ASSET`` for a DataFrame."""
    import pandas as pd

    frame = _frame(source)
    if symbol is None:
        symbol = Path(source).stem.upper() if not isinstance(source, pd.DataFrame) else "ASSET"
    columns = {str(c).lower(): c for c in frame.columns}
    missing = [c for c in PRICE_COLUMNS if c not in columns]
    if missing:
        raise HistoryError(f"data: missing column(s) {', '.join(missing)} (columns: {', '.join(map(str, frame.columns))})")
    time_column = next((columns[c] for c in TIME_COLUMNS if c in columns), None)
    if time_column is not None:
        times = pd.to_datetime(frame[time_column], utc=True)
    elif isinstance(frame.index, pd.DatetimeIndex):
        times = frame.index.tz_localize("UTC") if frame.index.tz is None else frame.index.tz_convert("UTC")
    else:
        raise HistoryError("data: no time column (date, datetime, time or timestamp) and no datetime index")
    times_ns = [int(t.value) for t in pd.DatetimeIndex(times)]
    o, h, l, c = ([float(v) for v in frame[columns[name]].to_numpy()] for name in PRICE_COLUMNS)
    v = [int(x) for x in frame[columns["volume"]].fillna(0).to_numpy()] if "volume" in columns else [0] * len(o)
    bars = []
    for i in range(len(o)):
        row = (o[i], h[i], l[i], c[i])
        if not all(math.isfinite(x) and x > 0 for x in row):
            raise HistoryError(f"data row {i} ({times[i]}): prices must be positive numbers, got {row}")
        if not (l[i] <= min(o[i], c[i]) and max(o[i], c[i]) <= h[i]):
            raise HistoryError(f"data row {i} ({times[i]}): low {l[i]} / high {h[i]} do not contain open {o[i]} "
                               f"and close {c[i]}")
        if i and times_ns[i] <= times_ns[i - 1]:
            raise HistoryError(f"data row {i} ({times[i]}): times must increase (previous row {times[i - 1]})")
        bars.append(Bar(symbol, times_ns[i], _decimal(o[i]), _decimal(h[i]), _decimal(l[i]), _decimal(c[i]), v[i]))
    if not bars:
        raise HistoryError("data: no bars")
    return History(symbol, tuple(bars), tuple(times_ns), tuple(o), tuple(h), tuple(l), tuple(c), tuple(v))


def random_minute_history(bars: int, seed: int = 2109, symbol: str = "SYN", price: float = 50.0,
                          volatility_pct: float = 1.5, start: str = "2024-01-02") -> History:
    """Synthetic one-minute bars, vectorized with numpy (a million in seconds; ``simulate --bars 1min`` steps the
    mock's market update by update, which for a million bars is hours): a geometric random walk of the close with
    ``volatility_pct`` daily volatility (390 bars a day), each bar opening at the previous close, its high and low a
    random wick beyond them, volume 1,000-50,000; 390 bars a weekday from 09:30 New York (no holidays), prices on
    the cent. The same ``seed`` gives the same bars."""
    import numpy as np
    import pandas as pd

    if bars < 1:
        raise ValueError(f"bars={bars}: need at least one bar")
    rng = np.random.default_rng(seed)
    sigma = volatility_pct / 100 / math.sqrt(390)
    close = np.maximum(0.01, (price * np.exp(np.cumsum(rng.normal(0.0, sigma, bars)))).round(2))
    open_ = np.concatenate([[round(price, 2)], close[:-1]])
    wick = np.abs(rng.normal(0.0, sigma / 2, (2, bars)))
    high = np.maximum(np.maximum(open_, close), (np.maximum(open_, close) * (1 + wick[0])).round(2))
    low = np.maximum(0.01, np.minimum(np.minimum(open_, close), (np.minimum(open_, close) * (1 - wick[1])).round(2)))
    days = pd.bdate_range(start, periods=-(-bars // 390), tz="America/New_York") + pd.Timedelta(hours=9, minutes=30)
    minutes = (days.as_unit("ns").asi8[:, None] + np.arange(390) * 60 * 10**9).ravel()[:bars]
    frame = pd.DataFrame({"time": pd.to_datetime(minutes, utc=True), "open": open_, "high": high, "low": low,
                          "close": close, "volume": rng.integers(1_000, 50_000, bars)})
    return load_history(frame, symbol)
