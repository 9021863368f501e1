"""``IdealBroker``: the ``Broker`` contract over history with idealised execution, for comparison with other
backtesting libraries (backtesting.py's defaults: ``trade_on_close=False``, no spread, no hedging, no margin).

Rules:
- The runner moves it bar by bar: ``open_bar`` (the price is the bar's open), the strategy trades, ``close_bar``
  (resting orders meet the bar's range, then the price is the bar's close, which marks positions).
- A market order sent while a bar is opening fills at once, in full, at that open. No spread, no slippage, no
  latency. A commission of ``commission`` x notional is charged on every fill (the same rate both ways).
- A limit order fills at the open when the open is at or better than its limit, else at its limit when the bar's
  range reaches it (buy: low <= limit; sell: high >= limit). A stop order fills at the open when the open is past
  its stop, else at its stop when the range reaches it. ``stop_limit`` and trailing stops are refused.
- No leverage: the part of an order that opens or extends a position must fit, with its commission, in what the
  account has left once the rest of the order has closed what it closes (backtesting.py's margin rule with
  ``margin=1``): ``opening x price x (1 + commission) <= equity - commission on the closing part - |position left| x
  price``. A market order that does not fit is refused with ``InsufficientFunds`` (``needed``, ``available``),
  before anything changes; a resting order that no longer fits when it triggers is canceled.
- Orders sent when no bar is opening (after the last bar) wait for an open that never comes; the runner cancels them.
- Money is ``Decimal``; the equity curve is computed in floats (it is only read, never booked).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..domain import (Account, Bar, BookLevel, EventType, Fill, Order, OrderBook, OrderEvent, OrderRequest,
                      OrderStatus, OrderType, Position, Quote, Side, TimeInForce, Trade)
from ..errors import (InsufficientFunds, InvalidArgument, InvalidOrder, OrderNotCancelable, OrderNotFound,
                      PositionNotFound, RejectReason, UnknownAccount, UnknownSymbol)
from ..interface import DEFAULT_ACCOUNT

ZERO = Decimal("0")
BOOK_SIZE = 10_000_000


def _id(kind: int, counter: int) -> str:
    return f"1dea1000-{kind:04x}-4000-8000-{counter:012x}"


class _Working:
    __slots__ = ("id", "request", "status", "created_ns", "updated_ns", "filled_qty", "price", "fee", "filled_ns",
                 "canceled_ns", "reject_reason")

    def __init__(self, order_id: str, request: OrderRequest, now: int) -> None:
        self.id = order_id
        self.request = request
        self.status = OrderStatus.NEW
        self.created_ns = self.updated_ns = now
        self.filled_qty = 0
        self.price: Decimal | None = None
        self.fee = ZERO
        self.filled_ns: int | None = None
        self.canceled_ns: int | None = None
        self.reject_reason: RejectReason | None = None

    def snapshot(self, account: str, arrival: Decimal | None) -> Order:
        r = self.request
        return Order(self.id, r.client_order_id or self.id, account, r.symbol, r.side, r.type, r.time_in_force, r.qty,
                     self.filled_qty, self.status, r.limit_price, r.stop_price, self.price, self.created_ns,
                     self.updated_ns, self.created_ns, self.filled_ns, self.canceled_ns, None, arrival,
                     self.reject_reason, None, None, None, None, self.fee, False)


class IdealBroker:
    """One symbol, one account, fills at the open. Implements ``mockbroker.interface.Broker``."""

    def __init__(self, symbol: str, cash: Decimal | float | int = 10_000, commission: float = 0.0,
                 account: str = DEFAULT_ACCOUNT) -> None:
        if not 0 <= commission < 0.1:
            raise InvalidArgument("commission", commission, "must be a rate from 0 to 0.1 (0.002 = 0.2%)")
        self.symbol = symbol
        self.account_id = account
        self.starting_cash = Decimal(str(cash))
        self.cash = self.starting_cash
        self.commission = Decimal(repr(float(commission)))
        self.qty = 0
        self.cost_basis = ZERO
        self.realized = ZERO
        self.fees_paid = ZERO
        self.orders: dict[str, _Working] = {}
        self.resting: list[_Working] = []
        self.fills: list[Fill] = []
        self.events: list[OrderEvent] = []
        self.history: list[Bar] = []
        self.bar: Bar | None = None
        self.price = ZERO
        self.now = 0
        self.opening = False
        self._cash_f = float(self.cash)
        self._orders = 0

    # --- driven by the runner ---------------------------------------------------------------------------------
    def open_bar(self, bar: Bar) -> None:
        self.bar, self.price, self.now, self.opening = bar, bar.open, bar.start_ns, True
        if self.resting:
            for order in list(self.resting):
                self._try_resting(order, at_open=True)

    def close_bar(self, bar: Bar) -> None:
        self.opening = False
        if self.resting:
            for order in list(self.resting):
                self._try_resting(order, at_open=False)
        self.price = bar.close
        self.history.append(bar)

    def after_last_bar(self) -> None:
        self.opening = False

    def equity_at(self, close: float) -> float:
        return self._cash_f + self.qty * close

    # --- orders -----------------------------------------------------------------------------------------------
    def _check(self, request: OrderRequest, account: str) -> OrderRequest:
        if not isinstance(request, OrderRequest):
            raise InvalidArgument("request", request, "must be an OrderRequest")
        self._account(account)
        if request.symbol != self.symbol:
            raise UnknownSymbol(f"symbol {request.symbol!r} is not in this backtest (symbol: {self.symbol})",
                                reason=RejectReason.UNKNOWN_SYMBOL, symbol=request.symbol)
        if isinstance(request.qty, bool) or not isinstance(request.qty, int) or request.qty <= 0:
            raise InvalidOrder(f"qty={request.qty!r}: must be a whole number of shares above 0",
                               reason=RejectReason.INVALID_QUANTITY)
        kind = OrderType(request.type)
        if kind not in (OrderType.MARKET, OrderType.LIMIT, OrderType.STOP):
            raise InvalidOrder(f"a {kind.value} order is not supported in ideal mode (market, limit, stop are)",
                               reason=RejectReason.INVALID_ORDER_TYPE)
        limit = None if request.limit_price is None else Decimal(str(request.limit_price))
        stop = None if request.stop_price is None else Decimal(str(request.stop_price))
        if kind is OrderType.LIMIT and limit is None or kind is OrderType.STOP and stop is None:
            raise InvalidOrder(f"a {kind.value} order needs a {kind.value} price", reason=RejectReason.MISSING_PRICE)
        for name, price in (("limit_price", limit), ("stop_price", stop)):
            if price is not None and (not price.is_finite() or price <= 0):
                raise InvalidOrder(f"{name}={price}: must be above 0", reason=RejectReason.INVALID_PRICE)
        return request.replace(side=Side(request.side), type=kind, time_in_force=TimeInForce(request.time_in_force),
                               limit_price=limit, stop_price=stop)

    def _room(self, side: Side, qty: int, price: Decimal) -> tuple[Decimal, Decimal]:
        """(needed, available) for the opening part of an order, by the no-leverage rule in the module docstring."""
        sign = side.sign
        closing = min(qty, abs(self.qty)) if self.qty * sign < 0 else 0
        opening = qty - closing
        if not opening:
            return ZERO, ZERO
        left = abs(self.qty) - closing
        equity = self.cash + self.qty * price
        available = equity - closing * price * self.commission - left * price
        return opening * price * (1 + self.commission), available

    def submit_order(self, request: OrderRequest, account: str = DEFAULT_ACCOUNT) -> Order:
        request = self._check(request, account)
        if request.client_order_id is not None and any(
                o.request.client_order_id == request.client_order_id for o in self.orders.values()):
            raise InvalidOrder(f"client_order_id {request.client_order_id!r} is already used",
                               reason=RejectReason.DUPLICATE_CLIENT_ORDER_ID)
        marketable = self.opening and self._fill_price(request, self.price, self.price, self.price, True) is not None
        if marketable:
            needed, available = self._room(request.side, request.qty,
                                           self._fill_price(request, self.price, self.price, self.price, True))
            if needed > available:
                raise InsufficientFunds(
                    f"the order needs ${needed:,.2f} (with commission); the account has ${max(available, ZERO):,.2f}",
                    needed=str(needed), available=str(available))
        self._orders += 1
        order = _Working(_id(0, self._orders), request, self.now)
        self.orders[order.id] = order
        self._emit(EventType.NEW, order)
        if marketable:
            self._execute(order, self._fill_price(request, self.price, self.price, self.price, True))
        else:
            self.resting.append(order)
        return order.snapshot(self.account_id, self.price)

    @staticmethod
    def _fill_price(request: OrderRequest, open_: Decimal, high: Decimal, low: Decimal, at_open: bool) -> Decimal | None:
        buy = request.side is Side.BUY
        if request.type is OrderType.MARKET:
            return open_ if at_open else None
        if request.type is OrderType.LIMIT:
            limit = request.limit_price
            if at_open:
                return open_ if (open_ <= limit if buy else open_ >= limit) else None
            return limit if (low <= limit if buy else high >= limit) else None
        stop = request.stop_price
        if at_open:
            return open_ if (open_ >= stop if buy else open_ <= stop) else None
        return stop if (high >= stop if buy else low <= stop) else None

    def _try_resting(self, order: _Working, at_open: bool) -> None:
        bar = self.bar
        price = self._fill_price(order.request, bar.open, bar.high, bar.low, at_open)
        if price is None:
            return
        self.resting.remove(order)
        needed, available = self._room(order.request.side, order.request.qty, price)
        if needed > available:
            self._end(order, OrderStatus.CANCELED, EventType.CANCELED, RejectReason.INSUFFICIENT_BUYING_POWER)
            return
        self._execute(order, price)

    def _execute(self, order: _Working, price: Decimal) -> None:
        side, qty = order.request.side, order.request.qty
        sign = side.sign
        fee = qty * price * self.commission
        # average-cost position keeping, for the Position view and realized P&L
        if self.qty * sign < 0:
            closing = min(qty, abs(self.qty))
            avg = self.cost_basis / self.qty
            self.realized += closing * (price - avg) * (1 if self.qty > 0 else -1)
            self.cost_basis -= avg * closing * (1 if self.qty > 0 else -1)
            rest = qty - closing
            self.cost_basis += sign * rest * price
        else:
            self.cost_basis += sign * qty * price
        self.qty += sign * qty
        if self.qty == 0:
            self.cost_basis = ZERO
        self.cash -= sign * qty * price + fee
        self.fees_paid += fee
        self._cash_f = float(self.cash)
        order.status, order.filled_qty, order.price, order.fee = OrderStatus.FILLED, qty, price, fee
        order.filled_ns = order.updated_ns = self.now
        fill = Fill(_id(1, len(self.fills) + 1), order.id, self.account_id, self.symbol, side, qty, price, fee,
                    self.now, price, ZERO)
        self.fills.append(fill)
        self._emit(EventType.FILL, order, fill)

    def _end(self, order: _Working, status: OrderStatus, event: EventType, reason: RejectReason | None = None) -> None:
        order.status, order.updated_ns, order.canceled_ns = status, self.now, self.now
        order.reject_reason = reason
        if order in self.resting:
            self.resting.remove(order)
        self._emit(event, order, reason=reason.value if reason else None)

    def _emit(self, event: EventType, order: _Working, fill: Fill | None = None, reason: str | None = None) -> None:
        self.events.append(OrderEvent(len(self.events) + 1, self.now, event, order.snapshot(self.account_id, self.price),
                                      fill, reason))

    def _account(self, account: str) -> None:
        if account != self.account_id:
            raise UnknownAccount(f"account {account!r} does not exist (accounts: {self.account_id})", account=account)

    def _working(self, order_id: str, account: str) -> _Working:
        self._account(account)
        order = self.orders.get(order_id)
        if order is None:
            raise OrderNotFound(f"order {order_id!r} not found for account {account!r}", order_id=order_id)
        return order

    def get_order(self, order_id: str, account: str = DEFAULT_ACCOUNT) -> Order:
        return self._working(order_id, account).snapshot(self.account_id, None)

    def get_order_by_client_id(self, client_order_id: str, account: str = DEFAULT_ACCOUNT) -> Order:
        self._account(account)
        for order in self.orders.values():
            if (order.request.client_order_id or order.id) == client_order_id:
                return order.snapshot(self.account_id, None)
        raise OrderNotFound(f"no order with client_order_id {client_order_id!r}", client_order_id=client_order_id)

    def list_orders(self, account: str = DEFAULT_ACCOUNT, status: str = "open") -> list[Order]:
        self._account(account)
        if status not in ("open", "closed", "all"):
            raise InvalidArgument("status", status, "must be open, closed or all")
        chosen = [o for o in self.orders.values()
                  if status == "all" or (status == "open") == (not o.status.is_terminal)]
        return [o.snapshot(self.account_id, None) for o in chosen]

    def cancel_order(self, order_id: str, account: str = DEFAULT_ACCOUNT) -> Order:
        order = self._working(order_id, account)
        if order.status.is_terminal:
            raise OrderNotCancelable(f"order {order_id} is already {order.status.value}",
                                     reason=RejectReason.ORDER_NOT_OPEN, status=order.status.value)
        self._end(order, OrderStatus.CANCELED, EventType.CANCELED)
        return order.snapshot(self.account_id, None)

    def cancel_all_orders(self, account: str = DEFAULT_ACCOUNT) -> list[Order]:
        self._account(account)
        return [self.cancel_order(o.id, account) for o in list(self.resting)]

    def replace_order(self, order_id: str, account: str = DEFAULT_ACCOUNT, *, qty: int | None = None,
                      limit_price: Any = None, stop_price: Any = None, time_in_force: Any = None,
                      trail: Any = None, client_order_id: str | None = None) -> Order:
        old = self._working(order_id, account)
        r = old.request
        trail_price, trail_percent = r.trail_price, r.trail_percent
        if trail is not None:  # a trailing stop's new trail (the broker refuses it on other types)
            trail_price, trail_percent = (trail, None) if trail_percent is None else (None, trail)
        request = r.replace(qty=r.qty if qty is None else qty,
                            limit_price=r.limit_price if limit_price is None else limit_price,
                            stop_price=r.stop_price if stop_price is None else stop_price,
                            time_in_force=r.time_in_force if time_in_force is None else time_in_force,
                            trail_price=trail_price, trail_percent=trail_percent, client_order_id=client_order_id)
        self._check(request, account)
        self.cancel_order(order_id, account)
        return self.submit_order(request, account)

    def list_fills(self, account: str = DEFAULT_ACCOUNT, order_id: str | None = None) -> list[Fill]:
        self._account(account)
        return [f for f in self.fills if order_id is None or f.order_id == order_id]

    def order_events(self, since_seq: int = 0, account: str | None = None) -> list[OrderEvent]:
        if account is not None:
            self._account(account)
        return self.events[since_seq:]

    # --- accounts and positions -------------------------------------------------------------------------------
    def get_account(self, account: str = DEFAULT_ACCOUNT) -> Account:
        self._account(account)
        value = self.qty * self.price
        equity = self.cash + value
        unrealized = value - self.cost_basis
        buying_power = equity - abs(value)
        return Account(self.account_id, self.cash, buying_power, equity, max(value, ZERO), min(value, ZERO),
                       self.realized, unrealized, self.fees_paid)

    def list_positions(self, account: str = DEFAULT_ACCOUNT) -> list[Position]:
        self._account(account)
        return [self.get_position(self.symbol, account)] if self.qty else []

    def get_position(self, symbol: str, account: str = DEFAULT_ACCOUNT) -> Position:
        self._account(account)
        if symbol != self.symbol or not self.qty:
            raise PositionNotFound(f"account {account!r} holds no {symbol}", symbol=symbol)
        value = self.qty * self.price
        return Position(self.account_id, symbol, self.qty, self.cost_basis / self.qty, self.cost_basis, self.price,
                        value, value - self.cost_basis, self.realized)

    def close_position(self, symbol: str, account: str = DEFAULT_ACCOUNT, *, qty=None, percentage=None) -> Order:
        position = self.get_position(symbol, account)
        side = Side.SELL if position.qty > 0 else Side.BUY
        shares = abs(position.qty)
        if qty is not None:
            shares = min(shares, int(Decimal(str(qty))))
        elif percentage is not None:
            shares = int(shares * Decimal(str(percentage)) / 100)
        return self.submit_order(OrderRequest(symbol, shares, side), account)

    def close_all_positions(self, account: str = DEFAULT_ACCOUNT, cancel_orders: bool = False) -> list:
        if cancel_orders:
            self.cancel_all_orders(account)
        return [(p.symbol, self.close_position(p.symbol, account)) for p in self.list_positions(account)]

    # --- market data ------------------------------------------------------------------------------------------
    def _symbol(self, symbol: str) -> None:
        if symbol != self.symbol:
            raise UnknownSymbol(f"symbol {symbol!r} is not in this backtest (symbol: {self.symbol})", symbol=symbol)

    def get_quote(self, symbol: str) -> Quote:
        self._symbol(symbol)
        return Quote(symbol, self.price, self.price, BOOK_SIZE, BOOK_SIZE, self.price, self.now)

    def get_latest_trade(self, symbol: str) -> Trade:
        self._symbol(symbol)
        return Trade(symbol, self.price, 0, self.now)

    def get_bars(self, symbol: str, timeframe_seconds: int = 60, limit: int = 100) -> list[Bar]:
        """The completed bars of the history so far, at their own timeframe (``timeframe_seconds`` is ignored)."""
        self._symbol(symbol)
        return self.history[-limit:]

    def get_order_book(self, symbol: str, depth: int = 5) -> OrderBook:
        self._symbol(symbol)
        level = (BookLevel(self.price, BOOK_SIZE),)
        return OrderBook(symbol, level, level, self.now)
