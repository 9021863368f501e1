"""The real broker's rules for quantities, dollar amounts, extended hours and order classes, checked before an order
is accepted (``MockBroker._validate`` calls these; each raises ``InvalidOrder`` with a reason and Alpaca's wording).

- Quantities: whole shares (``int``), or fractional shares (a ``Decimal`` of at most 9 places) in a fractionable
  symbol, for an account with fractional trading on, with a market, limit, stop or stop-limit day order.
- Dollar (notional) orders: ``notional`` instead of ``qty`` (never both), at least $1, at most 9 places, market day
  orders only, under the same fractional conditions; the venue works out the shares when the order arrives.
- Extended hours: limit day orders of whole shares only.
- Order classes (Alpaca's "Understand Orders"): a bracket needs a take-profit limit price and a stop-loss stop
  price; an OCO (one cancels other, exiting a position) has a limit order as its take-profit and a stop-loss; an OTO
  (one triggers other) has exactly one of them. Time in force day or gtc, no extended hours, whole shares. The
  take-profit must be above the stop-loss for a buy entry (below for a sell), and the stop price at least $0.01 away
  from the base price (the entry's limit price, or the OCO's take-profit) and from the market, on the losing side.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from .domain import QTY_PLACES, OrderClass, OrderType, Side, TimeInForce, canonical_qty
from .errors import InvalidOrder, OrderConflict, OrderForbidden, RejectReason

MAX_QTY = 10_000_000
MIN_NOTIONAL = Decimal("1")
MAX_NOTIONAL = Decimal("1000000000")
CENT = Decimal("0.01")
_FRACTIONAL_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT})
_ENTRY_TYPES = _FRACTIONAL_TYPES


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _exact(name: str, value: Any, reason: RejectReason) -> Decimal:
    """An int or a Decimal (never a float, whose binary value is not the number written), finite, <= 9 places."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise InvalidOrder(f"{name}={value!r}: must be a whole number or a Decimal (exact; not a float)",
                           reason=reason)
    number = Decimal(value)
    if not number.is_finite():
        raise InvalidOrder(f"{name}={value!r}: must be a finite number", reason=reason)
    if _places(number) > QTY_PLACES:
        raise InvalidOrder(f"{name}={value}: at most {QTY_PLACES} decimal places", reason=reason)
    return number


def _fractional_shape(what: str, kind: OrderType, tif: TimeInForce, symbol: str, types: frozenset) -> None:
    why = None
    if kind not in types:
        why = f"{what} must be {' or '.join(sorted(t.value for t in types))} orders, not {kind.value}"
    elif tif is not TimeInForce.DAY:
        why = f"{what} must be DAY orders"
    if why:
        raise InvalidOrder(why, reason=RejectReason.FRACTIONAL_NOT_ALLOWED, symbol=symbol)


def quantity(request: Any, kind: OrderType, tif: TimeInForce, symbol_config: Any,
             account: Any) -> tuple[int | Decimal | None, Decimal | None]:
    """(qty, notional) in canonical form; exactly one of them is set. The request's own shape only (``InvalidOrder``,
    what the request schema states); what the asset and the account allow is ``permitted``, checked after every
    rule on the shape."""
    qty, notional = request.qty, request.notional
    if notional is not None:
        if qty is not None:
            raise InvalidOrder("qty and notional cannot both be given: choose shares or dollars",
                               reason=RejectReason.INVALID_QUANTITY)
        amount = _exact("notional", notional, RejectReason.INVALID_QUANTITY)
        if amount <= 0 or amount > MAX_NOTIONAL:
            raise InvalidOrder(f"notional={amount}: must be above 0 and at most {MAX_NOTIONAL:,}",
                               reason=RejectReason.INVALID_QUANTITY)
        _fractional_shape("notional orders", kind, tif, symbol_config.symbol, frozenset({OrderType.MARKET}))
        return None, amount.normalize() if amount != amount.to_integral_value() else Decimal(int(amount))
    if qty is None:
        raise InvalidOrder("an order needs qty (shares) or notional (dollars)", reason=RejectReason.INVALID_QUANTITY)
    number = _exact("qty", qty, RejectReason.INVALID_QUANTITY)
    if not 0 < number <= MAX_QTY:
        raise InvalidOrder(f"qty={qty}: must be more than 0 and at most {MAX_QTY:,} shares",
                           reason=RejectReason.INVALID_QUANTITY)
    shares = canonical_qty(number)
    if shares.__class__ is not int:
        _fractional_shape("fractional orders", kind, tif, symbol_config.symbol, _FRACTIONAL_TYPES)
    return shares, None


def permitted(qty: Any, notional: Any, symbol_config: Any, account: Any) -> None:
    """What the asset and the account allow a fractional or dollar order (``OrderForbidden``, HTTP 403 as Alpaca):
    a fractionable asset, fractional trading on, and at least $1 for a dollar amount ("cost basis must be >= 1")."""
    if notional is None and qty.__class__ is int:
        return
    why = None
    if not getattr(symbol_config, "fractionable", True):
        why = "requested asset is not fractionable"
    elif not getattr(account, "fractional_trading", True):
        why = "fractional trading is disabled for this account (account configuration fractional_trading)"
    if why:
        raise OrderForbidden(why, reason=RejectReason.FRACTIONAL_NOT_ALLOWED, symbol=symbol_config.symbol)
    if notional is not None and notional < MIN_NOTIONAL:
        raise OrderForbidden(f"cost basis must be >= 1 (notional={notional})", reason=RejectReason.NOTIONAL_TOO_SMALL)


