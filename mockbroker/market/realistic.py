"""The ``realistic`` price model: the stylized facts of real equities at the daily scale and within the day.

How a trading day is made (``volatility.py`` has the pieces):
1. The day's log return: R_d = drift + sqrt(h_d) e_d, e_d a skewed Student-t, h_d the daily variance of
   ``DailyVariance`` (a fast and a slow component, asymmetric news, leverage). This gives fat tails, negative skew,
   volatility clustering that decays slowly, the leverage effect and the gain/loss asymmetry, and no linear
   autocorrelation, at the daily scale. The daily numbers come from a generator of their own, so a seed gives
   the same daily closes at any update frequency.
2. The session is cut into periods of ``period_seconds`` (one minute by default). Each period gets a share of the
   day's variance: the U-shaped intraday volatility profile (wild at the open, calmer at midday, livelier into the
   close) times an intraday GARCH(1,1) factor q with Student-t shocks (bursts of activity within the day that fade
   in minutes). ``overnight_share`` of the day's variance is the gap at the open.
3. The periods' returns are drawn and then bridged so they add up exactly to the day's return (a Gaussian bridge
   weighted by each period's variance); each period's return is spread over its updates as a Brownian bridge.
   So the daily facts hold exactly and the intraday facts (U-shape, clustering, fat one-minute tails) hold on top.
4. Trading activity (the tape's volume) rises with volatility: ((1 - c) + c h_d / V) ((1 - c_i) + c_i q), both
   factors of mean 1, times a day-to-day factor (lognormal, mean 1), so a day's expected volume is the symbol's
   daily volume; the spread follows its own intraday shape and widens with sqrt(h_d q / V).

Where in the session an update falls comes from ``fraction`` (the simulator and the generator pass it); without
it, updates follow one another from the open, ``ceil(23,400 s / update)`` a session.
"""

from __future__ import annotations

import math

import numpy as np

from ..config import MarketConfig
from ..errors import ConfigurationError
from .model_base import BLOCK, TRADING_SECONDS_PER_DAY, PriceModel, _param
from .volatility import (DailyVariance, bucket_profile, garch_variances, session_shape, shape_mean, skewt_draw,
                         t_scale)

# Defaults: the daily part fitted to the S&P 500 1999-2018 (arch.data.sp500) by ``calibration.fit_daily``;
# the intraday shapes from published intraday patterns (docs/market-simulation.md cites them).
DAILY_DEFAULTS = {
    "persistence": [0.8883, 0.9916],
    "reaction": [0.0078, 0.0677],
    "leverage": [0.1182, 0.0],
    "asymmetry": 0.708,
    "nu": 9.19,
    "skew": -0.135,
}
INTRADAY_DEFAULTS = {
    "period_seconds": 60.0,
    "intraday_alpha": 0.05,
    "intraday_beta": 0.90,
    "intraday_nu": 5.0,
    "overnight_share": 0.2,
    "open_volatility": 2.5,
    "close_volatility": 1.5,
    "open_spread": 1.8,
    "close_spread": 1.2,
    "shape_minutes": 20.0,
    "volume_coupling": 0.035,
    "volume_variation": 0.13,
    "intraday_volume_coupling": 0.5,
}
MAX_COMPONENTS = 4
SESSION_SECONDS = TRADING_SECONDS_PER_DAY


def _list_param(config: MarketConfig, name: str, default: list[float], low: float, high: float,
                length: int | None = None) -> list[float]:
    value = config.params.get(name, default)
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_COMPONENTS or (
            length is not None and len(value) != length) or any(
            isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not low <= v <= high
            for v in value):
        size = f"{length}" if length is not None else f"1 to {MAX_COMPONENTS}"
        raise ConfigurationError(f"marketConfig.params.{name}={value!r}: must be a list of {size} numbers from "
                                 f"{low:g} to {high:g} (one per variance component)")
    return [float(v) for v in value]


def _profile_param(config: MarketConfig, name: str) -> np.ndarray | None:
    value = config.params.get(name)
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not value or any(
            isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w <= 0 for w in value):
        raise ConfigurationError(f"marketConfig.params.{name}={value!r}: must be a list of numbers > 0 (relative "
                                 "level in equal parts of the session)")
    return np.asarray(value, dtype=float)


def updates_per_session(dt_seconds: float) -> int:
    """Updates in a regular session: at the open, then every ``dt_seconds`` while before the close."""
    return max(1, math.ceil(SESSION_SECONDS / dt_seconds - 1e-9))


