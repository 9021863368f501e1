"""The execution engine: orders travel to the venue with latency, then match against the synthetic book.

Rules:
- Every command (submit, cancel, replace) reaches the venue after a latency drawn from ``latencyMin..latencyMax``
  ms on the virtual clock; commands about one order arrive in the order they were sent.
- On arrival an order may be rejected at random (``rejectionRate``) or because trading is halted; otherwise it
  becomes ``new`` and is matched at once, then again at every market update while it works.
- Matching walks the book level by level (best first, never past a limit price); the fill price is the
  volume-weighted price of the levels taken, moved by ``slippageBps`` against the trader (never past the limit).
  ``partialFillRatio`` < 1 caps each match at that fraction of what remains.
- Limits the market crosses fill; limits it only touches (best opposite price == limit) fill with probability
  ``fillProbability`` per update. Stops trigger when the opposite best price reaches the stop price (buy: ask >=
  stop; sell: bid <= stop); trailing stops follow the best price by an amount or a percent.
- IOC cancels what the first match leaves; FOK fills completely at once or is canceled; day orders expire at
  the session close; gtc orders work until done or canceled.
- A cancel or replace that arrives after the order is done loses the race: it is rejected with reason
  ``too_late_to_cancel`` and the order keeps its final status.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Callable

import numpy as np

from ..clock import NS_PER_MS, VirtualClock
from ..config import ExecutionConfig
from ..domain import (EventType, Fill, Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce)
from ..errors import RejectReason
from ..market.simulator import MarketSimulator, SymbolMarket
from .lifecycle import IllegalTransition, is_legal

PRICE_PLACES = Decimal("0.0001")
BPS_PLACES = Decimal("0.01")


@dataclass
class WorkingOrder:
    """The engine's mutable record of one order; ``snapshot()`` gives the frozen ``Order``."""

    id: str
    client_order_id: str
    account_id: str
    request: OrderRequest
    status: OrderStatus
    created_ns: int
    arrival_mid: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    qty: int
    time_in_force: TimeInForce
    updated_ns: int = 0
    filled_qty: int = 0
    filled_notional: Decimal = Decimal("0")
    fees: Decimal = Decimal("0")
    filled_ns: int | None = None
    canceled_ns: int | None = None
    expired_ns: int | None = None
    reject_reason: RejectReason | None = None
    replaced_by: str | None = None
    replaces: str | None = None
    triggered: bool = False
    water_mark: Decimal | None = None
    at_venue: bool = False
    in_flight: int = 0
    last_command_ns: int = 0
    fills: list[Fill] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.qty - self.filled_qty

    @property
    def side(self) -> Side:
        return self.request.side

    @property
    def type(self) -> OrderType:
        return self.request.type

    def snapshot(self) -> Order:
        avg = (self.filled_notional / self.filled_qty).quantize(PRICE_PLACES) if self.filled_qty else None
        r = self.request
        return Order(self.id, self.client_order_id, self.account_id, r.symbol, r.side, r.type, self.time_in_force,
                     self.qty, self.filled_qty, self.status, self.limit_price, self.stop_price, avg, self.created_ns,
                     self.updated_ns or self.created_ns, self.created_ns, self.filled_ns, self.canceled_ns,
                     self.expired_ns, self.arrival_mid, self.reject_reason, self.replaced_by, self.replaces,
                     r.trail_price, r.trail_percent, self.fees, r.extended_hours)


