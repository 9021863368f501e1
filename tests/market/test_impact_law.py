"""Market impact per parent order: the square-root law on what a trader pays, the book walk only ever making it
worse; the lasting move charged once per order (not per fill) and fading to its lasting share.

A buy and a sell of the same size on the same seed see the same market noise with opposite signs, so the mean
of their costs is the impact alone. Defaults (the realistic model, at midday): volatility 1.5% a day, 5,000,000 shares a day, 2,000 shares at the
touch (a 500,000-share order walks the book hundreds of times as it replenishes), Y = 1, P = 0.1.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from mockbroker import MockBroker
from mockbroker.config import AccountConfig, BrokerConfig, ExecutionConfig, MarketConfig, SymbolConfig
from mockbroker.domain import OrderRequest, OrderType, Side, TimeInForce

SIGMA, VOLUME = 0.015, 5_000_000


def law_bps(qty: int) -> float:
    return SIGMA * math.sqrt(qty / VOLUME) * 10_000


MIDDAY = "2026-01-05T12:00:00-05:00"
"""The orders trade at midday: the default (realistic) model quotes its spread's session average or less there;
at the open it quotes 1.7 times it, whose half alone is more than the law's cost of a 1,000-share order."""


def broker(seed: int = 3, liquidity: int = 2_000, **execution) -> MockBroker:
    return MockBroker(BrokerConfig(market=MarketConfig(volatility=100 * SIGMA, liquidity=liquidity),
                                   execution=ExecutionConfig(**execution),
                                   symbols=(SymbolConfig(symbol="ACME", price=Decimal("50.00")),),
                                   accounts=(AccountConfig(id="a", cash=Decimal(10**10)),), seed=seed,
                                   start=MIDDAY))


def execute(b: MockBroker, qty: int, side: Side):
    order = b.submit_order(OrderRequest("ACME", qty, side, OrderType.MARKET, TimeInForce.DAY), "a")
    order = b.settle_order(order.id, "a")
    while order.filled_qty < qty:
        b.advance(1)
        order = b.get_order(order.id, "a")
    return order


def cost_bps(qty: int, liquidity: int = 2_000, **execution) -> tuple[float, int]:
    """Mean of a buy's and a sell's cost against their arrival mid, in bps, and the buy's number of fills."""
    costs, fills = [], 0
    for side in (Side.BUY, Side.SELL):
        b = broker(liquidity=liquidity, **execution)
        order = execute(b, qty, side)
        costs.append(float(order.filled_avg_price / order.arrival_mid - 1) * side.sign * 10_000)
        fills = fills or len(b.list_fills("a", order.id))
    return sum(costs) / 2, fills


def displacement_bps(qty: int, seconds_after: float) -> float:
    """How far the order left the mid ``seconds_after`` it was done, against the same market without the trade
    (the price model's own path does not depend on trades), averaged over a buy and a sell."""
    moves = []
    for side in (Side.BUY, Side.SELL):
        traded, calm = broker(), broker()
        execute(traded, qty, side)
        traded.advance(seconds_after)
        calm.advance((traded.now_ns() - calm.now_ns()) / 1e9)
        moves.append(math.log(traded.market["ACME"].model.price / calm.market["ACME"].model.price) * side.sign)
    return sum(moves) / 2 * 10_000


def test_impact_grows_as_the_square_root_of_the_parent_order_from_1000_to_500000_shares():
    """Cost against size: log-log slope between 0.4 and 0.7 (the law: 0.5), every size at least the law (the
    book can make it worse, never better) and at most 20% above it. 500,000 shares take hundreds of fills."""
    sizes = [1_000, 10_000, 100_000, 500_000]
    results = [cost_bps(q) for q in sizes]
    costs = np.array([c for c, _ in results])
    slope = np.polyfit(np.log(sizes), np.log(costs), 1)[0]
    assert 0.4 <= slope <= 0.7, (slope, costs)
    for qty, cost in zip(sizes, costs):
        assert law_bps(qty) * 0.99 <= cost <= law_bps(qty) * 1.2, (qty, cost, law_bps(qty))
    assert results[-1][1] > 300, "the largest order walked the replenishing book many times"


def test_the_lasting_impact_is_charged_once_per_order_and_stays_below_the_traders_cost():
    """A 500,000-share market order (hundreds of fills): right after it, the price has moved P x the law on the
    whole order (0.1 x 47 bps = 4.7 bps; per fill it used to be 128 bps), less what faded while it executed
    (within 35%), and far below the 47 bps the trader paid."""
    moved = displacement_bps(500_000, 0.2)
    assert 0.65 * 0.1 * law_bps(500_000) <= moved <= 1.05 * 0.1 * law_bps(500_000), moved
    assert moved < cost_bps(500_000)[0] / 5


def test_the_transient_part_fades_with_its_half_life_to_the_lasting_share():
    """A 10,000-share order fills at once: 0.1 x 2.1 bps moves the price; after one half-life (300 s) 3/4 of it
    is left (half stays for good, half of the rest faded), after 30 minutes (6 half-lives) about half."""
    law = 0.1 * law_bps(10_000)
    assert displacement_bps(10_000, 0.2) == pytest.approx(law, rel=0.02)
    assert displacement_bps(10_000, 300) == pytest.approx(0.75 * law, rel=0.03)
    assert displacement_bps(10_000, 1800) == pytest.approx(0.5 * law, rel=0.03)


def test_an_order_filled_in_parts_pays_the_law_on_its_whole_size():
    """A deep book and at most half of what remains per match: 200,000 shares fill over many matches, each at
    the law's marginal cost, so the order's average is the law on 200,000 shares (not on each part's size,
    which would be cheaper), within 3%."""
    cost, fills = cost_bps(200_000, liquidity=10_000_000, partial_fill_ratio=0.5, permanent_impact_coefficient=0.0)
    assert fills > 5
    assert cost == pytest.approx(law_bps(200_000), rel=0.03)
