"""Strategies: plain objects with ``on_bar(bar, broker)`` that trade through the ``Broker`` contract only.

A strategy never knows whether it runs in a backtest (ideal or realistic), against the in-process mock, the HTTP
service or a real broker's adapter: it reads the bar it is given, asks the broker for its account, position and
quote, and sends orders. ``on_bar`` is called once per completed bar, at the moment the next bar opens (see
``mockbroker.backtest.runner``), so a market order sent from it trades at that open.

Rules:
- ``STRATEGIES`` names the built-in strategies (``"sma_crossover"``); ``load_strategy`` also takes
  ``"package.module:Class"`` and keyword parameters.
- ``exit_position`` closes a position (in parts if the broker wants buying power to cover a short);
  ``enter_all_in`` sizes an order to the whole equity in whole shares, the way backtesting.py's ``buy()`` does:
  ``floor(equity / price)``, the price being the mid plus ``COST_CUSHION`` times what the displayed book would
  cost the order (the quote itself when the book has no spread and is deep enough, as in ideal mode); when the
  broker refuses it for buying power, it resizes from the refusal's ``needed`` and ``available`` (so commission
  and fees are left room for) and tries again.
"""

from __future__ import annotations

import importlib
import math
import sys
from collections import deque
from decimal import Decimal
from typing import Any, Callable, Protocol, runtime_checkable

from ..domain import Bar, Order, OrderRequest, Side
from ..errors import InsufficientFunds, PositionNotFound

FULL_EQUITY = 1 - sys.float_info.epsilon
"""backtesting.py's default size (all of the equity, a hair less so float rounding never overshoots)."""


COST_CUSHION = 4
"""``enter_all_in`` prices an order at the mid plus this many times what the visible book would cost it."""

ROLLING_SUMS_FROM = 64
"""``SmaCrossover`` keeps running exact sums when its slow window is longer than this (summing the window each bar
is cheaper below: measured 2.5 vs 5.1 us a bar at 10/20, 15.2 vs 5.5 at 50/200)."""


@runtime_checkable
class Strategy(Protocol):
    def on_bar(self, bar: Bar, broker: Any) -> None: ...


