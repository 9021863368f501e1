"""Realistic mode's plumbing: a ``MockBroker`` whose market follows the history, one session per bar.

``HistoryDriver`` is an adapter, kept small on purpose: it makes the in-process mock's market walk each bar's
path (open, then the first extreme, the other extreme, the close: a down bar visits its high first, an up bar its
low first) by setting the symbol's price at four moments of a session, and tells the execution engine after each,
so resting orders see every point. Everything else is the mock's own: its clock and sessions (09:30-16:00 New
York, one session per bar, whatever the bar's date), its synthetic book around the price (spread, displayed size,
depth), and its execution models (latency, book walking, slippage, impact, fees).

Why an adapter and not ``MODELS["historical"]``: the replay model advances one tick per market update, so a bar
lines up with a session only through the simulator's update schedule; setting the price at known moments keeps
"bar i is session i" exact and independent of ``updateFrequency``. The market runs with a random walk of zero
the simulator's own periodic updates are switched off, so between the moments set here the price holds still
(the configured volatility is the history's, for the impact model, not for noise). The adapter touches four
things of the engine: ``SymbolMarket.model.restore({"price": p})``, ``SymbolMarket.mid``,
``MarketSimulator.listeners`` and the clock's queued "market update" entries.

``SettlingBroker`` wraps the mock for the strategy: each order command is settled (simulated time passes until
the venue has handled it) before the call returns, as a live strategy that waits for its acknowledgement would
see it. It still speaks only the ``Broker`` contract to the strategy.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from ..broker import MockBroker
from ..clock import NS_PER_SECOND
from ..domain import Bar, Order
from ..market import session

PATH_OFFSETS_S = (0, 2 * 3600, 4 * 3600, 6.5 * 3600 - 60)
"""Seconds after the session open at which the price is the bar's open, first extreme, second extreme, close."""
EXTREME_POINTS_NS = tuple(int(offset * NS_PER_SECOND) for offset in PATH_OFFSETS_S[1:3])
CLOSE_POINT_NS = int(PATH_OFFSETS_S[3] * NS_PER_SECOND)
OVERNIGHT_S = 6.5 * 3600
"""What the book replenishes for at each open (its half-life is seconds: all of it)."""


class HistoryDriver:
    def __init__(self, broker: MockBroker, symbol: str) -> None:
        self.broker = broker
        self.symbol = symbol
        self.market = broker.market[symbol]
        self._stop_own_updates()
        self._listeners = list(broker.market.listeners)  # the engine's and the stream feed's, as configured
        self.skip_unseen_extremes = True

    def _stop_own_updates(self) -> None:
        """The history moves the price, so the simulator's own periodic updates are switched off: they would only
        add noise between the bar's points and print other participants' trades (tens of thousands of random draws
        a session), which a replay does not need. The book is replenished at each open instead."""
        self.broker.clock.cancel_labelled("market update")

    def set_price(self, price: float) -> None:
        market = self.market
        market.model.restore({"price": price})
        market.mid = price * market.effect.price
        for listener in self.broker.market.listeners:
            listener(self.symbol)

    def open_session(self, first: bool) -> int:
        """Move the clock to the next session's open (the first call stays at the current one); its time in ns."""
        clock = self.broker.clock
        if not first:
            clock.run_until(session.next_open(session.next_close(clock.now_ns())))
        self.market.book.replenish(OVERNIGHT_S)  # overnight, the displayed liquidity comes back
        return clock.now_ns()

    def open_idle_session(self, open_ns: int) -> None:
        """``open_session`` straight to ``open_ns`` (a later session's open) while the mock is idle: the clock
        jumps there (``MockBroker.skip_idle_sessions``) and the book is replenished once (the sessions passed over
        would each have replenished it; after one night nothing taken is left, so once is the same)."""
        self.broker.skip_idle_sessions(open_ns)
        self.market.book.replenish(OVERNIGHT_S)

    def walk(self, bar: Bar, open_ns: int) -> None:
        """After the open: the rest of the bar's path, ending a minute before the close with the close price."""
        self.walk_prices(open_ns, float(bar.open), float(bar.high), float(bar.low), float(bar.close))

    def walk_prices(self, open_ns: int, open_: float, high: float, low: float, close: float) -> None:
        """``walk`` from the bar's prices as floats (what ``set_price`` takes). When nothing could see the two
        extremes (``quiet``), the price goes straight to the close: the result is the same, for a quarter of
        the work (most bars of a backtest)."""
        clock = self.broker.clock
        close_ns = open_ns + CLOSE_POINT_NS
        if not (self.skip_unseen_extremes and self.quiet(close_ns)):
            first, second = (low, high) if close >= open_ else (high, low)
            clock.run_until(open_ns + EXTREME_POINTS_NS[0])
            self.set_price(first)
            clock.run_until(open_ns + EXTREME_POINTS_NS[1])
            self.set_price(second)
        clock.run_until(close_ns)
        self.set_price(close)

    def mark_at(self, price: float) -> Decimal:
        """The mid the broker would mark positions at once ``set_price(price)`` ran (the engine's ``mid``: the
        middle of the touch), without setting it: for bars the runner does not run the mock for."""
        market = self.market
        bid, ask = market.book.touch(price * market.effect.price, market.spread_bps)
        return (bid + ask) / 2

    def quiet(self, until_ns: int) -> bool:
        """Whether setting the price before ``until_ns`` could change nothing but the price itself, which the next
        point sets again: no order of the symbol works at the venue, no fill's impact waits for the next update
        (``ExecutionEngine.idle``), nothing is due on the clock before ``until_ns`` (no command on its way, no
        scheduled event), nobody watches the market-data feed, and no other listener was added."""
        broker = self.broker
        if not broker.engine.idle(self.symbol) or broker.feed.watchers or broker.market.listeners != self._listeners:
            return False
        due = broker.clock.next_due_ns()
        return due is None or due > until_ns


class SettlingBroker:
    """A ``Broker`` whose order commands return settled. Everything else is passed through to the mock.

    ``before_use``: a callable run once, before the strategy's first use of the broker (any call, any attribute
    read) after it is set; the runner sets it on bars it has not run the mock for, to bring the mock up to the bar
    only when the strategy looks. A method the strategy kept from an earlier bar runs it too, when called."""

    def __init__(self, broker: MockBroker, max_seconds: float = 5.0) -> None:
        self._broker = broker
        self._max_seconds = max_seconds
        self.before_use: Callable[[], None] | None = None

    def _use(self) -> None:
        hook = self.before_use
        if hook is not None:
            self.before_use = None
            hook()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._broker, name)
        if not callable(value):
            self._use()
            return getattr(self._broker, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._use()
            return value(*args, **kwargs)

        return call

    def _settled(self, order: Order, account: str) -> Order:
        return self._broker.settle_order(order.id, account=account, max_seconds=self._max_seconds)

    def submit_order(self, request, account: str = "default") -> Order:
        self._use()
        return self._settled(self._broker.submit_order(request, account), account)

    def close_position(self, symbol: str, account: str = "default") -> Order:
        self._use()
        return self._settled(self._broker.close_position(symbol, account), account)

    def cancel_order(self, order_id: str, account: str = "default") -> Order:
        self._use()
        return self._settled(self._broker.cancel_order(order_id, account), account)

    def replace_order(self, order_id: str, account: str = "default", **changes) -> Order:
        self._use()
        return self._settled(self._broker.replace_order(order_id, account, **changes), account)
