"""The realistic backtest's fills are pinned (issue 18, item 5): speeding the realistic mode up must not change what
it fills, by a single share, cent of fee or nanosecond.

The fingerprints were taken before any speed work (commit 70ed082, the realistic mode at 0.20x backtesting.py's
ideal speed) with ``BacktestResult.fills_sha256`` (canonical JSON of every ``(bar index, fill)``); the equity
curve's and the JSON result's fingerprints are pinned too. If a deliberate change to the execution models changes
them, re-pin them in the same commit and say why in its message.
"""

from __future__ import annotations

import hashlib
import json
import math
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockbroker.backtest import Backtest, RealisticExecution, SmaCrossover, load_history, run_backtest
from mockbroker.backtest.data import random_minute_history
from mockbroker.backtest.results import fills_sha256
from mockbroker.backtest.strategies import RollingFsum

GOOG = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "market-data" / "GOOG.csv"

GOOG_FILLS = "4c7d4a4a4ef4418e05b64ec77420c52190d19be31b46cbb049af4cdd793f6a11"
GOOG_EQUITY = "e587d3a1c00135ad8fd27f327979a2592ffc3e86c0efa29b6d4eef274340dac3"
GOOG_JSON = "24a32cdb971a354c4128f503241aa7b56f1c1dd5b57bbb1575f79700dde2d007"
GOOG_IDEAL_JSON = "8ba3fd4a02be053d8e26b327cd4ada10d7d270d3e142b994b4399131c799f141"
SYNTHETIC_FILLS = "369f933faedebe2fc6b98985c713fb48ecf1e183193bc542a07dd32168dabbed"
SYNTHETIC_JSON = "6925172ddece1241b2e9414ab82bd381486ed27543798176fd8fcda91ae6b8a9"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def goog_realistic():
    return run_backtest("sma_crossover", load_history(GOOG), mode="realistic", cash=10_000)


def synthetic_realistic(seed: int = 9):
    """6,000 synthetic minute bars, a thin book (300 shares at the touch) and a small account: partial fills, book
    walking, shorts, minimum fees."""
    return Backtest(random_minute_history(6_000, seed=5), "sma_crossover", mode="realistic", cash=3_000,
                    realistic=RealisticExecution(liquidity=300, seed=seed), parameters={"fast": 3, "slow": 8}).run()


def test_the_realistic_goog_run_fills_exactly_as_before(goog_realistic):
    assert (len(goog_realistic.fills), goog_realistic.trade_count) == (187, 93)
    assert goog_realistic.fills_sha256() == GOOG_FILLS
    assert sha256(json.dumps(goog_realistic.equity_curve)) == GOOG_EQUITY
    assert sha256(goog_realistic.to_json()) == GOOG_JSON
    assert round(goog_realistic.final_equity, 2) == 76_877.82


def test_the_ideal_goog_run_is_exactly_as_before():
    result = run_backtest("sma_crossover", load_history(GOOG), mode="ideal", cash=10_000)
    assert sha256(result.to_json()) == GOOG_IDEAL_JSON


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(1e-3, 1e6) | st.sampled_from([0.1, 0.2, 0.3, 1e-3, 1e6, 49.99, 50.01]),
                       min_size=1, max_size=300),
       window=st.integers(1, 60))
def test_a_rolling_exact_sum_is_fsum_of_its_window(values, window):
    rolling = RollingFsum()
    for i, value in enumerate(values):
        if i >= window:
            rolling.add(-values[i - window])
        rolling.add(value)
        assert rolling.value() == math.fsum(values[max(0, i + 1 - window):i + 1])


def test_a_realistic_run_on_synthetic_minute_bars_fills_exactly_as_before():
    result = synthetic_realistic()
    assert len(result.fills) == 1645
    assert result.fills_sha256() == SYNTHETIC_FILLS
    assert sha256(result.to_json()) == SYNTHETIC_JSON


def test_the_fingerprint_sees_any_change_to_a_fill(goog_realistic):
    fills = list(goog_realistic.fills)
    bar, fill = fills[5]
    assert fills_sha256(fills[:5] + [(bar, fill.replace(fee=fill.fee + 1))] + fills[6:]) != GOOG_FILLS
    assert fills_sha256(fills[:5] + [(bar + 1, fill)] + fills[6:]) != GOOG_FILLS
    assert fills_sha256(fills[:-1]) != GOOG_FILLS


def test_another_seed_fills_differently_and_the_same_seed_identically():
    first, second = synthetic_realistic(seed=10).fills_sha256(), synthetic_realistic(seed=10).fills_sha256()
    assert first == second != SYNTHETIC_FILLS


# --- skipping quiet bars: the mock runs a bar only when the strategy looks or something is pending ---------------

class LooksEvery(SmaCrossover):
    """The SMA crossover, also reading the broker every ``every`` bars (reads change nothing), once through a method
    it kept from its first bar."""

    def __init__(self, every: int, **parameters) -> None:
        super().__init__(**parameters)
        self.every, self.bars, self.kept, self.quotes = every, 0, None, []

    def on_bar(self, bar, broker) -> None:
        self.bars += 1
        if self.kept is None:
            self.kept = broker.get_quote
        elif self.bars % self.every == 0:
            self.quotes.append((self.kept(bar.symbol).ask, broker.get_account().equity, broker.now_ns()))
        super().on_bar(bar, broker)