def enter_all_in(broker: Any, symbol: str, side: Side, fraction: float = FULL_EQUITY, attempts: int = 4) -> Order | None:
    """Send a market order for as many whole shares as ``fraction`` of the equity buys; None if not even one.

    The price used is what the displayed book says the order would pay against the mid (walking its levels: the
    half-spread and the depth), counted ``COST_CUSHION`` times, which leaves room for what the book does not
    show (impact, slippage, fees): an all-in order must not leave the account short of cash. With a book that has
    no spread and is as deep as the order (ideal execution) the size is exactly ``floor(equity x fraction /
    price)``, as backtesting.py's ``buy()`` has it."""
    equity = float(broker.get_account().equity) * fraction
    book = broker.get_order_book(symbol, depth=50)
    if book.bids and book.asks:  # the book's best levels are the quote (one request less)
        bid, ask = book.bids[0].price, book.asks[0].price
    else:
        quote = broker.get_quote(symbol)
        bid, ask = quote.bid, quote.ask
    touch = float(ask if side is Side.BUY else bid)
    if touch <= 0 or equity <= 0:
        return None
    qty = int(equity // touch)
    levels = [(float(l.price), l.size) for l in (book.asks if side is Side.BUY else book.bids)]
    mid = float(ask + bid) / 2
    for _ in range(3):  # the walk depends on the size, and the size on the walk: a few rounds settle it
        walk = _walk_price(levels, qty, touch)
        if walk != mid:
            qty = int(equity // (mid + COST_CUSHION * (walk - mid)))
    for _ in range(attempts):
        if qty <= 0:
            return None
        try:
            return broker.submit_order(OrderRequest(symbol=symbol, qty=qty, side=side))
        except InsufficientFunds as refusal:
            qty = _resized(qty, refusal)
    return None


def _walk_price(levels: list[tuple[float, int]], qty: int, touch: float) -> float:
    """The average price of ``qty`` shares taken level by level (beyond the displayed book: the last level's)."""
    left, cost, price = qty, 0.0, touch
    for price, size in levels:
        take = min(left, size)
        cost += take * price
        left -= take
        if not left:
            break
    cost += left * price
    return cost / qty if qty else touch


def exit_position(broker: Any, symbol: str, attempts: int = 6) -> list[Order]:
    """Close the whole position at market; [] when flat. A broker that wants buying power to cover a short (some
    real brokers' margin rules do; the mock no longer does) may refuse one order for it all: then the cover goes in
    parts, each sized from the refusal's ``needed`` and ``available``, until the position is closed or ``attempts``
    orders were tried."""
    try:
        return [broker.close_position(symbol)]
    except PositionNotFound:
        return []
    except InsufficientFunds as refusal:
        position = broker.get_position(symbol)
        qty = _resized(abs(position.qty), refusal)
    side = Side.SELL if position.qty > 0 else Side.BUY
    orders: list[Order] = []
    for _ in range(attempts):
        if qty <= 0:
            break
        try:
            orders.append(broker.submit_order(OrderRequest(symbol=symbol, qty=qty, side=side)))
        except InsufficientFunds as refusal:
            qty = _resized(qty, refusal)
            continue
        try:
            qty = abs(broker.get_position(symbol).qty)
        except PositionNotFound:
            break
    return orders


def _resized(qty: int, refusal: InsufficientFunds) -> int:
    """A smaller size from a buying-power refusal; the refusal itself when no size can help (nothing is needed
    but the account is already short of cash)."""
    needed = float(Decimal(str(refusal.details.get("needed", "0"))))
    available = float(Decimal(str(refusal.details.get("available", "0"))))
    if needed <= 0 or available <= 0:
        raise refusal
    return min(qty - 1, int(qty * available // needed))


class RollingFsum:
    """A running sum kept exactly (Shewchuk's non-overlapping partials, as in ``math.fsum``): values may be added
    and taken out again (add the negative); ``value()`` is the correctly rounded sum of what is in, exactly
    ``math.fsum`` of those values in any order."""

    __slots__ = ("partials",)

    def __init__(self) -> None:
        self.partials: list[float] = []

    def add(self, x: float) -> None:
        partials = self.partials
        i = 0
        for y in partials:
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                partials[i] = lo
                i += 1
            x = hi
        partials[i:] = [x]

    def value(self) -> float:
        return math.fsum(self.partials)


class SmaCrossover:
    """Two simple moving averages of the close; when the fast one crosses above the slow one, close any position
    and go long with all the equity; when it crosses below, close and go short. (backtesting.py's ``SmaCross``.)

    A cross is strict, as ``backtesting.lib.crossover`` has it: fast < slow on the previous bar and fast > slow now.
    """

    name = "sma_crossover"

    def __init__(self, fast: int = 10, slow: int = 20) -> None:
        fast, slow = int(fast), int(slow)
        if not 0 < fast < slow:
            raise ValueError(f"fast={fast}, slow={slow}: need 0 < fast < slow")
        self.fast, self.slow = fast, slow
        self._closes: deque[float] = deque(maxlen=slow)
        self._sums = (RollingFsum(), RollingFsum()) if slow > ROLLING_SUMS_FROM else None
        self._previous: tuple[float, float] | None = None

    @property
    def parameters(self) -> dict:
        return {"fast": self.fast, "slow": self.slow}

    def on_bar(self, bar: Bar, broker: Any) -> None:
        closes = self._closes
        close = float(bar.close)
        # fsum: the correctly rounded sum, so the averages do not drift from a rolling mean's by summation order;
        # for long windows kept exactly as closes come and go (the same sums, O(1) a bar instead of O(window))
        sums = self._sums
        if sums is not None:
            if len(closes) == self.slow:
                sums[1].add(-closes[0])
            if len(closes) >= self.fast:
                sums[0].add(-closes[-self.fast])
            sums[0].add(close)
            sums[1].add(close)
        closes.append(close)
        if len(closes) < self.slow:
            return
        if sums is not None:
            fast, slow = sums[0].value() / self.fast, sums[1].value() / self.slow
        else:
            fast = math.fsum(list(closes)[-self.fast:]) / self.fast
            slow = math.fsum(closes) / self.slow
        previous, self._previous = self._previous, (fast, slow)
        if previous is None:
            return
        if previous[0] < previous[1] and fast > slow:
            self._reverse(broker, bar.symbol, Side.BUY)
        elif previous[1] < previous[0] and slow > fast:
            self._reverse(broker, bar.symbol, Side.SELL)

    @staticmethod
    def _reverse(broker: Any, symbol: str, side: Side) -> None:
        exit_position(broker, symbol)
        enter_all_in(broker, symbol, side)


STRATEGIES: dict[str, Callable[..., Strategy]] = {
    "sma_crossover": SmaCrossover,
}
"""Built-in strategies by name."""


def load_strategy(spec: str | Strategy | Callable[..., Strategy], **parameters: Any) -> Strategy:
    """A strategy instance from a name in ``STRATEGIES``, ``"module:Class"``, a class, or an instance."""
    if isinstance(spec, str):
        if spec in STRATEGIES:
            factory: Any = STRATEGIES[spec]
        elif ":" in spec:
            module_name, _, attr = spec.partition(":")
            try:
                factory = getattr(importlib.import_module(module_name), attr)
            except (ImportError, AttributeError) as error:
                raise ValueError(f"strategy={spec!r}: cannot load it ({error})") from None
        else:
            raise ValueError(f"strategy={spec!r}: not a built-in ({', '.join(STRATEGIES)}) nor 'module:Class'")
    else:
        factory = spec
    if isinstance(factory, type) or (callable(factory) and not hasattr(factory, "on_bar")):
        strategy = factory(**parameters)
    elif parameters:
        raise ValueError(f"strategy={spec!r}: an instance takes no parameters ({', '.join(parameters)})")
    else:
        strategy = factory
    if not callable(getattr(strategy, "on_bar", None)):
        raise ValueError(f"strategy={spec!r}: has no on_bar(bar, broker) method")
    return strategy
