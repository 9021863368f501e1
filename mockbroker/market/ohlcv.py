"""Bars from generated ticks, in the OHLCV shape ``backtest --data`` reads, so ``simulate`` and ``backtest`` chain.

Rules:
- A bar covers one minute (``1min``: its start in UTC, ``2026-01-05T14:31:00Z``) or one session (``1day``: the
  New York trading date, ``2026-01-05``); only periods with updates get a bar (closed sessions get none).
- Open, high, low and close are the last traded price (``last``) of the period's updates; volume is the sum of
  the period's volumes. Prices keep the tick's decimals.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

BAR_SIZES = ("1min", "1day")
_NS_PER_MINUTE = 60 * 1_000_000_000


def _period_keys(time_ns: np.ndarray, size: str) -> np.ndarray:
    if size == "1min":
        return time_ns // _NS_PER_MINUTE
    if size == "1day":
        from .session import NEW_YORK

        import pandas as pd

        local = pd.DatetimeIndex(time_ns.astype("datetime64[ns]"), tz="UTC").tz_convert(NEW_YORK)
        return np.asarray(local.year * 10_000 + local.month * 100 + local.day, dtype=np.int64)
    raise ValueError(f"bars={size!r}: must be one of {', '.join(BAR_SIZES)}")


def to_bars(ticks, size: str) -> dict[str, np.ndarray]:
    """``{"key", "open", "high", "low", "close", "volume"}`` arrays, one entry per period that had updates."""
    keys = _period_keys(np.asarray(ticks.time_ns, dtype=np.int64), size)
    last = np.asarray(ticks.last, dtype=float)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    return {"key": keys[starts], "open": last[starts], "close": last[ends - 1],
            "high": np.maximum.reduceat(last, starts), "low": np.minimum.reduceat(last, starts),
            "volume": np.add.reduceat(np.asarray(ticks.volume, dtype=np.int64), starts)}


def write_bars_csv(ticks, size: str, path: str | Path) -> int:
    """Write ``time,open,high,low,close,volume`` rows (``date,...`` for daily bars); returns the bar count."""
    bars = to_bars(ticks, size)
    tick = float(ticks.tick)
    places = max(0, -int(math.floor(math.log10(tick) + 1e-9))) if tick < 1 else 0
    if size == "1min":
        label = "time"
        times = np.datetime_as_string((bars["key"] * _NS_PER_MINUTE).astype("datetime64[ns]").astype(
            "datetime64[s]"), unit="s")
        stamps = [f"{t}Z" for t in times]
    else:
        label = "date"
        stamps = [f"{k // 10_000:04d}-{k // 100 % 100:02d}-{k % 100:02d}" for k in bars["key"].tolist()]
    fmt = f"{{:.{places}f}}"
    lines = [f"{label},open,high,low,close,volume"]
    for i, stamp in enumerate(stamps):
        lines.append(",".join([stamp] + [fmt.format(bars[c][i]) for c in ("open", "high", "low", "close")]
                              + [str(int(bars["volume"][i]))]))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(stamps)
