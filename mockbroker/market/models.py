"""Price models: how the fundamental (mid) price of one symbol moves between market updates.

Rules:
- A model owns its state (the current price, and whatever else it needs) and draws randomness only from the
  generator it was given, so the same seed gives the same path.
- ``step(dt_days, vol_scale)`` moves the price by one update of ``dt_days`` trading days (6.5 hours each) and
  returns it; ``vol_scale`` multiplies the volatility (market events use it). ``path(n, dt_days, vol_scale)``
  generates ``n`` steps at once, vectorized with numpy, for the simulator CLI and benchmarks (``vol_scale`` may be
  an array of ``n`` values there); it continues from, and updates, the same state.
- Random numbers are drawn in the generator's natural order, buffered in blocks (``_draw``): ``path(n)`` and
  ``n`` calls of ``step`` consume exactly the same numbers, so they give the same path (to floating-point rounding,
  ~1e-12 relative: the vectorized sums associate differently), and the same seed gives byte-identical output.
- Prices stay strictly positive: every model works on log prices (historical replay on the recorded prices).
- ``volatility`` is the daily volatility in percent, ``drift`` the expected daily return in percent. Model-specific
  parameters come from ``MarketConfig.params`` (units in each class docstring and in docs/market-simulation.md);
  an unknown or out-of-range parameter raises ``ConfigurationError`` naming ``marketConfig.params.<name>``.
- ``vol_ratio()`` is the model's current volatility relative to the configured one (GARCH: the conditional
  volatility); the simulator widens the spread with it.
"""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..config import MarketConfig
from ..errors import ConfigurationError

from .model_base import (BLOCK, COMMON_PARAMS, TRADING_SECONDS_PER_DAY, PriceModel, _check_params,  # noqa: F401
                         _param)
from .volatility import garch_variances  # noqa: F401  (re-exported: tests and older callers import it here)


class RandomWalkModel(PriceModel):
    """Geometric random walk with drift: log returns are normal with mean (mu - sigma^2/2) dt and sd sigma sqrt(dt).

    No parameters beyond ``volatility`` (daily %) and ``drift`` (daily %)."""

    name = "random_walk"

    def step(self, dt_days: float, vol_scale: float = 1.0, fraction: float | None = None) -> float:
        sigma = self.sigma * vol_scale
        z = self._next()[0]
        self.price *= math.exp((self.mu - 0.5 * sigma * sigma) * dt_days + sigma * math.sqrt(dt_days) * z)
        return self.price

    def path(self, n: int, dt_days: float, vol_scale: float | np.ndarray = 1.0,
             fractions: np.ndarray | None = None) -> np.ndarray:
        sigma = self.sigma * np.asarray(vol_scale, dtype=float)
        shocks = self._draw(n)[:, 0]
        log_returns = (self.mu - 0.5 * sigma * sigma) * dt_days + sigma * math.sqrt(dt_days) * shocks
        prices = self.price * np.exp(np.cumsum(log_returns))
        self.price = float(prices[-1])
        return prices


