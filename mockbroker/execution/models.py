"""Small pluggable models the engine is built from, each named by what it does and chosen by configuration.

- Latency: ``UniformLatency`` (``latencyMin..latencyMax`` ms, all equally likely) and ``LognormalLatency``
  (heavy-tailed: ``latencyMin`` + a lognormal whose median is halfway to ``latencyMax``, log-sd
  ``latencySigma``, capped at ``max(latencyCap, latencyMax)``). Both draw one number per command from the
  engine's latency generator, so the same seed and commands give the same arrival times.
- Impact: ``SquareRootImpact``: the square-root law on the parent order: an order of ``Q`` shares in a symbol
  trading ``V`` shares a day with daily volatility ``sigma`` (a fraction) pays a temporary impact of at least
  ``Y x sigma x sqrt(Q / V)`` of the price on average, and leaves ``P x sigma x sqrt(Q / V)`` in the simulated
  price, of which ``impactLasting`` stays and the rest fades with a half-life of ``impactHalfLife`` seconds.
- Touch fills: when the market only touches a resting limit (the opposite best price equals the limit),
  ``ProbabilisticTouch`` fills it with probability ``fillProbability``; ``QueuePositionTouch`` fills it once the
  shares queued ahead of it at its price are gone (see ``QueuePositionTouch``).

Every model is a plain object with no closures, so the broker stays deep-copyable and picklable.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from ..clock import NS_PER_MS
from ..config import ExecutionConfig
from ..domain import Side


class _DrawnAhead:
    """Draws ``BATCH`` random numbers at a time (one numpy call instead of one per command) and hands them out in
    order: the generator's stream, and so every arrival time, is exactly what drawing one at a time gives."""

    BATCH = 512

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._ready: list[int] = []  # reversed, so ``pop()`` hands them out in drawing order

    def draw_ns(self) -> int:
        ready = self._ready
        if not ready:
            ready = self._ready = self._batch()[::-1]
        return ready.pop()

    def _batch(self) -> list[int]:
        raise NotImplementedError


class UniformLatency(_DrawnAhead):
    def __init__(self, config: ExecutionConfig, rng: np.random.Generator) -> None:
        super().__init__(rng)
        self.low = float(config.latency_min)
        self.span = float(config.latency_max) - self.low

    def _batch(self) -> list[int]:
        if self.span == 0:
            return [int(round(self.low * NS_PER_MS))] * self.BATCH  # nothing random: the generator is not used
        ms = self.low + self.span * self.rng.random(self.BATCH)
        return np.rint(ms * NS_PER_MS).astype(np.int64).tolist()


class LognormalLatency(_DrawnAhead):
    """Most commands arrive in ``latencyMin..latencyMax``; some take much longer, as on a real network."""

    def __init__(self, config: ExecutionConfig, rng: np.random.Generator) -> None:
        super().__init__(rng)
        self.low = float(config.latency_min)
        median = (float(config.latency_max) - self.low) / 2
        self.mu = math.log(median) if median > 0 else None
        self.sigma = float(config.latency_sigma)
        self.cap = max(float(config.latency_cap), float(config.latency_max))

    def _batch(self) -> list[int]:
        if self.mu is None:
            return [int(round(self.low * NS_PER_MS))] * self.BATCH
        low, mu, sigma, cap, exp = self.low, self.mu, self.sigma, self.cap, math.exp
        # math.exp, one at a time: numpy's vectorised exp may differ in the last bit from the C library's.
        return [int(round(min(cap, low + exp(mu + sigma * z)) * NS_PER_MS))
                for z in self.rng.standard_normal(self.BATCH).tolist()]


LATENCY_MODELS = {"uniform": UniformLatency, "lognormal": LognormalLatency}


def latency_model(config: ExecutionConfig, rng: np.random.Generator):
    return LATENCY_MODELS[config.latency_distribution](config, rng)


