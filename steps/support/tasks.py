"""Tasks: what an actor does (place, cancel, change orders; let time pass; move the market).

Each task is a few protocol calls. An order the broker refuses synchronously (bad input, no buying power, a halt)
is not an error of the scenario: it is kept on the desk as the refusal, for a Then step to judge. Waiting for the
broker (in simulated time, or in real time on a target without a clock) is ``steps.support.waiting``'s job.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable

from mockbroker.domain import Order, OrderRequest, OrderType, Side, TimeInForce
from mockbroker.errors import (BrokerError, InvalidArgument, InvalidOrder, OrderNotCancelable, OrderNotFound,
                               UnknownAccount, UnknownSymbol)

from . import waiting
from .desk import Desk, PlacedOrder, Request

REFUSALS = (InvalidArgument, InvalidOrder, UnknownSymbol, UnknownAccount)
"""Errors that mean "the broker said no to this order" (the scenario may expect them)."""

REQUEST_REFUSALS = (OrderNotFound, OrderNotCancelable, InvalidOrder, InvalidArgument)
"""Errors that mean "the broker said no to this cancel, change or look-up" (kept for a Then step)."""


def order_request(symbol: str, shares: int, side: Side = Side.BUY, kind: OrderType = OrderType.MARKET,
                  time_in_force: TimeInForce = TimeInForce.DAY, limit: Decimal | None = None,
                  stop: Decimal | None = None, client_order_id: str | None = None) -> OrderRequest:
    return OrderRequest(symbol=symbol, qty=shares, side=side, type=kind, time_in_force=time_in_force,
                        limit_price=limit, stop_price=stop, client_order_id=client_order_id)


FAR_FROM_THE_MARKET = Decimal("0.5")
"""How far "far below/above the market" is: half the bid below it for a buy, half the ask above it for a sell, so
the order rests however the price moves while the scenario runs, and fills on no account."""
CENT = Decimal("0.01")


def far_limit(desk: Desk, side: Side, symbol: str | None = None) -> Decimal:
    """A limit price far from the market, on whole cents: a buy's below the bid, a sell's above the ask."""
    quote = desk.ready().broker.get_quote(desk.symbol(symbol))
    if side is Side.BUY:
        return max(CENT, (quote.bid * (1 - FAR_FROM_THE_MARKET)).quantize(CENT, rounding="ROUND_DOWN"))
    return (quote.ask * (1 + FAR_FROM_THE_MARKET)).quantize(CENT, rounding="ROUND_UP")


def shares_beyond_buying_power(desk: Desk, actor: str, limit: Decimal) -> int:
    """The fewest shares at ``limit`` that cost more than the account's buying power."""
    buying_power = desk.ready().broker.get_account(desk.account_of(actor)).buying_power
    return int(buying_power / limit) + 1


def look_up_unknown(desk: Desk, actor: str) -> Request:
    """Read, as ``actor``, an order id no broker gave out; kept as the last look-up for a Then step."""
    account = desk.ready().account_of(actor)
    unknown = f"00000000-0000-4000-8000-{desk.seed % 16 ** 12:012x}"
    request = Request("look-up", account, unknown)
    try:
        request.answer = desk.broker.get_order(unknown, account=account)
    except REQUEST_REFUSALS as refusal:
        request.refusal = refusal
    desk.requests["look-up"] = request
    return request


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
        order = waiting.settle(desk, order.id, account)
    return order


def reach_venue(desk: Desk) -> Order:
    placed = last_placed(desk)
    return waiting.settle(desk.ready(), placed.order_id, placed.account)


def ask(desk: Desk, kind: str, actor: str, call: Callable[[str, PlacedOrder], object],
        refusals: tuple[type[BrokerError], ...] = REQUEST_REFUSALS) -> Request:
    """Make a request about "the order" as ``actor`` (with the actor's own account, whoever owns the order) and
    keep it, answered or refused, as the last request of its kind."""
    placed = last_placed(desk)
    account = desk.ready().account_of(actor)
    request = Request(kind, account, placed.order_id)
    try:
        request.answer = call(account, placed)
    except refusals as refusal:
        request.refusal = refusal
    desk.requests[kind] = request
    return request


def cancel(desk: Desk, actor: str, settle: bool = True) -> Request:
    """Ask to cancel the order as ``actor``; with ``settle``, let a second pass for the cancel to land. Without
    it (a "tries to" step) only "not found" and "already done" are kept as the cancel's refusal: any other error
    (a connection error, a timeout) is raised, for the caller to note as a failure."""
    refusals = REQUEST_REFUSALS if settle else (OrderNotFound, OrderNotCancelable)
    request = ask(desk, "cancel", actor, lambda account, placed: desk.broker.cancel_order(placed.order_id,
                                                                                         account=account),
                  refusals)
    desk.cancel_refusal = request.refusal
    if request.refusal is None and settle:
        waiting.after_cancel(desk, request.order_id, request.account)
    return request