@pytest.mark.parametrize("every", [1, 7, 50])
def test_a_strategy_that_looks_at_the_broker_on_quiet_bars_gets_the_same_fills(every):
    strategy = LooksEvery(every)
    result = Backtest(load_history(GOOG), strategy, mode="realistic", cash=10_000).run()
    assert result.fills_sha256() == GOOG_FILLS
    assert sha256(json.dumps(result.equity_curve)) == GOOG_EQUITY
    assert len(strategy.quotes) == (len(result.equity_curve) - 2) // every
    times = [t for _, _, t in strategy.quotes]
    assert times == sorted(times) and len(set(times)) == len(times)  # the mock's clock moved on between looks


def test_what_a_strategy_sees_on_a_bar_is_the_same_whether_or_not_the_bars_before_ran():
    every_bar, sparse = LooksEvery(1), LooksEvery(50)
    Backtest(load_history(GOOG), every_bar, mode="realistic", cash=10_000).run()
    Backtest(load_history(GOOG), sparse, mode="realistic", cash=10_000).run()
    # every_bar's looks start at its second bar, sparse's at its 50th: the same quote, equity and clock time
    assert sparse.quotes == every_bar.quotes[48::50] and len(sparse.quotes) == 42


def test_skipping_idle_sessions_leaves_the_clock_as_running_it_would():
    from mockbroker import MockBroker
    from mockbroker.domain import OrderRequest, Side
    from mockbroker.market import session

    ran, skipped = MockBroker(), MockBroker()
    assert not ran.idle()  # the market's own updates are scheduled
    for broker in (ran, skipped):
        broker.clock.cancel_labelled("market update")  # as a replay does (HistoryDriver)
        assert broker.idle()
    target = session.next_open(session.next_close(ran.now_ns())) + 3 * 3600 * 10**9
    ran.clock.run_until(session.next_open(session.next_close(target)))
    skipped.skip_idle_sessions(target)
    skipped.clock.run_until(ran.now_ns())
    assert skipped.clock.pending() == ran.clock.pending()
    skipped.submit_order(OrderRequest("ACME", 10, Side.BUY))
    assert not skipped.idle()
    with pytest.raises(RuntimeError, match="not idle"):
        skipped.skip_idle_sessions(skipped.now_ns() + 10**12)


@pytest.mark.parametrize("start", [(2026, 1, 5, 9, 30), (2026, 11, 20, 9, 30), (2026, 11, 27, 9, 30),
                                   (2026, 3, 4, 11, 15), (2035, 12, 3, 9, 30), (2099, 12, 20, 9, 30)])
def test_the_bar_after_skipped_bars_opens_where_running_them_one_by_one_would(start):
    from datetime import datetime

    from mockbroker.backtest.replay import CLOSE_POINT_NS
    from mockbroker.backtest.runner import bar_open_after
    from mockbroker.clock import to_ns
    from mockbroker.market import session

    open_ns = to_ns(datetime(*start, tzinfo=session.NEW_YORK))
    walked = open_ns
    for bars in range(1, 90):
        walked = session.next_open(session.next_close(walked + CLOSE_POINT_NS))  # HistoryDriver.open_session's way
        assert bar_open_after(open_ns, bars) == walked, bars


class Restless:
    """Trades in every way the mock can, from a fixed pseudo-random plan: resting limit buys and sells around the
    open (filled later at the bar's extremes, or expiring at the close), gtc limits, cancels, market orders in and
    out, reads of quotes and positions; quiet stretches between."""

    name = "restless"

    def __init__(self, seed: int = 4) -> None:
        import random

        self.plan = random.Random(seed)

    def on_bar(self, bar, broker) -> None:
        from mockbroker.domain import OrderRequest, OrderType, Side, TimeInForce
        from mockbroker.errors import BrokerError

        move = self.plan.random()
        if move < 0.55:
            return  # a quiet bar
        symbol, price = bar.symbol, bar.close
        try:
            if move < 0.65:
                broker.submit_order(OrderRequest(symbol, 5, Side.BUY, OrderType.LIMIT, limit_price=price * Decimal("0.99")))
            elif move < 0.72:
                broker.submit_order(OrderRequest(symbol, 5, Side.SELL, OrderType.LIMIT, TimeInForce.GTC,
                                                 limit_price=price * Decimal("1.01")))
            elif move < 0.80:
                broker.submit_order(OrderRequest(symbol, 7, Side.BUY))
            elif move < 0.87:
                broker.submit_order(OrderRequest(symbol, 3, Side.SELL))
            elif move < 0.93:
                broker.cancel_all_orders()
            else:
                broker.get_quote(symbol), broker.list_positions()
        except BrokerError:
            pass


def test_skipping_quiet_bars_changes_nothing_for_a_strategy_that_uses_every_kind_of_order():
    def run(skip: bool):
        backtest = Backtest(load_history(GOOG), Restless(), mode="realistic", cash=50_000)
        backtest.skip_quiet_bars = skip
        return backtest.run()

    skipped, ran = run(True), run(False)
    assert len(ran.fills) > 150 and ran.trade_count > 100
    assert skipped.fills_sha256() == ran.fills_sha256()
    assert skipped.equity_curve == ran.equity_curve
    assert skipped.to_json() == ran.to_json()