class MeanReversionModel(PriceModel):
    """Ornstein-Uhlenbeck on the log price: d(log p) = k (log L - log p) dt + sigma dW, k = ln 2 / half_life.

    Parameters: ``half_life`` (trading days a deviation takes to halve, default 0.25 = about 1.6 hours),
    ``level`` (the price it reverts to; default the starting price). ``drift`` (daily %) moves the level.
    Steps use the exact discretization, so the half-life holds at any update frequency. The noise is scaled so a
    day's log return has sd ``volatility`` (the pull to the level would otherwise shrink it)."""

    name = "mean_reversion"
    PARAMS = {"half_life", "level"}

    def __init__(self, config: MarketConfig, start_price: float, rng: np.random.Generator) -> None:
        super().__init__(config, start_price, rng)
        self.half_life = _param(config, "half_life", 0.25, 0.0, 10_000.0, low_open=True)
        self.kappa = math.log(2) / self.half_life
        self.level = math.log(_param(config, "level", float(start_price), 0.0, 1e12, low_open=True))
        # ``volatility`` is the sd of a day's log return; over a day the pull to the level cancels part of the
        # noise (an OU increment over 1 day has variance s^2 (1 - e^-k) / k), so the noise is scaled up to match.
        self.sigma *= math.sqrt(self.kappa / -math.expm1(-self.kappa))

    def _coefficients(self, dt_days: float) -> tuple[float, float]:
        a = math.exp(-self.kappa * dt_days)
        b = self.sigma * math.sqrt((1.0 - a * a) / (2.0 * self.kappa))
        return a, b

    def step(self, dt_days: float, vol_scale: float = 1.0, fraction: float | None = None) -> float:
        a, b = self._coefficients(dt_days)
        z = self._next()[0]
        self.level += self.mu * dt_days
        x = self.level + (math.log(self.price) - self.level) * a + b * vol_scale * z
        self.price = math.exp(x)
        return self.price

    def path(self, n: int, dt_days: float, vol_scale: float | np.ndarray = 1.0,
             fractions: np.ndarray | None = None) -> np.ndarray:
        a, b = self._coefficients(dt_days)
        z = self._draw(n)[:, 0]
        from scipy.signal import lfilter  # here, not at the top: scipy.signal costs every process ~0.65 s to import

        levels = self.level + self.mu * dt_days * np.arange(1, n + 1)
        drive = (1.0 - a) * levels + b * np.asarray(vol_scale, dtype=float) * z
        x, _ = lfilter([1.0], [1.0, -a], drive, zi=[a * math.log(self.price)])
        self.level = float(levels[-1])
        prices = np.exp(x)
        self.price = float(prices[-1])
        return prices

    def shift(self, factor: float) -> None:
        super().shift(factor)
        self.level += math.log(factor)  # a gap or split moves the whole range

    def state(self) -> dict:
        return {**super().state(), "level": self.level}

    def restore(self, state: dict) -> None:
        super().restore(state)
        self.level = float(state.get("level", self.level))


class MomentumModel(PriceModel):
    """Trending returns: the expected return is drift + a trend that persists, then fades.

    d(log p) = (mu + m - sigma^2/2) dt + sigma dW;  dm = -k m dt + eta dW2, k = ln 2 / trend_half_life.
    Parameters: ``trend`` (the trend at the start, daily %, default 0), ``trend_half_life`` (trading days for a
    trend to fade by half, default 0.5), ``trend_volatility`` (how fast new trends appear: daily % per
    sqrt(day) of the trend, default 2 x volatility). A run of returns in one direction therefore tends to go on,
    and returns are positively autocorrelated over horizons shorter than the half-life. Noise and trend volatility
    are scaled together so a day's log return has sd ``volatility``, the trend's share included."""

    name = "momentum"
    PARAMS = {"trend", "trend_half_life", "trend_volatility"}
    SHOCKS = 2

    def __init__(self, config: MarketConfig, start_price: float, rng: np.random.Generator) -> None:
        super().__init__(config, start_price, rng)
        self.trend = _param(config, "trend", 0.0, -50.0, 50.0) / 100.0
        self.half_life = _param(config, "trend_half_life", 0.5, 0.0, 10_000.0, low_open=True)
        self.kappa = math.log(2) / self.half_life
        self.eta = _param(config, "trend_volatility", 2.0 * config.volatility, 0.0, 1_000.0) / 100.0
        # ``volatility`` is the sd of a day's log return, trend included: a stationary trend adds
        # Var(integral of m over a day) = eta^2 / k^2 (1 - (1 - e^-k) / k); noise and trend scale down together.
        k = self.kappa
        trend_var = self.eta ** 2 / k ** 2 * (1.0 + math.expm1(-k) / k)
        total = self.sigma ** 2 + trend_var
        scale = self.sigma / math.sqrt(total) if total > 0 else 1.0
        self.sigma *= scale
        self.eta *= scale

    def _coefficients(self, dt_days: float) -> tuple[float, float]:
        a = math.exp(-self.kappa * dt_days)
        return a, self.eta * math.sqrt((1.0 - a * a) / (2.0 * self.kappa))

    def step(self, dt_days: float, vol_scale: float = 1.0, fraction: float | None = None) -> float:
        a, b = self._coefficients(dt_days)
        z = self._next()
        sigma = self.sigma * vol_scale
        self.trend = a * self.trend + b * z[1]
        self.price *= math.exp((self.mu + self.trend - 0.5 * sigma * sigma) * dt_days
                               + sigma * math.sqrt(dt_days) * z[0])
        return self.price

    def path(self, n: int, dt_days: float, vol_scale: float | np.ndarray = 1.0,
             fractions: np.ndarray | None = None) -> np.ndarray:
        a, b = self._coefficients(dt_days)
        z = self._draw(n)
        from scipy.signal import lfilter  # as in MeanReversionModel.path

        trend, _ = lfilter([1.0], [1.0, -a], b * z[:, 1], zi=[a * self.trend])
        sigma = self.sigma * np.asarray(vol_scale, dtype=float)
        log_returns = (self.mu + trend - 0.5 * sigma * sigma) * dt_days + sigma * math.sqrt(dt_days) * z[:, 0]
        prices = self.price * np.exp(np.cumsum(log_returns))
        self.trend = float(trend[-1])
        self.price = float(prices[-1])
        return prices

    def state(self) -> dict:
        return {**super().state(), "trend": self.trend}

    def restore(self, state: dict) -> None:
        super().restore(state)
        self.trend = float(state.get("trend", self.trend))


