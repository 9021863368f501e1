"""The price model contract (``PriceModel``) and the parameter checks every model shares; the models themselves
live in ``models.py`` (and ``realistic.py``). See ``models.py`` for the rules every model follows."""

from __future__ import annotations

import math

import numpy as np

from ..config import MarketConfig
from ..errors import ConfigurationError

TRADING_SECONDS_PER_DAY = 6.5 * 3600
BLOCK = 4096
"""Random numbers are drawn this many at a time for ``step``; ``path`` draws what it needs in one call."""


def _param(config: MarketConfig, name: str, default: float, low: float, high: float, low_open: bool = False) -> float:
    value = config.params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value < low or value > high or (low_open and value == low):
        bound = f"greater than {low:g}" if low_open else f"from {low:g}"
        raise ConfigurationError(f"marketConfig.params.{name}={value!r}: must be a number {bound} to {high:g}")
    return float(value)


COMMON_PARAMS = {"volume_profile"}
"""Parameters every model accepts (the simulator reads them): ``volume_profile``, a list of relative volumes over
the session's equal buckets (see ``microstructure.volume_profile``)."""


def _check_params(config: MarketConfig, model: str, known: set[str]) -> None:
    known = known | COMMON_PARAMS
    profile = config.params.get("volume_profile")
    if profile is not None and (not isinstance(profile, (list, tuple)) or not profile or any(
            isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0 for w in profile)
            or sum(profile) <= 0):
        raise ConfigurationError(f"marketConfig.params.volume_profile={profile!r}: must be a list of numbers >= 0, "
                                 "not all zero (relative volume in equal parts of the session)")
    unknown = sorted(set(config.params) - known)
    if unknown:
        raise ConfigurationError(f"marketConfig.params.{unknown[0]}: not a parameter of the {model} model "
                                 f"(parameters: {', '.join(sorted(known)) or 'none'})")


class PriceModel:
    name = "base"
    PARAMS: set[str] = set()
    SHOCKS = 1
    """Random numbers used per step."""

    def __init__(self, config: MarketConfig, start_price: float, rng: np.random.Generator) -> None:
        _check_params(config, self.name, self.PARAMS)
        self.config = config
        self.price = float(start_price)
        self.rng = rng
        self.sigma = config.volatility / 100.0
        self.mu = config.drift / 100.0
        self._buffer = np.empty((0, self.SHOCKS))
        self._pos = 0
        self.last_ratios: np.ndarray | None = None
        """After ``path``: each update's variance relative to the long-run level (None: always 1)."""
        self.last_spread_shapes: np.ndarray | None = None
        """After ``path``: each update's intraday spread shape (None: flat, 1)."""
        self.last_activity: np.ndarray | None = None
        """After ``path``: each update's trading activity, the tape's volume multiplier (None: 1)."""

    # --- randomness, in the generator's natural order ----------------------------------------------------------
    def _sample(self, count: int) -> np.ndarray:
        return self.rng.standard_normal((count, self.SHOCKS))

    def _draw(self, n: int) -> np.ndarray:
        """The next ``n`` rows of random numbers: what is left of the buffer, then fresh draws."""
        left = self._buffer[self._pos:]
        if n <= len(left):
            self._pos += n
            return left[:n]
        self._buffer, self._pos = np.empty((0, self.SHOCKS)), 0
        return np.concatenate([left, self._sample(n - len(left))]) if len(left) else self._sample(n)

    def _next(self) -> np.ndarray:
        """One row of random numbers for ``step`` (refilling the buffer a block at a time)."""
        if self._pos >= len(self._buffer):
            self._buffer, self._pos = self._sample(BLOCK), 0
        row = self._buffer[self._pos]
        self._pos += 1
        return row

    # --- the contract --------------------------------------------------------------------------------------------
    def step(self, dt_days: float, vol_scale: float = 1.0, fraction: float | None = None) -> float:
        """One update. ``fraction`` is where the update falls in the regular session (0 = the open, 1 = the
        close); models with an intraday shape use it, the others ignore it."""
        return float(self.path(1, dt_days, vol_scale)[0])

    def path(self, n: int, dt_days: float, vol_scale: float | np.ndarray = 1.0,
             fractions: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def begin(self, fraction: float, dt_seconds: float) -> None:
        """Told once, before the first update, where in the session (0 = the open) that update will fall, every
        ``dt_seconds``: a model with intraday shapes quotes that time's spread from the start."""

    def shift(self, factor: float) -> None:
        """A jump (gap, split): the price is multiplied by ``factor`` and the model carries on from there."""
        self.price *= factor

    def vol_ratio(self) -> float:
        """The current volatility relative to the configured one (the spread widens with it)."""
        return 1.0

    def spread_shape(self) -> float:
        """The intraday shape of the spread at the latest update (1 = the configured spread)."""
        return 1.0

    def activity(self) -> float:
        """How busy trading is at the latest update, relative to the symbol's average (the tape's rate)."""
        return 1.0

    def state(self) -> dict:
        return {"price": self.price, "buffer": self._buffer.copy(), "pos": self._pos}

    def restore(self, state: dict) -> None:
        self.price = float(state["price"])
        if "buffer" in state:
            self._buffer, self._pos = np.array(state["buffer"]), int(state["pos"])
