"""Questions: what an actor can observe (an order as it stands now, its fills and slippage, balances, positions,
the market). Each answer is read fresh from the broker, never from what a step remembered."""

from __future__ import annotations

from decimal import Decimal

from mockbroker.domain import Account, Fill, MarketState, Order, OrderEvent, Quote
from mockbroker.errors import PositionNotFound

from .desk import Desk
from .tasks import last_placed


def the_order(desk: Desk) -> Order:
    placed = last_placed(desk)
    return desk.ready().broker.get_order(placed.order_id, account=placed.account)


def the_changed_order(desk: Desk) -> Order:
    """The order "the order" replaced (the one placed before it), as it stands now."""
    if len(desk.orders) < 2:
        raise AssertionError("no order was changed: a change (replace) makes a new order, and there is only one")
    placed = desk.orders[-2]
    return desk.ready().broker.get_order(placed.order_id, account=placed.account)


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


def shares_held(desk: Desk, actor: str, symbol: str) -> int:
    try:
        return desk.ready().broker.get_position(symbol, account=desk.account_of(actor)).qty
    except PositionNotFound:
        return 0


def holdings(desk: Desk, actor: str) -> dict[str, int]:
    return {p.symbol: p.qty for p in desk.ready().broker.list_positions(account=desk.account_of(actor)) if p.qty}


def all_fills(desk: Desk, actor: str) -> list[Fill]:
    return desk.ready().broker.list_fills(account=desk.account_of(actor))


def events_of(desk: Desk, order: Order) -> list[OrderEvent]:
    return [e for e in desk.ready().broker.order_events(0, account=order.account_id) if e.order.id == order.id]


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
    # Fills at a book VWAP or the impact law may carry fractions of a cent; the account shows cash to the cent.
    expected = (start + flow).quantize(Decimal("0.01"))
    return account, expected, f"${start:,.2f} at the start, {len(fills)} fills moving ${flow:,.4f}"


def order_summary(desk: Desk, actor: str) -> list[tuple[str, str, int, str]]:
    """(symbol, side, shares, status words) of every order the scenario placed for the account, sorted."""
    account = desk.ready().account_of(actor)
    placed = {p.order_id for p in desk.orders if p.account == account}
    orders = [o for o in desk.broker.list_orders(account=account, status="all") if o.id in placed]
    return sorted((o.symbol, o.side.value, o.qty, o.status.value.replace("_", " ")) for o in orders)


def bar_prices(desk: Desk, symbol: str) -> list[tuple]:
    bars = desk.ready().broker.get_bars(symbol, timeframe_seconds=60, limit=1000)
    return [(b.open, b.high, b.low, b.close) for b in bars]