def look_up(desk: Desk, actor: str, client_order_id: str | None = None, by_client_id: bool = False) -> Request:
    """Read the order as ``actor``: by its id, or by its client order id (the one given, else the order's own)."""
    def read(account: str, placed: PlacedOrder):
        if not by_client_id and client_order_id is None:
            return desk.broker.get_order(placed.order_id, account=account)
        wanted = desk.client_order_id(client_order_id) if client_order_id else client_order_id_of(desk, placed)
        return desk.broker.get_order_by_client_id(wanted, account=account)
    return ask(desk, "look-up", actor, read)


def client_order_id_of(desk: Desk, placed: PlacedOrder) -> str:
    """The client order id the order was sent with, else the one the broker gave it (as its owner sees it)."""
    return placed.request.client_order_id or desk.broker.get_order(placed.order_id,
                                                                   account=placed.account).client_order_id


def cancel_all(desk: Desk, actor: str) -> None:
    account = desk.ready().account_of(actor)
    desk.broker.cancel_all_orders(account=account)
    waiting.after_cancel_all(desk, account)


def replace(desk: Desk, actor: str, *, shares: int | None = None, limit: Decimal | None = None) -> Request:
    """Change the order as ``actor``: the replacement becomes "the order"; a refusal is kept as the last change
    (and, when it is a refusal of the new order itself, such as buying power, as the order's refusal too)."""
    def change(account: str, placed: PlacedOrder):
        return desk.broker.replace_order(placed.order_id, account=account, qty=shares, limit_price=limit)
    placed = last_placed(desk)
    request = ask(desk, "change", actor, change)
    if request.refusal is not None:
        if isinstance(request.refusal, REFUSALS):
            desk.refusal, desk.refused_request = request.refusal, placed.request
        return request
    new = request.answer
    changed = placed.request.replace(qty=shares or placed.request.qty,
                                     limit_price=limit or placed.request.limit_price, client_order_id=None)
    desk.orders.append(PlacedOrder(request.account, new.id, changed))
    # The replace travels as a command on the old order: once it has landed, the new order is at the venue.
    waiting.settle(desk, placed.order_id, placed.account)
    waiting.settle(desk, new.id, request.account)
    return request


def close_position(desk: Desk, actor: str, symbol: str, **how) -> None:
    """Close all of the position (or ``qty``/``percentage`` of it) at market; a refusal is kept for a Then step, as a
    refused order's is."""
    account = desk.ready().account_of(actor)
    try:
        order = desk.broker.close_position(symbol, account=account, **how)
    except REFUSALS as refusal:
        desk.refusal, desk.refused_request = refusal, None
        return
    desk.refusal = desk.refused_request = None
    request = OrderRequest(symbol=symbol, qty=order.qty, side=order.side)
    desk.orders.append(PlacedOrder(account, order.id, request))
    waiting.settle(desk, order.id, account)


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


def rerun_scenario(context) -> tuple[Desk, Desk]:
    """Run the scenario's Given and When steps so far again, from a fresh desk with the same seed, on the same
    broker (setting the scene resets it). Returns (the first run's desk, the rerun's desk); the rerun's desk
    becomes ``context.desk``. Then steps are not repeated: they only look."""
    first = context.desk
    done = [s for s in context.scenario.all_steps
            if getattr(s.status, "name", "") == "passed" and s.step_type in ("given", "when")]
    from . import streaming  # the streams of the first run are closed before the rerun opens its own

    streaming.close_all(first)
    context.desk = Desk(broker=first.broker, seed=first.seed, master_seed=first.master_seed, target=first.target,
                        location=first.location, seed_name=first.seed_name, profile=first.profile,
                        run_token=first.run_token)
    if done:
        context.execute_steps("\n".join(_as_gherkin(step) for step in done))
    return first, context.desk.ready()


def _as_gherkin(step) -> str:
    lines = [f"{step.step_type.capitalize()} {step.name}"]
    if step.text is not None:
        lines += ['"""', *str(step.text).splitlines(), '"""']
    if step.table is not None:
        lines.append("| " + " | ".join(step.table.headings) + " |")
        lines += ["| " + " | ".join(row.cells) + " |" for row in step.table.rows]
    return "\n".join(lines)
