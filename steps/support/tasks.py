"""Tasks: what an actor does (place, cancel, change orders; let time pass; move the market).

Each task is a few protocol calls. An order the broker refuses synchronously (bad input, no buying power, a halt)
is not an error of the scenario: it is kept on the desk as the refusal, for a Then step to judge.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable

from mockbroker.domain import Order, OrderRequest, OrderType, Side, TimeInForce
from mockbroker.errors import (BrokerError, InvalidArgument, InvalidOrder, OrderNotCancelable, UnknownAccount,
                               UnknownSymbol)

from .desk import Desk, PlacedOrder

REFUSALS = (InvalidArgument, InvalidOrder, UnknownSymbol, UnknownAccount)
"""Errors that mean "the broker said no to this order" (the scenario may expect them)."""


def order_request(symbol: str, shares: int, side: Side = Side.BUY, kind: OrderType = OrderType.MARKET,
                  time_in_force: TimeInForce = TimeInForce.DAY, limit: Decimal | None = None,
                  stop: Decimal | None = None) -> OrderRequest:
    return OrderRequest(symbol=symbol, qty=shares, side=side, type=kind, time_in_force=time_in_force,
                        limit_price=limit, stop_price=stop)


def place(desk: Desk, actor: str, request: OrderRequest, settle: bool = True) -> Order | None:
    """Send the order; with ``settle`` wait (in simulated time) until the venue has processed it."""
    desk.ready()
    account = desk.account_of(actor)
    try:
        order = desk.broker.submit_order(request, account=account)
    except REFUSALS as refusal:
        desk.refusal, desk.refused_request = refusal, request
        return None
    desk.refusal = desk.refused_request = None
    desk.orders.append(PlacedOrder(account, order.id, request))
    if settle:
        order = desk.broker.settle_order(order.id, account=account)
    return order


def reach_venue(desk: Desk) -> Order:
    placed = last_placed(desk)
    return desk.ready().broker.settle_order(placed.order_id, account=placed.account)


def cancel(desk: Desk) -> None:
    placed = last_placed(desk)
    try:
        desk.ready().broker.cancel_order(placed.order_id, account=placed.account)
    except (OrderNotCancelable, InvalidOrder) as refusal:
        desk.cancel_refusal = refusal
        return
    desk.cancel_refusal = None
    desk.broker.advance(1.0)


def cancel_all(desk: Desk, actor: str) -> None:
    desk.ready().broker.cancel_all_orders(account=desk.account_of(actor))
    desk.broker.advance(1.0)


def replace(desk: Desk, *, shares: int | None = None, limit: Decimal | None = None) -> None:
    placed = last_placed(desk)
    try:
        new = desk.ready().broker.replace_order(placed.order_id, account=placed.account, qty=shares,
                                                limit_price=limit)
    except REFUSALS as refusal:
        desk.refusal, desk.refused_request = refusal, placed.request
        return
    request = placed.request.replace(qty=shares or placed.request.qty, limit_price=limit or placed.request.limit_price)
    desk.orders.append(PlacedOrder(placed.account, new.id, request))
    # The replace travels as a command on the old order: once it has landed, the new order is at the venue.
    desk.broker.settle_order(placed.order_id, account=placed.account)
    desk.broker.settle_order(new.id, account=placed.account)


def close_position(desk: Desk, actor: str, symbol: str) -> None:
    account = desk.ready().account_of(actor)
    order = desk.broker.close_position(symbol, account=account)
    request = OrderRequest(symbol=symbol, qty=order.qty, side=order.side)
    desk.orders.append(PlacedOrder(account, order.id, request))
    desk.broker.settle_order(order.id, account=account)


def pass_time(desk: Desk, seconds: float) -> None:
    desk.ready().broker.advance(seconds)


def pass_time_to(desk: Desk, next_moment: Callable[[int], int], offset_seconds: float = 0.0) -> None:
    """Let simulated time pass to ``offset_seconds`` after (negative: before) the moment ``next_moment(now)`` gives,
    such as the session's next open or close; time never runs backwards."""
    now = desk.ready().broker.now_ns()
    pass_time(desk, max(0.0, (next_moment(now) - now) / 1e9 + offset_seconds))


def move_market(desk: Desk, event: dict) -> None:
    desk.ready().broker.inject(dict(event))


def happen(desk: Desk, event: dict) -> None:
    """A market event: before the scene is set it joins the scene (and happens as it is set); afterwards, now."""
    if desk.is_set:
        move_market(desk, event)
    else:
        desk.scene.add_event(event)


def last_placed(desk: Desk) -> PlacedOrder:
    if desk.orders and desk.refusal is None:
        return desk.orders[-1]
    if desk.refusal is not None:
        raise AssertionError(f"expected an order, but the broker refused it: {describe_refusal(desk.refusal)}")
    raise AssertionError("expected an order, but no When step placed one in this scenario")


def describe_refusal(error: BrokerError) -> str:
    reason = getattr(error, "reason", None)
    because = f", reason {reason.value}" if reason is not None else ""
    return f"{error.code}{because} ({error.message})"


def replay_market(desk: Desk, seed: int) -> None:
    """Set the same market again (events included, orders not) with ``seed`` and let the same time pass."""
    broker = desk.ready().broker
    elapsed = (broker.now_ns() - desk.start_ns) / 1e9
    broker.configure(desk.scene.config(seed))
    for event in desk.scene.events:
        broker.inject(dict(event))
    broker.advance(elapsed)
