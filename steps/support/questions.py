"""Questions: what an actor can observe (an order as it stands now, its fills and slippage, balances, positions,
the market). Each answer is read fresh from the broker, never from what a step remembered.

A question given ``until`` (what the Then step expects) asks again, on a target without a virtual clock, until the
answer satisfies it or the wait runs out (``steps.support.waiting.eventually``); with a clock it asks once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, TypeVar

from mockbroker.domain import Account, Fill, MarketState, Order, OrderEvent, Quote
T = TypeVar("T")

from . import waiting
from .desk import Desk, Request
from .tasks import describe_refusal, last_placed


def the_order(desk: Desk, until: Callable[[Order], bool] | None = None) -> Order:
    placed = last_placed(desk)
    broker = desk.ready().broker
    return _answer(desk, lambda: broker.get_order(placed.order_id, account=placed.account), until)


def the_changed_order(desk: Desk, until: Callable[[Order], bool] | None = None) -> Order:
    """The order "the order" replaced (the one placed before it), as it stands now."""
    if len(desk.orders) < 2:
        raise AssertionError("no order was changed: a change (replace) makes a new order, and there is only one")
    placed = desk.orders[-2]
    broker = desk.ready().broker
    return _answer(desk, lambda: broker.get_order(placed.order_id, account=placed.account), until)


def _answer(desk: Desk, read: Callable[[], T], until: Callable[[T], bool] | None) -> T:
    return read() if until is None else waiting.eventually(desk, read, until)


def fills_of(desk: Desk, order: Order) -> list[Fill]:
    return desk.ready().broker.list_fills(account=order.account_id, order_id=order.id)


def slippage_bps(fills: list[Fill]) -> Decimal | None:
    """Quantity-weighted average of the fills' slippage; None without fills."""
    shares = sum(f.qty for f in fills)
    if not shares:
        return None
    return sum((Decimal(f.qty) * f.slippage_bps for f in fills), Decimal(0)) / shares


def average_price(fills: list[Fill]) -> Decimal | None:
    shares = sum(f.qty for f in fills)
    if not shares:
        return None
    return sum((f.qty * f.price for f in fills), Decimal(0)) / shares


def balances(desk: Desk, actor: str) -> Account:
    return desk.ready().broker.get_account(desk.account_of(actor))


def shares_held(desk: Desk, actor: str, symbol: str, until: Callable[[int], bool] | None = None) -> int:
    account = desk.ready().account_of(actor)
    return _answer(desk, lambda: desk.shares_now(account, symbol), until)


def holdings(desk: Desk, actor: str, until: Callable[[dict], bool] | None = None) -> dict[str, int]:
    account = desk.ready().account_of(actor)
    return _answer(desk, lambda: {p.symbol: p.qty for p in desk.broker.list_positions(account=account) if p.qty},
                   until)


def all_fills(desk: Desk, actor: str) -> list[Fill]:
    return desk.ready().broker.list_fills(account=desk.account_of(actor))


def events_of(desk: Desk, order: Order, until: Callable[[list[OrderEvent]], bool] | None = None) -> list[OrderEvent]:
    broker = desk.ready().broker
    return _answer(desk, lambda: [e for e in broker.order_events(0, account=order.account_id) if e.order.id == order.id],
                   until)


def open_order_ids(desk: Desk, actor: str, until: Callable[[set], bool] | None = None) -> set[str]:
    """Ids of the account's open orders, as its own list of open orders shows them."""
    account = desk.ready().account_of(actor)
    return _answer(desk, lambda: {o.id for o in desk.broker.list_orders(account=account, status="open")}, until)


def quote(desk: Desk, symbol: str) -> Quote:
    return desk.ready().broker.get_quote(symbol)


def market(desk: Desk, symbol: str) -> MarketState:
    return desk.ready().broker.market_state(symbol)


def cash_expected_from_fills(desk: Desk, actor: str) -> tuple[Account, Decimal, str]:
    """The account now, the cash its fills since the start imply, and how that was worked out."""
    account = balances(desk, actor)
    fills = [f for f in all_fills(desk, actor) if f.fill_id not in desk.opening_fills]
    flow = sum((-f.side.sign * f.qty * f.price - f.fee for f in fills), Decimal(0))
    start = desk.start_cash[account.id]
    # Fractional shares, a book VWAP or the impact law can make a fill's value finer than a cent; the account
    # shows cash to the cent.
    return account, (start + flow).quantize(Decimal("0.01")), \
        f"${start:,.2f} at the start, {len(fills)} fills moving ${flow:,.4f}"