class GarchModel(PriceModel):
    """Volatility clustering: GARCH(1,1) with Student-t shocks.

    Over each GARCH period of ``period_seconds`` (default: one update), the log return is R_k = sqrt(s_k) t_k with
    t_k Student-t with ``nu`` degrees of freedom scaled to variance 1, and
    s_{k+1} = omega + alpha R_k^2 + beta s_k, omega = V (1 - alpha - beta), V = (volatility)^2 x the period in days,
    so the long-run daily volatility is the configured one. When a period spans several updates, the period's
    return is spread over them as a Brownian bridge (the updates' returns add up to R_k exactly), so the
    statistics hold at the period's scale (a calibrated scenario uses one trading day).
    Parameters: ``alpha`` (default 0.1), ``beta`` (default 0.85; alpha + beta < 1), ``nu`` (default 5, > 2),
    ``period_seconds`` (default 0 = every update)."""

    name = "garch"
    PARAMS = {"alpha", "beta", "nu", "period_seconds"}

    def __init__(self, config: MarketConfig, start_price: float, rng: np.random.Generator) -> None:
        super().__init__(config, start_price, rng)
        self.alpha = _param(config, "alpha", 0.1, 0.0, 1.0)
        self.beta = _param(config, "beta", 0.85, 0.0, 1.0)
        if self.alpha + self.beta >= 1.0:
            raise ConfigurationError(f"marketConfig.params.beta={self.beta!r}: alpha + beta must be below 1 "
                                     f"(alpha is {self.alpha}) for the volatility to have a long-run level")
        self.nu = _param(config, "nu", 5.0, 2.0, 1_000.0, low_open=True)
        self.period_seconds = _param(config, "period_seconds", 0.0, 0.0, TRADING_SECONDS_PER_DAY * 30)
        self.t_scale = math.sqrt((self.nu - 2.0) / self.nu)
        self.ratio2 = 1.0  # variance of the next period to generate / long-run variance
        self._current = 1.0  # variance ratio of the latest update
        self.last_ratios = np.empty(0)
        self.bridge_rng = np.random.Generator(np.random.PCG64(int(rng.integers(2**63))))
        self._increments, self._ratios = np.empty(0), np.empty(0)
        self._inc_pos = 0
        self._inc_dt = 0.0

    def _ticks_per_period(self, dt_days: float) -> int:
        return max(1, int(round(self.period_seconds / (dt_days * TRADING_SECONDS_PER_DAY)))) \
            if self.period_seconds else 1

    def _generate(self, need: int, dt_days: float) -> None:
        """Whole GARCH periods covering at least ``need`` updates (and at least a block), appended after what is
        left. The t shocks come from the model's generator and the bridge's normals from a second one derived
        from it, each in its natural order, so how calls are chunked never changes the numbers."""
        m = self._ticks_per_period(dt_days)
        periods = -(-max(need, BLOCK) // m)
        t = self.rng.standard_t(self.nu, periods) * self.t_scale
        omega = 1.0 - self.alpha - self.beta
        ratios = garch_variances(t * t, self.ratio2, omega, self.alpha, self.beta)
        self.ratio2 = omega + ratios[-1] * (self.beta + self.alpha * t[-1] ** 2)
        period_sd = self.sigma * math.sqrt(m * dt_days) * np.sqrt(ratios)
        returns = period_sd * t
        if m == 1:
            fresh, fresh_ratios = returns, ratios
        else:
            g = self.bridge_rng.standard_normal((periods, m))
            g -= g.mean(axis=1, keepdims=True)
            fresh = (g * (period_sd / math.sqrt(m))[:, None] + (returns / m)[:, None]).ravel()
            fresh_ratios = np.repeat(ratios, m)
        left = slice(self._inc_pos, None)
        self._increments = np.concatenate([self._increments[left], fresh])
        self._ratios = np.concatenate([self._ratios[left], fresh_ratios])
        self._inc_pos, self._inc_dt = 0, dt_days

    def _take(self, n: int, dt_days: float) -> tuple[np.ndarray, np.ndarray]:
        """The next ``n`` log-return increments (volatility included, drift not) and their variance ratios."""
        if self._inc_dt != dt_days:
            self._increments, self._ratios, self._inc_pos = np.empty(0), np.empty(0), 0
        if len(self._increments) - self._inc_pos < n:
            self._generate(n - (len(self._increments) - self._inc_pos), dt_days)
        i = self._inc_pos
        self._inc_pos += n
        return self._increments[i:i + n], self._ratios[i:i + n]

    def step(self, dt_days: float, vol_scale: float = 1.0, fraction: float | None = None) -> float:
        inc, ratio = self._take(1, dt_days)
        self._current = float(ratio[0])
        self.price *= math.exp(self.mu * dt_days + vol_scale * float(inc[0]))
        return self.price

    def path(self, n: int, dt_days: float, vol_scale: float | np.ndarray = 1.0,
             fractions: np.ndarray | None = None) -> np.ndarray:
        inc, ratios = self._take(n, dt_days)
        self.last_ratios = ratios
        self._current = float(ratios[-1])
        prices = self.price * np.exp(np.cumsum(self.mu * dt_days + np.asarray(vol_scale, dtype=float) * inc))
        self.price = float(prices[-1])
        return prices

    def vol_ratio(self) -> float:
        return math.sqrt(self._current)

    def state(self) -> dict:
        return {**super().state(), "ratio2": self.ratio2, "current": self._current,
                "increments": self._increments.copy(), "ratios": self._ratios.copy(), "inc_pos": self._inc_pos,
                "inc_dt": self._inc_dt, "bridge": self.bridge_rng.bit_generator.state}

    def restore(self, state: dict) -> None:
        super().restore(state)
        self.ratio2 = float(state.get("ratio2", self.ratio2))
        self._current = float(state.get("current", self._current))
        if "increments" in state:
            self._increments, self._ratios = np.array(state["increments"]), np.array(state["ratios"])
            self._inc_pos, self._inc_dt = int(state["inc_pos"]), float(state["inc_dt"])
            self.bridge_rng.bit_generator.state = state["bridge"]


# --- historical replay ------------------------------------------------------------------------------------------

BAR_COLUMNS = ("time", "open", "high", "low", "close", "volume")
TICK_COLUMNS = ("time", "price", "size")


def _parse_time(text: str) -> float | None:
    """Seconds since the epoch for ISO dates/times or epoch numbers (seconds, ms or ns); None if unreadable."""
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    while number > 1e11:  # milliseconds, microseconds, nanoseconds
        number /= 1000.0
    return number


_HISTORY_CACHE: dict[tuple, dict] = {}


def read_history(path: str | Path) -> dict[str, np.ndarray]:
    """Read a CSV of bars (time, open, high, low, close, volume) or ticks (time, price, size).

    Column names are matched case-insensitively (``Date`` counts as ``time``, ``Adj Close`` is ignored); extra
    columns are ignored. Raises ``ConfigurationError`` naming the file, row and column on bad input. A file read
    once is remembered (by path, size and modification time): many symbols may replay the same history."""
    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"marketConfig.params.path={str(path)!r}: no such file")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _HISTORY_CACHE:
        if len(_HISTORY_CACHE) > 32:
            _HISTORY_CACHE.clear()
        _HISTORY_CACHE[key] = _read_history(path)
    return dict(_HISTORY_CACHE[key])