def check_extended_hours(request: Any, kind: OrderType, tif: TimeInForce, qty: Any, notional: Any) -> None:
    if kind is not OrderType.LIMIT or tif is not TimeInForce.DAY:
        raise InvalidOrder("extended hours orders must be DAY limit orders",
                           reason=RejectReason.EXTENDED_HOURS_NOT_ALLOWED)
    if notional is not None or qty.__class__ is not int:
        raise InvalidOrder("fractional shares and notional orders are not available in extended hours",
                           reason=RejectReason.EXTENDED_HOURS_NOT_ALLOWED)


def _class_error(message: str) -> InvalidOrder:
    return InvalidOrder(message, reason=RejectReason.INVALID_ORDER_CLASS)


def _leg_error(message: str, **details: Any) -> InvalidOrder:
    """A leg's price against the market or another price of the order: no request schema can state it."""
    return OrderConflict(message, reason=RejectReason.INVALID_LEG_PRICE, **details)


def order_class_of(value: Any) -> OrderClass:
    try:
        return value if value.__class__ is OrderClass else OrderClass(value)
    except ValueError:
        raise _class_error(f"order_class={value!r}: must be simple, bracket, oco or oto") from None


def order_class_legs(request: Any, side: Side, kind: OrderType, tif: TimeInForce, limit: Decimal | None,
                     qty: Any, notional: Any, tick: Decimal, market_price: Decimal,
                     price: Callable[[str, Any, Decimal], Decimal | None]) -> dict:
    """The legs' prices, checked and on the tick, and the class, as ``OrderRequest`` fields."""
    order_class = order_class_of(request.order_class)
    take_profit = price("take_profit.limit_price", request.take_profit, tick)
    stop_loss = price("stop_loss.stop_price", request.stop_loss, tick)
    stop_limit = price("stop_loss.limit_price", request.stop_loss_limit, tick)
    if stop_limit is not None and stop_loss is None:
        raise _class_error("stop_loss.limit_price needs stop_loss.stop_price")
    if order_class is OrderClass.SIMPLE:
        if take_profit is not None or stop_loss is not None:
            raise _class_error("take_profit and stop_loss need order_class bracket, oco or oto")
        return {}
    label = order_class.value
    if order_class in (OrderClass.BRACKET, OrderClass.OCO):
        if take_profit is None:
            raise _class_error(f"{label} orders require take_profit.limit_price")
        if stop_loss is None:
            raise _class_error(f"{label} orders require stop_loss.stop_price")
    elif take_profit is None and stop_loss is None:
        raise _class_error("oto orders require either take_profit or stop_loss")
    elif take_profit is not None and stop_loss is not None:
        raise _class_error("oto orders take one of take_profit and stop_loss; use a bracket order for both")
    if tif not in (TimeInForce.DAY, TimeInForce.GTC):
        raise _class_error(f"{label} orders must be day or gtc orders, not {tif.value}")
    if request.extended_hours:
        raise _class_error(f"extended hours are not supported for {label} orders")
    if notional is not None or qty.__class__ is not int:
        raise _class_error(f"{label} orders must be for whole shares (no fractional or notional orders)")
    if order_class is OrderClass.OCO:
        if kind is not OrderType.LIMIT:
            raise _class_error("oco orders must be limit orders (the take-profit leg)")
        if limit is not None and limit != take_profit:
            raise OrderConflict(f"an oco order's limit_price ({limit}) is its take-profit: it must equal "
                                f"take_profit.limit_price ({take_profit})", reason=RejectReason.INVALID_ORDER_CLASS)
        exit_side = side
        base = take_profit
    else:
        if kind not in _ENTRY_TYPES:
            raise _class_error(f"{label} entry orders must be market, limit, stop or stop_limit orders")
        exit_side = Side.SELL if side is Side.BUY else Side.BUY
        base = limit
    selling = exit_side is Side.SELL  # exits of a long position sell: profit above, loss below
    if take_profit is not None and stop_loss is not None:
        if selling and not take_profit > stop_loss:
            raise _leg_error(f"take_profit.limit_price must be > stop_loss.stop_price "
                             f"({take_profit} <= {stop_loss})")
        if not selling and not take_profit < stop_loss:
            raise _leg_error(f"take_profit.limit_price must be < stop_loss.stop_price "
                             f"({take_profit} >= {stop_loss})")
    if stop_loss is not None:
        for what, reference in (("base_price", base), ("the market price", market_price)):
            if reference is None:
                continue
            if selling and stop_loss > reference - CENT:
                raise _leg_error(f"stop_loss.stop_price must be <= {what} - 0.01 ({stop_loss} > {reference - CENT})",
                                 base_price=str(reference))
            if not selling and stop_loss < reference + CENT:
                raise _leg_error(f"stop_loss.stop_price must be >= {what} + 0.01 ({stop_loss} < {reference + CENT})",
                                 base_price=str(reference))
    return {"order_class": order_class, "take_profit": take_profit, "stop_loss": stop_loss,
            "stop_loss_limit": stop_limit}


def parse_decimal(value: Any) -> Decimal | None:
    """A Decimal from an exact value (str, int, Decimal); None when it is not a number."""
    try:
        return Decimal(value) if isinstance(value, (str, int, Decimal)) and not isinstance(value, bool) else None
    except InvalidOperation:
        return None
