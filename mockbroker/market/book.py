"""A synthetic level-2 order book around the simulated mid price.

Rules:
- Best bid and ask sit on the tick grid: the spread rounded to whole ticks (at least one), centred on the mid to
  within half a tick (``microstructure.quote_ticks``).
- ``levels`` price levels a side, ``gap`` apart (at least one tick); the best level shows ``touch_size`` shares,
  each deeper level ``depth_growth`` x more, so a large order pays more the deeper it goes.
- Liquidity taken is remembered per side (``taken``) and removed from the best levels first; it replenishes
  with a half-life of ``replenish_half_life_s`` seconds of market time. A fixed ``offered`` total (set by a
  scenario: "only 1,000 ACME are offered") caps the displayed shares a side and does not replenish.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from ..domain import BookLevel, Side
from .microstructure import quote_ticks_one

LEVELS = 10
DEPTH_GROWTH = 0.25
REPLENISH_HALF_LIFE_S = 5.0


def to_tick(price: float, tick: Decimal, rounding: str) -> Decimal:
    steps = (Decimal(repr(float(price))) / tick).to_integral_value(rounding=rounding)
    return (steps * tick).quantize(tick)


def to_tick_half_even(price: float, tick: Decimal, tick_float: float) -> Decimal:
    """``to_tick(price, tick, "ROUND_HALF_EVEN")``, the float way where a float is sure of the steps (as
    ``to_ticks_half_even`` for one price: the simulator rounds a minute bar's five prices when the minute ends)."""
    quotient = float(price) / tick_float
    if quotient >= 1.0 and abs(abs(quotient - math.floor(quotient)) - 0.5) >= 1e-7 + abs(quotient) * 1e-12:
        return (Decimal(round(quotient)) * tick).quantize(tick)
    return to_tick(price, tick, "ROUND_HALF_EVEN")


def to_ticks_half_even(prices, tick: Decimal) -> list[Decimal]:
    """``to_tick(p, tick, "ROUND_HALF_EVEN")`` of many prices at once: the float quotient p / tick, rounded by numpy,
    decides the steps, except where it is too near a half step (or the price too near zero) for a float to be sure:
    those take the exact Decimal way. The same Decimals (value and places), a fraction of the time."""
    import numpy as np

    values = np.asarray(prices, dtype=float)
    quotient = values / float(tick)
    steps = np.rint(quotient)
    doubtful = (np.abs(np.abs(quotient - np.floor(quotient)) - 0.5) < 1e-7 + np.abs(quotient) * 1e-12) \
        | (quotient < 1.0)
    out = []
    for value, step, doubt in zip(values.tolist(), steps.tolist(), doubtful.tolist()):
        out.append(to_tick(value, tick, "ROUND_HALF_EVEN") if doubt else (Decimal(int(step)) * tick).quantize(tick))
    return out


@dataclass
class BookSide:
    taken: float = 0.0
    offered: int | None = None


class SyntheticBook:
    def __init__(self, tick: Decimal, levels: int = LEVELS) -> None:
        self.tick = tick
        self._tick_float = float(tick)
        self.levels = levels
        self.sides = {Side.BUY: BookSide(), Side.SELL: BookSide()}  # BUY = bids, SELL = asks
        self._last: dict[Side, tuple[tuple, list[BookLevel]]] = {}  # (inputs, levels) of each side's last answer
        self._weights_cache: list[float] = []

    def replenish(self, dt_seconds: float) -> None:
        decay = 0.5 ** (dt_seconds / REPLENISH_HALF_LIFE_S)
        for side in self.sides.values():
            if side.offered is None:
                side.taken *= decay
                if side.taken < 0.5:
                    side.taken = 0.0

    def set_offered(self, shares: int | None) -> None:
        for side in self.sides.values():
            side.offered = shares
            side.taken = 0.0

    def touch(self, mid: float, spread_bps: float) -> tuple[Decimal, Decimal]:
        """Best bid and ask: the spread in whole ticks, centred on the mid (``microstructure.quote_ticks``)."""
        bid, ask = quote_ticks_one(mid, spread_bps, self._tick_float)
        return Decimal(bid) * self.tick, Decimal(ask) * self.tick

    def gap(self, bid: Decimal, ask: Decimal) -> Decimal:
        steps = max(1, int(((ask - bid) / 2 / self.tick).to_integral_value(rounding=ROUND_FLOOR)))
        return self.tick * steps

    def levels_for(self, book_side: Side, mid: float, spread_bps: float, touch_size: float) -> list[BookLevel]:
        """The displayed levels of one side (``Side.BUY`` = bids, ``Side.SELL`` = asks), best first.

        Prices are counted in whole ticks (the touch's, ``gap`` ticks apart) and made Decimal once each; the
        last answer of each side is kept until its inputs change (the mid, the spread, the size at the touch, the
        shares taken or offered), so a quote, a book and an order looking at the same market build it once.
        ``BookLevel`` values are immutable: callers get a new list of the same levels."""
        state = self.sides[book_side]
        key = (mid, spread_bps, touch_size, state.taken, state.offered, self.levels)
        cached = self._last.get(book_side)
        if cached is not None and cached[0] == key:
            return list(cached[1])
        bid, ask = quote_ticks_one(mid, spread_bps, self._tick_float)
        steps = max(1, (ask - bid) // 2)  # ``gap`` in ticks: half the spread, rounded down, at least one
        if book_side is Side.BUY:
            first, steps = bid, -steps
        else:
            first = ask
        weights = self._weights()
        if state.offered is not None:
            total = sum(weights)
            sizes = [math.floor(state.offered * w / total) for w in weights]
            sizes[0] += state.offered - sum(sizes)  # whole shares that add up to exactly what is offered
        else:
            sizes = [touch_size * w for w in weights]
        tick = self.tick
        new = BookLevel.__new__
        remaining_taken = state.taken
        levels: list[BookLevel] = []
        for i, size in enumerate(sizes):
            ticks = first + steps * i
            if ticks <= 0:
                break
            shown = size - remaining_taken
            remaining_taken = remaining_taken - size if remaining_taken > size else 0.0
            whole = int(math.floor(shown))
            if whole > 0:
                level = new(BookLevel)  # frozen dataclass: filling its __dict__ is much faster than __init__
                level.__dict__.update(price=Decimal(ticks) * tick, size=whole)
                levels.append(level)
        self._last[book_side] = (key, levels)
        return list(levels)

    def _weights(self) -> list[float]:
        weights = self._weights_cache
        if len(weights) != self.levels:
            weights = self._weights_cache = [1.0 + DEPTH_GROWTH * i for i in range(self.levels)]
        return weights

    def take(self, book_side: Side, shares: int) -> None:
        self.sides[book_side].taken += shares

    def state(self) -> dict:
        return {side.value: {"taken": s.taken, "offered": s.offered} for side, s in self.sides.items()}

    def restore(self, state: dict) -> None:
        for side, s in self.sides.items():
            s.taken = float(state[side.value]["taken"])
            s.offered = state[side.value]["offered"]
