"""What the market did during one scenario: the context that explains an order's fate, and the chart's data.

A ``MarketLens`` is made for each scenario by the hooks. It only *reads* the broker, through the two contracts,
and only when asked: after each step it samples each symbol's quote (``market_state``: mid and spread, a control
call that no fault rule touches), and when a failure needs explaining or a chart is drawn it reads the one-minute
bars of the scenario's own window. It never moves the clock and never places or changes anything, so observing a
scenario cannot change its outcome.

Rules:
- The window of an order runs from when it was sent to when it ended (filled, canceled, expired) or to now.
- "Lowest / highest price in that time" comes from the one-minute bars overlapping the window (mid prices and
  prints), the quotes sampled after each step and the order's own fills; a buy limit above the lowest price was
  reachable, one below it never was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from mockbroker.domain import Fill, Order, OrderStatus, OrderType, Side

from .words import money, bps, span

BAR_NS = 60 * 1_000_000_000
OPEN = (OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.PENDING_NEW, OrderStatus.PARTIALLY_FILLED,
        OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE)


@dataclass(frozen=True)
class QuoteSample:
    time_ns: int
    mid: Decimal
    spread_bps: Decimal

    @property
    def bid(self) -> Decimal:
        return self.mid * (1 - self.spread_bps / 20_000)

    @property
    def ask(self) -> Decimal:
        return self.mid * (1 + self.spread_bps / 20_000)


@dataclass
class MarketLens:
    desk: object
    samples: dict[str, list[QuoteSample]] = field(default_factory=dict)
    notes: list = field(default_factory=list)  # matchers.AssertedBand: bounds the steps asserted, for the chart

    @property
    def broker(self):
        return self.desk.broker

    def sample(self) -> None:
        """Note each symbol's mid and spread now (called after every step once the scene is set)."""
        if not getattr(self.desk, "is_set", False):
            return
        now = self.broker.now_ns()
        for symbol in self.desk.start_mid:
            state = self.broker.market_state(symbol)
            series = self.samples.setdefault(symbol, [])
            if not series or series[-1].time_ns != now:
                series.append(QuoteSample(now, Decimal(state.mid), Decimal(state.spread_bps)))

    def bars(self, symbol: str, start_ns: int, end_ns: int) -> list:
        """One-minute bars overlapping [start, end]."""
        minutes = max(1, (end_ns - start_ns) // BAR_NS + 3)
        bars = self.broker.get_bars(symbol, timeframe_seconds=60, limit=int(min(10_000, minutes)))
        return [b for b in bars if b.start_ns <= end_ns and b.start_ns + BAR_NS > start_ns]

    def price_range(self, symbol: str, start_ns: int, end_ns: int,
                    fills: list[Fill] = ()) -> tuple[Decimal, Decimal] | None:
        prices: list[Decimal] = []
        for bar in self.bars(symbol, start_ns, end_ns):
            prices += [bar.low, bar.high]
        for sample in self.samples.get(symbol, []):
            if start_ns <= sample.time_ns <= end_ns:
                prices += [sample.bid, sample.ask]
        prices += [f.price for f in fills]
        return (min(prices), max(prices)) if prices else None

    # -- the words of a failure ---------------------------------------------------------------------------------
    def order_window(self, order: Order) -> tuple[int, int]:
        start = order.submitted_ns or order.created_ns
        end = order.filled_ns or order.canceled_ns or order.expired_ns
        if end is None or order.status in OPEN:
            end = self.broker.now_ns()
        return start, max(start, end)

    def fate(self, order: Order) -> str:
        """``still new after 5 min, 0 of 100 filled`` / ``canceled after 20 ms, 1,000 of 5,000 filled``."""
        start, end = self.order_window(order)
        state = order.status.value.replace("_", " ")
        still = "still " if order.status in OPEN else ""
        reason = f" ({order.reject_reason.value})" if order.reject_reason is not None else ""
        return f"{still}{state}{reason} after {span(end - start)}, {order.filled_qty:,} of {order.qty:,} filled"

    def explain(self, order: Order, fills: list[Fill] = ()) -> str:
        """The market context of an order: the prices it could have traded at, against its own prices."""
        start, end = self.order_window(order)
        try:
            reach = self.price_range(order.symbol, start, end, list(fills))
        except Exception:  # noqa: BLE001 - a failure message must not fail for want of context
            reach = None
        words: list[str] = []
        if fills:
            average = sum((f.qty * f.price for f in fills), Decimal(0)) / sum(f.qty for f in fills)
            slip = sum((f.qty * f.slippage_bps for f in fills), Decimal(0)) / sum(f.qty for f in fills)
            words.append(f"average fill {money(average)} ({bps(slip)} from the arrival mid "
                         f"{money(order.arrival_mid)})")
        elif order.arrival_mid is not None and order.type is OrderType.MARKET:
            words.append(f"arrival mid {money(order.arrival_mid)}")
        if reach is not None:
            low, high = reach
            words += self._against_prices(order, low, high)
        return "; ".join(words)

    @staticmethod
    def _against_prices(order: Order, low: Decimal, high: Decimal) -> list[str]:
        buy = order.side is Side.BUY
        words = []
        if order.limit_price is not None and order.type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
            limit = order.limit_price
            if buy:
                reached = "was reached" if low <= limit else "was never reached"
                words.append(f"lowest price in that time {money(low)} (the limit {money(limit)} {reached})")
            else:
                reached = "was reached" if high >= limit else "was never reached"
                words.append(f"highest price in that time {money(high)} (the limit {money(limit)} {reached})")
        if order.stop_price is not None and order.type in (OrderType.STOP, OrderType.STOP_LIMIT):
            stop = order.stop_price
            if buy:
                reached = "was reached" if high >= stop else "was never reached"
                words.append(f"highest price in that time {money(high)} (the stop {money(stop)} {reached})")
            else:
                reached = "was reached" if low <= stop else "was never reached"
                words.append(f"lowest price in that time {money(low)} (the stop {money(stop)} {reached})")
        if not words:
            words.append(f"{order.symbol} traded between {money(low)} and {money(high)} in that time")
        return words