class RealisticModel(PriceModel):
    """See the module docstring. Parameters (all optional; units in docs/market-simulation.md): daily --
    ``persistence``, ``reaction``, ``leverage`` (lists, one entry per variance component), ``asymmetry``, ``nu``,
    ``skew``; intraday -- ``period_seconds``, ``intraday_alpha``, ``intraday_beta``, ``intraday_nu``,
    ``overnight_share``, ``open_volatility``, ``close_volatility``, ``open_spread``, ``close_spread``,
    ``shape_minutes``, ``volatility_profile``, ``spread_profile`` (lists over equal parts of the session);
    volume -- ``volume_coupling``, ``intraday_volume_coupling``, ``volume_variation``."""

    name = "realistic"
    PARAMS = set(DAILY_DEFAULTS) | set(INTRADAY_DEFAULTS) | {"volatility_profile", "spread_profile"}

    def __init__(self, config: MarketConfig, start_price: float, rng: np.random.Generator) -> None:
        super().__init__(config, start_price, rng)
        d = DAILY_DEFAULTS
        persistence = _list_param(config, "persistence", d["persistence"], 0.0, 0.9999)
        reaction = _list_param(config, "reaction", d["reaction"], 0.0, 1.0, len(persistence))
        leverage = _list_param(config, "leverage", d["leverage"], 0.0, 1.0, len(persistence))
        if sum(reaction) >= 1.0:
            raise ConfigurationError(f"marketConfig.params.reaction={reaction!r}: must add up to less than 1")
        self.daily = DailyVariance(
            self.sigma ** 2, persistence, reaction, leverage,
            _param(config, "asymmetry", d["asymmetry"], 0.0, 1.0),
            _param(config, "nu", d["nu"], 2.1, 1_000.0), _param(config, "skew", d["skew"], -0.95, 0.95))
        i = INTRADAY_DEFAULTS
        self.period_seconds = _param(config, "period_seconds", i["period_seconds"], 0.0, SESSION_SECONDS,
                                     low_open=True)
        self.q_alpha = _param(config, "intraday_alpha", i["intraday_alpha"], 0.0, 1.0)
        self.q_beta = _param(config, "intraday_beta", i["intraday_beta"], 0.0, 1.0)
        if self.q_alpha + self.q_beta >= 1.0:
            raise ConfigurationError(f"marketConfig.params.intraday_beta={self.q_beta!r}: intraday_alpha + "
                                     "intraday_beta must be below 1")
        self.q_nu = _param(config, "intraday_nu", i["intraday_nu"], 2.1, 1_000.0)
        self.overnight = _param(config, "overnight_share", i["overnight_share"], 0.0, 0.9)
        self.shape = (_param(config, "open_volatility", i["open_volatility"], 0.1, 20.0),
                      _param(config, "close_volatility", i["close_volatility"], 0.1, 20.0),
                      _param(config, "shape_minutes", i["shape_minutes"], 0.1, 390.0))
        self.spread_shape_params = (_param(config, "open_spread", i["open_spread"], 0.1, 20.0),
                                    _param(config, "close_spread", i["close_spread"], 0.1, 20.0), self.shape[2])
        self.volatility_profile = _profile_param(config, "volatility_profile")
        self.spread_profile = _profile_param(config, "spread_profile")
        self._spread_mean = shape_mean(*self.spread_shape_params)
        self.coupling = _param(config, "volume_coupling", i["volume_coupling"], 0.0, 1.0)
        self.intraday_coupling = _param(config, "intraday_volume_coupling", i["intraday_volume_coupling"], 0.0, 1.0)
        self.volume_sd = _param(config, "volume_variation", i["volume_variation"], 0.0, 2.0)
        # Derived generators: the daily path depends on the seed only (not on how often prices update), and the
        # bridges' normals do not disturb the periods' shocks.
        self.daily_rng = np.random.Generator(np.random.PCG64(int(rng.integers(2**63))))
        self.bridge_rng = np.random.Generator(np.random.PCG64(int(rng.integers(2**63))))
        self._day_shocks, self._day_normals, self._day_pos = np.empty(0), np.empty(0), 0
        self.q = 1.0  # the intraday factor of the next period to generate
        self.day: dict | None = None
        self.sessions = 0  # sessions begun so far (the first opens at the symbol's price: no overnight gap)
        self.last_u = -1  # the latest update's index in its session
        self._current = (1.0, 1.0, 1.0)  # (variance ratio, spread shape, activity) of the latest update
        self._current_k = -1  # the day's period ``_current`` was read from (-1: none)
        self._inc = np.empty(0)  # per-update increments of periods [_inc_first, _next_period) of the day
        self._inc_first = 0
        self._next_period = 0

    # --- the shapes over the session ---------------------------------------------------------------------------
    def variance_weights(self, fractions: np.ndarray) -> np.ndarray:
        """Relative variance at ``fractions`` of the session (the square of the volatility profile)."""
        if self.volatility_profile is not None:
            sd = bucket_profile(fractions, self.volatility_profile)
        else:
            sd = session_shape(fractions, *self.shape)
        return sd * sd

    def spread_shapes(self, fractions: np.ndarray) -> np.ndarray:
        """The spread at ``fractions`` of the session relative to its session average."""
        if self.spread_profile is not None:
            return bucket_profile(fractions, self.spread_profile / self.spread_profile.mean())
        return session_shape(fractions, *self.spread_shape_params) / self._spread_mean

    def _period_middle(self, u: int, dt_seconds: float) -> float:
        """The session fraction at the middle of the period holding update ``u`` (the day's shapes are read there)."""
        n = updates_per_session(dt_seconds)
        m = max(1, int(round(self.period_seconds / dt_seconds)))
        k = min(max(0, u), n - 1) // m
        return (k * m + min(m, n - k * m) / 2.0) * dt_seconds / SESSION_SECONDS

    def begin(self, fraction: float, dt_seconds: float) -> None:
        """Before the first update: quote the spread of the period the first update falls in, so the book does not
        widen or narrow 100 ms after the start (a broker started at 09:30 quotes the open's spread at once)."""
        u = int(round(fraction * SESSION_SECONDS / dt_seconds))
        shape = float(self.spread_shapes(np.array([self._period_middle(u, dt_seconds)]))[0])
        self._current = (self._current[0], shape, self._current[2])

    # --- one trading day ---------------------------------------------------------------------------------------
    DAY_BLOCK = 256
    """The daily generator draws this many days' shocks at a time; days take them in order, so how the days are
    asked for (one by one as sessions open, or many at once) never changes the numbers."""

    def _shocks(self, days: int) -> tuple[np.ndarray, np.ndarray]:
        """The next ``days`` days' standardized shocks and volume normals, from blocks of the daily generator."""
        shocks, normals = self._day_shocks[self._day_pos:], self._day_normals[self._day_pos:]
        while len(shocks) < days:
            shocks = np.concatenate([shocks, skewt_draw(self.daily_rng, self.DAY_BLOCK, self.daily.nu,
                                                        self.daily.skew)])
            normals = np.concatenate([normals, self.daily_rng.standard_normal(self.DAY_BLOCK)])
        self._day_shocks, self._day_normals, self._day_pos = shocks, normals, days
        return shocks[:days], normals[:days]

    def _days(self, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The next ``count`` days: standardized shocks, excess log returns, conditional variances and volume
        factors (lognormal, mean 1)."""
        shocks, normals = self._shocks(count)
        excess, variances = self.daily.simulate(shocks)
        factors = np.exp(self.volume_sd * normals - 0.5 * self.volume_sd ** 2)
        return shocks, excess, variances, factors

    def daily_path(self, days: int) -> dict[str, np.ndarray]:
        """The next ``days`` trading days at the daily scale only, with exactly the numbers a full intraday path
        would give a model in the same state (the daily generator is the daily part's own): log returns (drift
        included), conditional variances and volume factors (the day factor times the volatility coupling, the
        intraday factors taken at their mean of 1). For the long statistical runs, where the intraday detail would
        only cost time."""
        _, excess, variances, factors = self._days(days)
        volume = factors * ((1.0 - self.coupling) + self.coupling * self._relative(variances))
        return {"returns": self.mu + excess, "variances": variances, "volume": volume}

    def _relative(self, h):
        """A daily variance relative to the long-run level; 1 in a still market (``volatility`` 0: nothing moves,
        so nothing widens the spread or stirs the tape beyond its usual rhythm)."""
        V = self.daily.V
        return h / V if V > 0 else (np.ones_like(h) if isinstance(h, np.ndarray) else 1.0)

    def _new_day(self, dt_seconds: float) -> None:
        n = updates_per_session(dt_seconds)
        m = max(1, int(round(self.period_seconds / dt_seconds)))
        periods = -(-n // m)
        counts = np.full(periods, m)
        counts[-1] = n - (periods - 1) * m
        shocks, excess, variances, factors = self._days(1)
        shock, h, day_factor = float(shocks[0]), float(variances[0]), float(factors[0])
        eps = self.rng.standard_t(self.q_nu, periods + 1) * t_scale(self.q_nu)
        omega = 1.0 - self.q_alpha - self.q_beta
        q = garch_variances(eps[1:] ** 2, self.q, omega, self.q_alpha, self.q_beta)
        self.q = omega + q[-1] * (self.q_beta + self.q_alpha * eps[-1] ** 2)
        middle = (np.arange(periods) * m + counts / 2.0) * dt_seconds / SESSION_SECONDS
        seasonal = self.variance_weights(middle)
        seasonal *= n / float(np.sum(seasonal * counts))  # mean 1 over the session's updates
        # The symbol's price is where its first session opens: no overnight gap before it (a broker started at
        # 09:30 does not jump 100 ms later); that day's whole variance falls inside the session.
        overnight = self.overnight if self.sessions else 0.0
        self.sessions += 1
        weights = (1.0 - overnight) * seasonal * q * counts / n
        raw = np.sqrt(weights) * eps[1:]
        raw_gap = math.sqrt(overnight) * eps[0]
        total = float(weights.sum()) + overnight
        missing = shock - float(raw.sum()) - raw_gap  # bridge: the day adds up to its shock exactly
        scale = math.sqrt(h)
        relative = self._relative(h)
        self.day = {
            "dt": dt_seconds, "n": n, "m": m, "counts": counts,
            "returns": scale * (raw + weights / total * missing),
            "variances": h * weights,
            "gap": scale * (raw_gap + overnight / total * missing),
            "ratio": relative * q if self.daily.V > 0 else np.ones(periods),
            "spread": self.spread_shapes(middle),
            "activity": day_factor * ((1.0 - self.coupling) + self.coupling * relative)
            * ((1.0 - self.intraday_coupling) + self.intraday_coupling * q),
        }
        self.last_u = -1
        self._current_k = -1
        self._inc, self._inc_first, self._next_period = np.empty(0), 0, 0

    def _trim(self, first_period: int) -> None:
        """Forget the increments of periods before ``first_period`` (updates only move forward in a day)."""
        drop = min(first_period, self._next_period) - self._inc_first
        if drop > 0:
            self._inc = self._inc[drop * self.day["m"]:]
            self._inc_first += drop

    def _increments(self, first_period: int, last_period: int) -> None:
        """Have the per-update increments of periods ``first_period..last_period`` ready (``_inc`` covers periods
        ``_inc_first.._next_period - 1``, ``m`` updates each): each period's return is spread over its updates as
        a Brownian bridge. Periods are made in order, a block at a time, so the bridge's normals come in the same
        order however the updates are asked for."""
        self._trim(first_period)
        start = self._next_period
        if last_period < start:
            return
        day = self.day
        m = day["m"]
        total = len(day["counts"])
        end = min(total, max(last_period + 1, start + max(1, BLOCK // m)))
        if m > 1:
            counts = day["counts"][start:end]
            g = self.bridge_rng.standard_normal((end - start, m))
            short = counts[-1] < m  # the session's last period may have fewer updates
            if short:
                g[-1, counts[-1]:] = 0.0
            g -= (g.sum(axis=1) / counts)[:, None]
            if short:
                g[-1, counts[-1]:] = 0.0
            fresh = (g * np.sqrt(day["variances"][start:end] / counts)[:, None]
                     + (day["returns"][start:end] / counts)[:, None]).ravel()
        else:
            fresh = day["returns"][start:end].copy()
        if start == 0:
            fresh[0] += day["gap"]
        self._inc = np.concatenate([self._inc, fresh]) if len(self._inc) else fresh
        self._next_period = end

    # --- the contract --------------------------------------------------------------------------------------------
    def step(self, dt_days: float, vol_scale: float = 1.0, fraction: float | None = None) -> float:
        dt_seconds = dt_days * TRADING_SECONDS_PER_DAY
        day = self.day
        if fraction is None:
            u = self.last_u + 1 if day is not None else 0
            if day is None or u >= day["n"] or day["dt"] != dt_seconds:
                u = 0
                self._new_day(dt_seconds)
        else:
            same = day is not None and day["dt"] == dt_seconds
            u = min(max(0, int(round(fraction * SESSION_SECONDS / dt_seconds))),
                    (day["n"] if same else updates_per_session(dt_seconds)) - 1)
            if not same or u <= self.last_u:
                self._new_day(dt_seconds)
        day = self.day
        m = day["m"]
        k = u // m
        if k >= self._next_period or k > self._inc_first:
            self._increments(k, k)
        increment = float(self._inc[u - self._inc_first * m])
        self.last_u = u
        if k != self._current_k:  # the period's ratio, spread shape and activity hold for all its updates
            self._current = (float(day["ratio"][k]), float(day["spread"][k]), float(day["activity"][k]))
            self._current_k = k
        self.price *= math.exp(self.mu * dt_days + vol_scale * increment)
        return self.price

    def path(self, n: int, dt_days: float, vol_scale: float | np.ndarray = 1.0,
             fractions: np.ndarray | None = None) -> np.ndarray:
        dt_seconds = dt_days * TRADING_SECONDS_PER_DAY
        per = updates_per_session(dt_seconds)
        if fractions is None:
            u = (self.last_u + 1 + np.arange(n)) % per
        else:
            u = np.clip(np.rint(np.asarray(fractions, dtype=float) * (SESSION_SECONDS / dt_seconds)), 0, per - 1)
            u = u.astype(np.int64)
        inc = np.empty(n)
        ratios, spreads, activity = np.empty(n), np.empty(n), np.empty(n)
        for index, seg in enumerate(np.split(np.arange(n), np.nonzero(np.diff(u) <= 0)[0] + 1)):
            first = int(u[seg[0]])
            if index or self.day is None or self.day["dt"] != dt_seconds or first <= self.last_u:
                self._new_day(dt_seconds)
            day = self.day
            m = day["m"]
            k = u[seg] // m
            self._increments(int(k[0]), int(k[-1]))
            inc[seg] = self._inc[u[seg] - self._inc_first * m]
            ratios[seg], spreads[seg], activity[seg] = day["ratio"][k], day["spread"][k], day["activity"][k]
            self.last_u = int(u[seg[-1]])
            self._trim(int(k[-1]))
        self.last_ratios, self.last_spread_shapes, self.last_activity = ratios, spreads, activity
        self._current = (float(ratios[-1]), float(spreads[-1]), float(activity[-1]))
        self._current_k = -1
        prices = self.price * np.exp(np.cumsum(self.mu * dt_days + np.asarray(vol_scale, dtype=float) * inc))
        self.price = float(prices[-1])
        return prices

    def vol_ratio(self) -> float:
        return math.sqrt(self._current[0])

    def spread_shape(self) -> float:
        return self._current[1]

    def activity(self) -> float:
        return self._current[2]

    def state(self) -> dict:
        return {**super().state(), "daily": self.daily.state(), "q": self.q,
                "day": None if self.day is None else {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                                      for k, v in self.day.items()},
                "sessions": self.sessions, "last_u": self.last_u, "current": self._current, "inc": self._inc.copy(),
                "inc_first": self._inc_first, "next_period": self._next_period,
                "daily_rng": self.daily_rng.bit_generator.state, "bridge_rng": self.bridge_rng.bit_generator.state,
                "day_shocks": self._day_shocks[self._day_pos:].copy(),
                "day_normals": self._day_normals[self._day_pos:].copy()}

    def restore(self, state: dict) -> None:
        super().restore(state)
        if "daily" not in state:
            return
        self.daily.restore(state["daily"])
        self.q = float(state["q"])
        self.day = None if state["day"] is None else {k: (np.array(v) if isinstance(v, (list, np.ndarray)) else v)
                                                      for k, v in state["day"].items()}
        self.last_u = int(state["last_u"])
        self.sessions = int(state.get("sessions", 1))
        self._current = tuple(state["current"])
        self._current_k = -1
        self._inc = np.array(state["inc"])
        self._inc_first, self._next_period = int(state["inc_first"]), int(state["next_period"])
        self.daily_rng.bit_generator.state = state["daily_rng"]
        self.bridge_rng.bit_generator.state = state["bridge_rng"]
        self._day_shocks, self._day_normals = np.array(state["day_shocks"]), np.array(state["day_normals"])
        self._day_pos = 0