class ExecutionEngine:
    def __init__(self, clock: VirtualClock, market: MarketSimulator, ledger, config: ExecutionConfig,
                 latency_rng: np.random.Generator, venue_rng: np.random.Generator,
                 emit: Callable[[EventType, WorkingOrder, Fill | None, str | None], None],
                 new_fill_id: Callable[[], str]) -> None:
        self.clock = clock
        self.market = market
        self.ledger = ledger
        self.config = config
        self.latency_rng = latency_rng
        self.venue_rng = venue_rng
        self.emit = emit
        self.new_fill_id = new_fill_id
        self.orders: dict[str, WorkingOrder] = {}
        self.working: dict[str, dict[str, WorkingOrder]] = {s: {} for s in market.symbols}
        self.fills: list[Fill] = []
        market.listeners.append(self.on_market_update)

    # --- commands -------------------------------------------------------------------------------------------------
    def latency_ns(self) -> int:
        low, high = self.config.latency_min, self.config.latency_max
        ms = low if high == low else float(self.latency_rng.uniform(low, high))
        return int(round(ms * NS_PER_MS))

    def _send(self, order: WorkingOrder, command: Callable[..., None], args: tuple, label: str) -> None:
        """Schedule a command's arrival at the venue, after any earlier command about the same order."""
        due = max(self.clock.now_ns() + self.latency_ns(), order.last_command_ns + 1)
        order.last_command_ns = due
        order.in_flight += 1
        self.clock.schedule_at(due, self._deliver, f"{label} {order.id}", (order, command, args))

    @staticmethod
    def _deliver(order: WorkingOrder, command: Callable[..., None], args: tuple) -> None:
        order.in_flight -= 1
        command(*args)

    def accept(self, order: WorkingOrder) -> None:
        self.orders[order.id] = order
        self.emit(EventType.ACCEPTED, order, None, None)
        self._send(order, self._arrive, (order,), "arrive")

    def request_cancel(self, order: WorkingOrder) -> None:
        self._transition(order, OrderStatus.PENDING_CANCEL)
        self.emit(EventType.PENDING_CANCEL, order, None, None)
        self._send(order, self._cancel_arrives, (order,), "cancel")

    def request_replace(self, old: WorkingOrder, new: WorkingOrder) -> None:
        self._transition(old, OrderStatus.PENDING_REPLACE)
        self.orders[new.id] = new
        self.emit(EventType.ACCEPTED, new, None, None)
        new.last_command_ns = old.last_command_ns
        self._send(old, self._replace_arrives, (old, new), "replace")
        new.in_flight += 1  # the replacement travels with the replace command

    # --- arrival at the venue -------------------------------------------------------------------------------------
    def _arrive(self, order: WorkingOrder) -> None:
        if order.status.is_terminal:
            return
        market = self.market[order.request.symbol]
        if self.config.rejection_rate and self.venue_rng.random() < self.config.rejection_rate:
            self._finish(order, OrderStatus.REJECTED, EventType.REJECTED, RejectReason.RANDOM_REJECTION)
            return
        if market.halted:
            self._finish(order, OrderStatus.REJECTED, EventType.REJECTED, RejectReason.TRADING_HALTED)
            return
        order.at_venue = True
        if order.status is OrderStatus.ACCEPTED:
            self._transition(order, OrderStatus.NEW)
        self.emit(EventType.NEW, order, None, None)
        self.working[order.request.symbol][order.id] = order
        self._work(order, market, arriving=True)

    def _cancel_arrives(self, order: WorkingOrder) -> None:
        if order.status.is_terminal:
            self.emit(EventType.CANCEL_REJECTED, order, None, RejectReason.TOO_LATE_TO_CANCEL.value)
            return
        self._finish(order, OrderStatus.CANCELED, EventType.CANCELED, None)

    def _replace_arrives(self, old: WorkingOrder, new: WorkingOrder) -> None:
        new.in_flight -= 1
        if old.status.is_terminal:
            self.emit(EventType.REPLACE_REJECTED, old, None, RejectReason.TOO_LATE_TO_CANCEL.value)
            self._finish(new, OrderStatus.REJECTED, EventType.REJECTED, RejectReason.TOO_LATE_TO_CANCEL)
            return
        old.replaced_by = new.id
        self._finish(old, OrderStatus.REPLACED, EventType.REPLACED, None)
        self._arrive(new)

    # --- matching -------------------------------------------------------------------------------------------------
    def on_market_update(self, symbol: str) -> None:
        working = self.working.get(symbol)
        if not working:
            return
        market = self.market[symbol]
        for order in list(working.values()):
            if not order.status.is_terminal:
                self._work(order, market, arriving=False)

    def _work(self, order: WorkingOrder, market: SymbolMarket, arriving: bool) -> None:
        if market.halted:
            return
        if not self._triggered(order, market):
            return
        limit = order.limit_price if order.type in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None
        levels = market.levels(Side.SELL if order.side is Side.BUY else Side.BUY)
        if limit is not None and not arriving and levels and levels[0].price == limit:
            # Only touched, not crossed: whether a resting order at this price trades is a matter of chance.
            if self.venue_rng.random() >= self.config.fill_probability:
                return
        if order.time_in_force is TimeInForce.FOK:
            available = sum(l.size for l in levels if limit is None or self._within(order.side, l.price, limit))
            if available < order.remaining:
                self._finish(order, OrderStatus.CANCELED, EventType.CANCELED, None, RejectReason.NO_LIQUIDITY)
                return
            cap = order.remaining
        else:
            cap = max(1, math.ceil(order.remaining * self.config.partial_fill_ratio))
        taken, notional, worst = 0, Decimal("0"), None
        for level in levels:
            if taken >= cap or (limit is not None and not self._within(order.side, level.price, limit)):
                break
            qty = min(level.size, cap - taken)
            taken += qty
            notional += level.price * qty
            worst = level.price
        if taken:
            self._fill(order, market, taken, notional / taken, limit)
        if order.time_in_force is TimeInForce.IOC and not order.status.is_terminal:
            self._finish(order, OrderStatus.CANCELED, EventType.CANCELED, None,
                         None if taken else RejectReason.NO_LIQUIDITY)

    @staticmethod
    def _within(side: Side, price: Decimal, limit: Decimal) -> bool:
        return price <= limit if side is Side.BUY else price >= limit

    def _triggered(self, order: WorkingOrder, market: SymbolMarket) -> bool:
        if order.type not in (OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP) or order.triggered:
            return True
        bid, ask = market.touch()
        reference = ask if order.side is Side.BUY else bid
        if order.type is OrderType.TRAILING_STOP:
            r = order.request
            mark = order.water_mark
            if mark is None or (reference > mark if order.side is Side.SELL else reference < mark):
                order.water_mark = mark = reference
            offset = r.trail_price if r.trail_price is not None else (mark * r.trail_percent / 100)
            stop = mark - offset if order.side is Side.SELL else mark + offset
            order.stop_price = stop.quantize(market.tick, rounding=ROUND_HALF_EVEN)
        stop = order.stop_price
        hit = reference >= stop if order.side is Side.BUY else reference <= stop
        if hit:
            order.triggered = True
        return hit

    def _fill(self, order: WorkingOrder, market: SymbolMarket, qty: int, vwap: Decimal, limit: Decimal | None) -> None:
        sign = order.side.sign
        price = vwap * (1 + sign * Decimal(repr(self.config.slippage_bps)) / Decimal(10_000))
        if limit is not None:
            price = min(price, limit) if order.side is Side.BUY else max(price, limit)
        price = price.quantize(PRICE_PLACES, rounding=ROUND_HALF_EVEN)
        now = self.clock.now_ns()
        fee = self._fee(order, qty, price)
        slippage = ((price - order.arrival_mid) / order.arrival_mid * 10_000 * sign).quantize(BPS_PLACES)
        fill = Fill(self.new_fill_id(), order.id, order.account_id, order.request.symbol, order.side, qty, price, fee,
                    now, order.arrival_mid, slippage)
        market.book.take(Side.SELL if order.side is Side.BUY else Side.BUY, qty)
        market.print_trade(price, qty, now)
        self.ledger.apply_fill(fill)
        self.ledger.release(order.account_id, order.id, price * qty + fee)
        order.filled_qty += qty
        order.filled_notional += price * qty
        order.fees += fee
        order.fills.append(fill)
        self.fills.append(fill)
        if order.remaining == 0:
            order.filled_ns = now
            self._finish(order, OrderStatus.FILLED, EventType.FILL, None, fill=fill)
        else:
            if order.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED):
                self._transition(order, OrderStatus.PARTIALLY_FILLED)
            order.updated_ns = now
            self.emit(EventType.PARTIAL_FILL, order, fill, None)

    def _fee(self, order: WorkingOrder, qty: int, price: Decimal) -> Decimal:
        """Fees so the order's total is the fee formula on its cumulative fills, but at least the per-order minimum."""
        fees = self.config.fees
        total = fees.fee_for(order.filled_qty + qty, order.filled_notional + price * qty)
        total = max(total, fees.min_per_order)
        return max(Decimal("0"), total - order.fees)

    # --- endings --------------------------------------------------------------------------------------------------
    def _transition(self, order: WorkingOrder, status: OrderStatus) -> None:
        if not is_legal(order.status, status):
            raise IllegalTransition(f"order {order.id}: {order.status.value} -> {status.value} is not allowed")
        order.status = status
        order.updated_ns = self.clock.now_ns()

    def _finish(self, order: WorkingOrder, status: OrderStatus, event: EventType, reason: RejectReason | None,
                note: RejectReason | None = None, fill: Fill | None = None) -> None:
        self._transition(order, status)
        now = self.clock.now_ns()
        if status is OrderStatus.CANCELED:
            order.canceled_ns = now
        elif status is OrderStatus.EXPIRED:
            order.expired_ns = now
        elif status is OrderStatus.REJECTED:
            order.reject_reason = reason
        self.working.get(order.request.symbol, {}).pop(order.id, None)
        self.ledger.release(order.account_id, order.id)
        explained = reason or note
        self.emit(event, order, fill, explained.value if explained else None)

    def expire_day_orders(self) -> None:
        for order in list(self.orders.values()):
            if order.time_in_force is TimeInForce.DAY and not order.status.is_terminal:
                self._finish(order, OrderStatus.EXPIRED, EventType.EXPIRED, None)
