"""The synthetic book's levels, counted in whole ticks and cached (for speed: issue 18), are exactly what the
Decimal arithmetic they replaced gave: the same prices (value and exponent), the same sizes, for any mid, spread,
depth, shares taken or offered, and tick."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from mockbroker.domain import BookLevel, Side
from mockbroker.market.book import DEPTH_GROWTH, SyntheticBook


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