@dataclass(frozen=True)
class CashChange:
    actual: Decimal
    expected: Decimal


def cash_change_and_fill_flow(desk: Desk, actor: str, whose: str | None) -> tuple[Account, CashChange, str]:
    """How the account's cash changed since the start, what its fills since the start imply, and the working.
    ``whose`` (a possessive in the step) must be the actor's own fills."""
    account_id = desk.account_of(actor)
    if whose is not None and desk.account_of(whose) != account_id:
        raise AssertionError(f"{account_id}'s cash moves with {account_id}'s fills, not {whose}'s: write "
                             f"\"{account_id}'s cash fell by the cost of their fills\"")
    account, implied, working = cash_expected_from_fills(desk, actor)
    start = desk.start_cash[account.id]
    return account, CashChange(actual=account.cash - start, expected=implied - start), working


def order_summary(desk: Desk, actor: str, until: Callable[[list], bool] | None = None) -> list[tuple[str, str, int, str]]:
    """(symbol, side, shares, status words) of every order the scenario placed for the account, sorted."""
    account = desk.ready().account_of(actor)
    placed = {p.order_id for p in desk.orders if p.account == account}

    def read():
        orders = [o for o in desk.broker.list_orders(account=account, status="all") if o.id in placed]
        return sorted((o.symbol, o.side.value, o.qty, o.status.value.replace("_", " ")) for o in orders)
    return _answer(desk, read, until)


def every_fill(desk: Desk) -> list[tuple]:
    """Every fill of every account the scenario used, as (account, symbol, side, shares, price, fee, time)."""
    broker = desk.ready().broker
    fills = [f for account in sorted(desk.actors) for f in broker.list_fills(account=account)
             if f.fill_id not in desk.opening_fills]
    return sorted((f.account_id, f.symbol, f.side.value, f.qty, f.price, f.fee, f.time_ns) for f in fills)


def bar_prices(desk: Desk, symbol: str) -> list[tuple]:
    bars = desk.ready().broker.get_bars(symbol, timeframe_seconds=60, limit=1000)
    return [(b.open, b.high, b.low, b.close) for b in bars]


def last_request(desk: Desk, kind: str, actor: str | None = None) -> Request:
    """The last cancel, change or look-up; with ``actor``, it must be that account's."""
    request = desk.requests.get(kind)
    if request is None:
        raise AssertionError(f"no {kind} was asked for in this scenario: add a When step such as "
                             f"{_REQUEST_EXAMPLES[kind]!r} before this one")
    if actor is not None:
        account = desk.account_of(actor)
        if request.account != account:
            raise AssertionError(f"{account} asked for no {kind} in this scenario (the last {kind} was "
                                 f"{request.account}'s)")
    return request


_REQUEST_EXAMPLES = {"cancel": "When alice cancels the order", "change": "When alice changes the limit to $49.50",
                     "look-up": "When alice looks up the order"}


def describe_request(desk: Desk, request: Request) -> str:
    """Who asked about which order, whose order it is, and what the broker answered, in a tester's words."""
    owner = next((p.account for p in desk.orders if p.order_id == request.order_id), None)
    whose = f"{desk.named(owner)}'s order" if owner is not None else "an order id the scenario never placed"
    answer = ("it was refused: " + describe_refusal(request.refusal) if request.refusal is not None
              else "it went through")
    return f"{desk.named(request.account)} asked for a {request.kind} of order {request.order_id} ({whose}); {answer}"


def check_refused(desk: Desk, request: Request, why: str, codes: tuple[str, ...]) -> None:
    """Fail, with who asked and what came, unless the request was refused with one of ``codes``."""
    if request.refusal is not None and request.refusal.code in codes:
        return
    raise AssertionError(f"Expected: {desk.named(request.account)}'s {request.kind} refused because {why} "
                         f"({' or '.join(codes)})\n     but: {describe_request(desk, request)}")