def _read_history(path: Path) -> dict[str, np.ndarray]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise ConfigurationError(f"{path}: the file is empty") from None
        header = ["time" if h in ("date", "datetime", "timestamp", "t") else h for h in header]
        if all(c in header for c in BAR_COLUMNS[1:5]):
            wanted, kind = [c for c in BAR_COLUMNS if c in header], "bars"
        elif all(c in header for c in TICK_COLUMNS[1:2]):
            wanted, kind = [c for c in TICK_COLUMNS if c in header], "ticks"
        else:
            raise ConfigurationError(f"{path}: columns {header} are neither bars (time, open, high, low, close, "
                                     "volume) nor ticks (time, price, size)")
        index = {c: header.index(c) for c in wanted}
        columns: dict[str, list] = {c: [] for c in wanted}
        for row_number, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            for name, i in index.items():
                cell = row[i] if i < len(row) else ""
                if name == "time":
                    columns[name].append(_parse_time(cell))
                    continue
                try:
                    value = float(cell)
                except ValueError:
                    raise ConfigurationError(f"{path}: row {row_number}, column {name}: {cell!r} is not a number") from None
                if not math.isfinite(value) or value < 0 or (value == 0 and name not in ("volume", "size")):
                    raise ConfigurationError(f"{path}: row {row_number}, column {name}: {cell!r} must be positive")
                columns[name].append(value)
    if not columns[wanted[1]]:
        raise ConfigurationError(f"{path}: no rows")
    data = {name: np.array(values, dtype=float) for name, values in columns.items() if name != "time"}
    if "time" in columns and all(t is not None for t in columns["time"]):
        data["time"] = np.array(columns["time"], dtype=float)
    data["kind"] = kind  # type: ignore[assignment]
    if kind == "bars":
        o, h, l, c = data["open"], data["high"], data["low"], data["close"]
        bad = np.nonzero((h < np.maximum(o, c)) | (l > np.minimum(o, c)))[0]
        if len(bad):
            raise ConfigurationError(f"{path}: row {int(bad[0]) + 2}: high/low do not contain open and close")
    return data


