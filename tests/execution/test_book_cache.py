"""The engine's cached view of the book must always be what the book itself shows (the hot path relies on it)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from mockbroker.domain import Side

from .helpers import broker, market, place


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.lists(st.tuples(st.sampled_from(list(Side)), st.integers(1, 3_000),
                                                 st.sampled_from([0.0, 0.02, 0.3])), min_size=1, max_size=15),
       st.sampled_from([300, 2_000]))
def test_cached_levels_and_touch_match_the_book_after_any_fills_and_updates(seed, trades, liquidity):
    b = broker(seed=seed, volatility=2.0, liquidity=liquidity, latency_min=0, latency_max=0)
    m = b.market["ACME"]
    for side, qty, wait in trades:
        place(b, market(qty, side))
        b.advance(wait)
        for book_side in (Side.BUY, Side.SELL):
            shown = [[level.price, level.size] for level in m.levels(book_side)]
            assert b.engine.levels(m, book_side) == shown
        assert b.engine.touch(m) == m.touch()