class SquareRootImpact:
    """The square-root law on the parent order. An order of Q shares in a symbol trading V shares a day with daily
    volatility sigma pays at least ``temporary`` x sigma sqrt(Q / V) against the mid on average (Y), and moves the
    price by ``permanent`` x sigma sqrt(Q / V) (P) once it is done; of that move, ``lasting_share`` stays and the
    rest fades with a half-life of ``half_life`` seconds (a transient impact, as after real metaorders: Moro et al.
    2009, Bershova and Rakhlin 2013). All fractions of the price (x 10,000 for bps)."""

    def __init__(self, temporary: float, permanent: float, lasting_share: float = 1.0,
                 half_life: float = 0.0) -> None:
        self.temporary = float(temporary)
        self.permanent = float(permanent)
        self.lasting_share = float(lasting_share)
        self.half_life = float(half_life)

    @property
    def active(self) -> bool:
        return self.temporary > 0 or self.permanent > 0

    @staticmethod
    def scale(qty, daily_volume: int, daily_sigma: float) -> float:
        """sigma x sqrt(q / V): the impact of a trade of ``qty`` with Y = 1, as a fraction of the price."""
        return daily_sigma * math.sqrt(float(qty) / daily_volume) if daily_volume > 0 else 0.0

    @staticmethod
    def parent_scales(before, qty, daily_volume: int, daily_sigma: float) -> tuple[float, float]:
        """For a fill of ``qty`` after ``before`` shares of the same order (Y = P = 1): the least this fill pays
        against the mid, sigma ((F + q)^1.5 - F^1.5) / (q sqrt(V)) -- its marginal cost, so the order's average is
        sigma sqrt(Q / V) --, and the increase of the order's impact, sigma (sqrt(F + q) - sqrt(F)) / sqrt(V).
        With nothing filled before both are sigma sqrt(q / V). Quantities may be int, float or Decimal."""
        if daily_volume <= 0:
            return 0.0, 0.0
        q = float(qty)
        if not before:
            law = daily_sigma * math.sqrt(q / daily_volume)
            return law, law
        f = float(before)
        root_v = math.sqrt(daily_volume)
        total = math.sqrt(f + q)
        return (daily_sigma * ((f + q) * total - f * math.sqrt(f)) / (q * root_v),
                daily_sigma * (total - math.sqrt(f)) / root_v)


class ProbabilisticTouch:
    """A touched resting limit fills with probability ``fillProbability`` at each market update."""

    def __init__(self, probability: float, rng: np.random.Generator) -> None:
        self.probability = float(probability)
        self.rng = rng

    def joins(self, order, own_levels) -> None:
        """Nothing to remember when an order starts resting."""

    def on_print(self, order, price: Decimal, size: int) -> None:
        """Prints do not matter to a coin flip."""

    def fills_when_touched(self, order) -> bool:
        if self.probability >= 1.0:
            return True
        return self.rng.random() < self.probability


class QueuePositionTouch:
    """Price-time priority, estimated. When an order starts resting, the shares displayed at its price on its own
    side of the book are ahead of it (none if its price is better than the best there; the last displayed level's
    size if it is deeper than the displayed book). Each print of other participants at its price or better (a
    sell print at or below a buy's limit, a buy print at or above a sell's) wears that queue down. A touch fills
    the order only once nothing is left ahead of it; no coin is flipped."""

    def __init__(self) -> None:
        pass

    def joins(self, order, own_levels) -> None:
        if order.queue_ahead is not None:
            return
        limit = order.limit_price
        ahead = 0
        for price, size in own_levels:
            if price == limit:
                ahead = size
                break
            better = price < limit if order.side is Side.BUY else price > limit
            if better:
                break
        else:
            if own_levels:
                ahead = own_levels[-1][1]
        order.queue_ahead = ahead

    def on_print(self, order, price: Decimal, size: int) -> None:
        if order.queue_ahead:
            at_or_better = price <= order.limit_price if order.side is Side.BUY else price >= order.limit_price
            if at_or_better:
                order.queue_ahead = max(0, order.queue_ahead - size)

    def fills_when_touched(self, order) -> bool:
        return not order.queue_ahead
