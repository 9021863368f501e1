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
from .microstructure import quote_ticks

LEVELS = 10
DEPTH_GROWTH = 0.25
REPLENISH_HALF_LIFE_S = 5.0


def to_tick(price: float, tick: Decimal, rounding: str) -> Decimal:
    steps = (Decimal(repr(float(price))) / tick).to_integral_value(rounding=rounding)
    return (steps * tick).quantize(tick)


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
        bid, ask = quote_ticks(mid, spread_bps, self._tick_float)
        return Decimal(bid) * self.tick, Decimal(ask) * self.tick

    def gap(self, bid: Decimal, ask: Decimal) -> Decimal:
        steps = max(1, int(((ask - bid) / 2 / self.tick).to_integral_value(rounding=ROUND_FLOOR)))
        return self.tick * steps

    def levels_for(self, book_side: Side, mid: float, spread_bps: float, touch_size: float) -> list[BookLevel]:
        """The displayed levels of one side (``Side.BUY`` = bids, ``Side.SELL`` = asks), best first."""
        bid, ask = self.touch(mid, spread_bps)
        gap = self.gap(bid, ask)
        state = self.sides[book_side]
        weights = [1.0 + DEPTH_GROWTH * i for i in range(self.levels)]
        if state.offered is not None:
            sizes = [math.floor(state.offered * w / sum(weights)) for w in weights]
            sizes[0] += state.offered - sum(sizes)  # whole shares that add up to exactly what is offered
        else:
            sizes = [touch_size * w for w in weights]
        remaining_taken = state.taken
        levels: list[BookLevel] = []
        for i, size in enumerate(sizes):
            price = bid - gap * i if book_side is Side.BUY else ask + gap * i
            if price <= 0:
                break
            shown = size - remaining_taken
            remaining_taken = max(0.0, remaining_taken - size)
            whole = int(math.floor(shown))
            if whole > 0:
                levels.append(BookLevel(price=price, size=whole))
        return levels

    def take(self, book_side: Side, shares: int) -> None:
        self.sides[book_side].taken += shares

    def state(self) -> dict:
        return {side.value: {"taken": s.taken, "offered": s.offered} for side, s in self.sides.items()}

    def restore(self, state: dict) -> None:
        for side, s in self.sides.items():
            s.taken = float(state[side.value]["taken"])
            s.offered = state[side.value]["offered"]
