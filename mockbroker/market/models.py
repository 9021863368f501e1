"""Price models: how the fundamental (mid) price of one symbol moves between market updates.

Rules:
- A model owns its state (the current price, and whatever else it needs) and draws randomness only from the
  generator it was given, so the same seed gives the same path.
- ``step(dt_days, vol_scale)`` moves the price by one update of ``dt_days`` trading days (6.5 hours each) and
  returns it; ``vol_scale`` multiplies the volatility (market events use it). ``path(n, dt_days)`` generates
  ``n`` steps at once, vectorized, for the simulator CLI and benchmarks; it continues from, and updates, the
  same state, so ``path(n)`` and ``n`` calls of ``step`` draw the same numbers.
- Prices stay strictly positive (models work on log prices).
- ``volatility`` is the daily volatility in percent, ``drift`` the expected daily return in percent.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..config import MarketConfig
from ..errors import ConfigurationError

TRADING_SECONDS_PER_DAY = 6.5 * 3600


class PriceModel:
    name = "base"

    def __init__(self, config: MarketConfig, start_price: float, rng: np.random.Generator) -> None:
        self.config = config
        self.price = float(start_price)
        self.rng = rng
        self.sigma = config.volatility / 100.0
        self.mu = config.drift / 100.0

    def step(self, dt_days: float, vol_scale: float = 1.0) -> float:
        return float(self.path(1, dt_days, vol_scale)[0])

    def path(self, n: int, dt_days: float, vol_scale: float = 1.0) -> np.ndarray:
        raise NotImplementedError

    def shift(self, factor: float) -> None:
        """A jump (gap, split): the price is multiplied by ``factor`` and the model carries on from there."""
        self.price *= factor

    def state(self) -> dict:
        return {"price": self.price}

    def restore(self, state: dict) -> None:
        self.price = float(state["price"])


class RandomWalkModel(PriceModel):
    """Geometric random walk with drift: log returns are normal with mean (mu - sigma^2/2) dt and sd sigma sqrt(dt)."""

    name = "random_walk"

    def path(self, n: int, dt_days: float, vol_scale: float = 1.0) -> np.ndarray:
        sigma = self.sigma * vol_scale
        shocks = self.rng.standard_normal(n)
        log_returns = (self.mu - 0.5 * sigma * sigma) * dt_days + sigma * math.sqrt(dt_days) * shocks
        prices = self.price * np.exp(np.cumsum(log_returns))
        self.price = float(prices[-1])
        return prices


MODELS: dict[str, Callable[..., PriceModel]] = {
    "random_walk": RandomWalkModel,
}
"""Model name -> class; the market-simulation work registers the other models here."""


def create_model(config: MarketConfig, start_price: float, rng: np.random.Generator) -> PriceModel:
    try:
        factory = MODELS[config.model]
    except KeyError:
        raise ConfigurationError(
            f"marketConfig.model={config.model!r}: not available (available: {', '.join(sorted(MODELS))})") from None
    return factory(config, start_price, rng)
