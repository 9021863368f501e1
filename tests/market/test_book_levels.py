"""Speed work of issue 18 that must change nothing: the synthetic book's levels, counted in whole ticks and cached,
are exactly what the Decimal arithmetic they replaced gave (the same prices, value and exponent, and sizes, for any
mid, spread, depth, shares taken or offered, and tick); prices rounded to the tick many at once are each
``to_tick``'s; the history a market builds before its start, vectorized, is the one built bar by bar."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockbroker.domain import BookLevel, Side
from mockbroker.market.book import DEPTH_GROWTH, SyntheticBook, to_tick, to_tick_half_even, to_ticks_half_even


def reference_levels(book: SyntheticBook, book_side: Side, mid: float, spread_bps: float,
                     touch_size: float) -> list[BookLevel]:
    """``SyntheticBook.levels_for`` as it was before (commit 70ed082): Decimal prices, ``gap`` apart."""
    bid, ask = book.touch(mid, spread_bps)
    gap = book.gap(bid, ask)
    state = book.sides[book_side]
    weights = [1.0 + DEPTH_GROWTH * i for i in range(book.levels)]
    if state.offered is not None:
        sizes = [math.floor(state.offered * w / sum(weights)) for w in weights]
        sizes[0] += state.offered - sum(sizes)
    else:
        sizes = [touch_size * w for w in weights]
    remaining_taken = state.taken
    levels = []
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


@settings(max_examples=300, deadline=None)
@given(mid=st.floats(0.001, 5_000), spread_bps=st.floats(0.1, 500), touch_size=st.floats(0, 50_000),
       taken=st.floats(0, 200_000), offered=st.none() | st.integers(0, 100_000),
       tick=st.sampled_from(["0.01", "0.0001", "0.05", "1", "0.010"]), depth=st.integers(1, 12))
def test_levels_are_the_decimal_arithmetic_they_replaced(mid, spread_bps, touch_size, taken, offered, tick, depth):
    book = SyntheticBook(Decimal(tick), levels=depth)
    book.sides[Side.SELL].taken = taken
    book.sides[Side.BUY].taken = taken / 3
    if offered is not None:
        for side in book.sides.values():
            side.offered = offered
    for side in (Side.BUY, Side.SELL):
        expected = reference_levels(book, side, mid, spread_bps, touch_size)
        for _ in range(2):  # computed, then from the cache
            levels = book.levels_for(side, mid, spread_bps, touch_size)
            assert [(str(l.price), l.size) for l in levels] == [(str(l.price), l.size) for l in expected]
            assert levels == expected


def test_the_cache_follows_the_shares_taken_and_answers_a_fresh_list():
    book = SyntheticBook(Decimal("0.01"))
    before = book.levels_for(Side.SELL, 50.0, 4.0, 2_000)
    before.clear()  # a caller's list is its own
    assert book.levels_for(Side.SELL, 50.0, 4.0, 2_000)[0].size == 2_000
    book.take(Side.SELL, 500)
    assert book.levels_for(Side.SELL, 50.0, 4.0, 2_000)[0].size == 1_500
    book.replenish(3_600)
    assert book.levels_for(Side.SELL, 50.0, 4.0, 2_000)[0].size == 2_000


# --- the pre-start history, vectorized (every broker builds it) ---------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(prices=st.lists(st.floats(-5, 20_000, allow_nan=False) | st.sampled_from([50.125, 0.005, 0.015, 2.675, 1e-9,
                                                                                  49.995, 100.0, 0.0]),
                       min_size=1, max_size=30),
       tick=st.sampled_from(["0.01", "0.0001", "0.05", "1", "0.010"]))
def test_prices_to_ticks_at_once_are_each_to_tick(prices, tick):
    expected = [str(to_tick(p, Decimal(tick), "ROUND_HALF_EVEN")) for p in prices]
    assert [str(d) for d in to_ticks_half_even(prices, Decimal(tick))] == expected
    assert [str(to_tick_half_even(p, Decimal(tick), float(Decimal(tick)))) for p in prices] == expected


def reference_history(market, rng, start_ns):
    """``SymbolMarket._history`` as it was before (commit 70ed082): one bar at a time."""
    import numpy as np

    from mockbroker.domain import Bar
    from mockbroker.market.models import TRADING_SECONDS_PER_DAY
    from mockbroker.market.simulator import AVERAGE_PRINT_SIZE, BAR_SECONDS, HISTORY_BARS

    dt = BAR_SECONDS / TRADING_SECONDS_PER_DAY
    sigma = market.market.volatility / 100.0 * math.sqrt(dt)
    returns = rng.standard_normal((HISTORY_BARS, 4)) * sigma / 2
    closes = market.mid / np.exp(np.cumsum(returns[::-1, 0]))[::-1]
    closes = np.append(closes[1:], market.mid)
    bars = []
    prev = closes[0] * math.exp(-returns[0, 1])
    for i, close in enumerate(closes):
        wiggle = abs(returns[i, 2:]) * max(prev, close)
        high, low = max(prev, close) + wiggle[0], min(prev, close) - wiggle[1]
        volume = int(market.config.daily_volume * dt * (0.5 + rng.random()))
        bars.append(Bar(market.symbol, start_ns - (HISTORY_BARS - i) * BAR_SECONDS * 10**9,
                        market._price(prev), market._price(high), market._price(low), market._price(close),
                        volume, max(1, volume // AVERAGE_PRINT_SIZE), market._price((high + low + close) / 3)))
        prev = close
    return bars


@pytest.mark.parametrize("price, tick, volatility, seed", [
    ("50", "0.01", 1.5, 2109), ("0.37", "0.0001", 40.0, 7), ("1234.5", "0.05", 5.0, 1), ("3", "1", 90.0, 3)])
def test_the_history_before_the_start_is_the_one_built_bar_by_bar(price, tick, volatility, seed):
    from mockbroker import BrokerConfig, MockBroker, SymbolConfig
    from mockbroker.config import MarketConfig
    from mockbroker.seeds import SeedBank

    broker = MockBroker(BrokerConfig(symbols=(SymbolConfig("ACME", price=Decimal(price), tick_size=Decimal(tick)),),
                                     market=MarketConfig(volatility=volatility), seed=seed))
    market = broker.market["ACME"]
    expected = reference_history(market, SeedBank(seed).generator("history/ACME"), broker.started_ns)
    assert [b.to_dict() for b in market.bars[:len(expected)]] == [b.to_dict() for b in expected]