def bar_ticks(data: dict[str, np.ndarray], ticks_per_bar: int) -> tuple[np.ndarray, np.ndarray]:
    """Ticks inside each bar: open -> first extreme -> second extreme -> close, linearly interpolated, so open,
    high, low and close are all visited and nothing leaves the bar's range. A down bar (close < open) visits the
    high first, an up bar the low first. The last tick of each bar is its close, exactly. Returns (prices,
    volumes): the bar's volume is spread evenly over its ticks (whole shares, the rest on the last tick)."""
    o, h, l, c = data["open"], data["high"], data["low"], data["close"]
    m = ticks_per_bar
    up = c >= o
    anchors = np.stack([o, np.where(up, l, h), np.where(up, h, l), c], axis=1)  # (bars, 4)
    at = np.array([0, round((m - 1) / 3), round(2 * (m - 1) / 3), m - 1])  # tick of each anchor
    j = np.arange(m)
    seg = np.minimum(np.searchsorted(at, j, side="right") - 1, 2)
    frac = (j - at[seg]) / (at[seg + 1] - at[seg])
    left, right = anchors[:, seg], anchors[:, seg + 1]
    prices = left + (right - left) * frac  # frac is 0 exactly at each anchor: open, low/high, high/low hit exactly
    prices[:, -1] = c  # and the close, exactly
    prices = np.clip(prices, l[:, None], h[:, None])
    volume = data.get("volume", np.zeros(len(o)))
    each = np.floor(volume / m)
    volumes = np.repeat(each[:, None], m, axis=1)
    volumes[:, -1] += volume - each * m
    return prices.ravel(), volumes.ravel()


class HistoricalModel(PriceModel):
    """Replay of real history from a CSV file (``params.path``) or from arrays (``params.data``).

    Bars (time, open, high, low, close, volume) become ``ticks_per_bar`` updates each (default 8), visiting open,
    high, low and close (see ``bar_ticks``); ticks (time, price, size) are replayed one per update. Parameters:
    ``path`` (CSV file), ``ticks_per_bar`` (whole number >= 4), ``rebase`` (true: scale the history so it starts
    at the symbol's price; default false: the recorded prices, exactly), ``loop`` (true: start again at the end;
    default false: the last price holds). ``volatility`` and ``drift`` are not used; ``vol_scale`` neither (a
    replay is what happened); market events still bend the replayed price."""

    name = "historical"
    PARAMS = {"path", "data", "ticks_per_bar", "rebase", "loop"}

    def __init__(self, config: MarketConfig, start_price: float, rng: np.random.Generator) -> None:
        super().__init__(config, start_price, rng)
        params = config.params
        if "path" not in params and "data" not in params:
            raise ConfigurationError("marketConfig.params.path: the historical model needs a CSV file to replay")
        data = params["data"] if "data" in params else read_history(params["path"])
        if "kind" not in data:
            data = {**data, "kind": "bars" if "close" in data else "ticks"}
        ticks = params.get("ticks_per_bar", 8)
        if isinstance(ticks, bool) or not isinstance(ticks, int) or ticks < 4:
            raise ConfigurationError(f"marketConfig.params.ticks_per_bar={ticks!r}: must be a whole number >= 4 "
                                     "(open, high, low and close each need a tick)")
        self.ticks_per_bar = ticks if data["kind"] == "bars" else 1
        if data["kind"] == "bars":
            self.prices, self.volumes = bar_ticks(data, ticks)
        else:
            self.prices = np.asarray(data["price"], dtype=float)
            self.volumes = np.asarray(data.get("size", np.zeros(len(self.prices))), dtype=float)
        self.first_price = float(data["open"][0]) if data["kind"] == "bars" else float(self.prices[0])
        self.scale = float(start_price) / self.first_price if params.get("rebase") else 1.0
        self.loop = bool(params.get("loop", False))
        self.index = 0  # ticks replayed so far
        self.price = self.first_price * self.scale
        self.last_volume = 0.0

    def _indices(self, n: int) -> np.ndarray:
        idx = self.index + np.arange(n)
        total = len(self.prices)
        return idx % total if self.loop else np.minimum(idx, total - 1)

    def step(self, dt_days: float, vol_scale: float = 1.0, fraction: float | None = None) -> float:
        i = self.index % len(self.prices) if self.loop else min(self.index, len(self.prices) - 1)
        self.price = float(self.prices[i]) * self.scale
        self.last_volume = float(self.volumes[i]) if self.index < len(self.prices) or self.loop else 0.0
        self.index += 1
        return self.price

    def path(self, n: int, dt_days: float, vol_scale: float | np.ndarray = 1.0,
             fractions: np.ndarray | None = None) -> np.ndarray:
        idx = self._indices(n)
        prices = self.prices[idx] * self.scale
        self.index += n
        self.price = float(prices[-1])
        return prices

    def path_volumes(self, n: int) -> np.ndarray:
        """The recorded volumes of the next ``n`` ticks (call before ``path``); zero once a replay has ended."""
        idx = self.index + np.arange(n)
        vols = self.volumes[idx % len(self.volumes)] if self.loop else \
            np.where(idx < len(self.volumes), self.volumes[np.minimum(idx, len(self.volumes) - 1)], 0.0)
        return vols

    @property
    def finished(self) -> bool:
        return not self.loop and self.index >= len(self.prices)

    def shift(self, factor: float) -> None:
        super().shift(factor)
        self.scale *= factor

    def state(self) -> dict:
        return {**super().state(), "index": self.index, "scale": self.scale}

    def restore(self, state: dict) -> None:
        super().restore(state)
        self.index, self.scale = int(state.get("index", self.index)), float(state.get("scale", self.scale))


from .realistic import RealisticModel  # noqa: E402  (it builds on model_base, not on this module)

MODELS: dict[str, Callable[..., PriceModel]] = {
    "random_walk": RandomWalkModel,
    "mean_reversion": MeanReversionModel,
    "momentum": MomentumModel,
    "garch": GarchModel,
    "historical": HistoricalModel,
    "realistic": RealisticModel,
}
"""Model name -> class."""


def create_model(config: MarketConfig, start_price: float, rng: np.random.Generator) -> PriceModel:
    try:
        factory = MODELS[config.model]
    except KeyError:
        raise ConfigurationError(
            f"marketConfig.model={config.model!r}: not available (available: {', '.join(sorted(MODELS))})") from None
    return factory(config, start_price, rng)


def describe_params(model: str) -> dict[str, Any]:
    cls = MODELS[model]
    return {"model": model, "parameters": sorted(getattr(cls, "PARAMS", set()))}
