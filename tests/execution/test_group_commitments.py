"""What the exits of a bracket or OTO order commit of the shares held: nothing while they are held (the entry has not
filled: they close shares still to be bought), the shares they close once the entry has filled and they are active
(of two exits, one counts: they close the same shares). The open-sell count behind the short-sale and close checks
always equals the sum over open orders."""

from decimal import Decimal

import pytest

from mockbroker import MockBroker
from mockbroker.domain import OrderClass, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from mockbroker.errors import OrderForbidden, RejectReason

ACCOUNT = "a"


def broker(shorting: bool = False) -> MockBroker:
    return (MockBroker.builder().seed(7).symbol("ACME", price=Decimal("50.00"))
            .account(ACCOUNT, cash=Decimal("100000"), shorting_enabled=shorting,
                     positions=({"symbol": "ACME", "qty": 100},))
            .market(model="random_walk", volatility=0.0, liquidity=2_000, spread=4.0)
            .execution(latency_min=20.0, latency_max=60.0).build())


def bracket(limit: str | None = "45.00", qty: int = 100, stop: str = "44.00", take: str = "55.00",
            cls: OrderClass = OrderClass.BRACKET) -> OrderRequest:
    kind = OrderType.LIMIT if limit is not None else OrderType.MARKET
    return OrderRequest("ACME", qty, Side.BUY, kind, TimeInForce.GTC,
                        limit_price=None if limit is None else Decimal(limit), order_class=cls,
                        take_profit=None if cls is OrderClass.OTO else Decimal(take), stop_loss=Decimal(stop))


def sell(qty: int) -> OrderRequest:
    return OrderRequest("ACME", qty, Side.SELL, OrderType.MARKET, TimeInForce.DAY)


def recount(b: MockBroker) -> dict:
    """The open sells, summed from the open orders (what the engine's running count must equal)."""
    total: dict = {}
    for orders in b.engine.open_orders_of.values():
        for o in orders.values():
            if o.side is Side.SELL and (o.group is None or o.group.counts(o)):
                key = (o.account_id, o.request.symbol)
                total[key] = total.get(key, 0) + o.qty - o.filled_qty
    return {k: v for k, v in total.items() if v}


def committed(b: MockBroker) -> dict:
    return {k: v for k, v in b.engine.open_sells.items() if v}


def legs(b: MockBroker, parent_id: str):
    return [b.get_order(leg, ACCOUNT) for leg in b.get_order(parent_id, ACCOUNT).legs]


def test_held_exits_leave_the_shares_held_free_to_sell_and_to_close():
    b = broker()
    entry = b.submit_order(bracket(), ACCOUNT)
    b.settle_order(entry.id, ACCOUNT)
    assert [leg.status for leg in legs(b, entry.id)] == [OrderStatus.HELD, OrderStatus.HELD]
    assert committed(b) == recount(b) == {}
    closing = b.close_position("ACME", ACCOUNT)  # all 100: the held exits hold none of them
    assert closing.qty == 100
    assert b.settle_order(closing.id, ACCOUNT).status is OrderStatus.FILLED
    assert [leg.status for leg in legs(b, entry.id)] == [OrderStatus.HELD, OrderStatus.HELD]


def test_held_exits_do_not_make_a_sale_of_the_shares_held_a_short_sale():
    b = broker(shorting=False)
    entry = b.submit_order(bracket(cls=OrderClass.OTO), ACCOUNT)
    b.settle_order(entry.id, ACCOUNT)
    order = b.submit_order(sell(100), ACCOUNT)  # refused as a short sale before the fix
    assert b.settle_order(order.id, ACCOUNT).status is OrderStatus.FILLED
    assert committed(b) == recount(b) == {}


def test_once_the_entry_fills_the_exits_commit_the_shares_they_close():
    b = broker(shorting=False)
    entry = b.submit_order(bracket(limit=None), ACCOUNT)  # a market entry: fills at once
    b.settle_order(entry.id, ACCOUNT)
    b.advance(1)
    assert [leg.status for leg in legs(b, entry.id)] == [OrderStatus.NEW, OrderStatus.NEW]
    assert b.get_position("ACME", ACCOUNT).qty == 200
    assert committed(b) == recount(b) == {(ACCOUNT, "ACME"): 100}, "one of the two exits counts"
    with pytest.raises(OrderForbidden) as refused:
        b.close_position("ACME", ACCOUNT)
    assert refused.value.reason is RejectReason.INSUFFICIENT_POSITION and "available: 100" in refused.value.message
    with pytest.raises(OrderForbidden) as short:
        b.submit_order(sell(150), ACCOUNT)
    assert short.value.reason is RejectReason.SHORT_SALE_NOT_ALLOWED
    closing = b.close_position("ACME", ACCOUNT, qty=100)
    assert b.settle_order(closing.id, ACCOUNT).status is OrderStatus.FILLED


def test_a_limit_entry_filling_later_activates_its_exits_then_they_commit():
    b = broker()
    entry = b.submit_order(bracket(limit="60.00", stop="44.00", take="65.00"), ACCOUNT)  # marketable: fills
    b.settle_order(entry.id, ACCOUNT)
    assert committed(b) == recount(b)
    b.advance(1)
    assert b.get_order(entry.id, ACCOUNT).status is OrderStatus.FILLED
    assert committed(b) == recount(b) == {(ACCOUNT, "ACME"): 100}


def test_canceling_or_replacing_held_exits_keeps_the_count_exact():
    b = broker()
    entry = b.submit_order(bracket(), ACCOUNT)
    b.settle_order(entry.id, ACCOUNT)
    stop_leg = next(leg for leg in legs(b, entry.id) if leg.type is OrderType.STOP)
    b.replace_order(stop_leg.id, ACCOUNT, stop_price=Decimal("43.00"))  # a held leg is replaced at once
    assert committed(b) == recount(b) == {}
    b.cancel_order(entry.id, ACCOUNT)
    b.advance(1)
    assert all(leg.status is OrderStatus.CANCELED for leg in legs(b, entry.id))
    assert committed(b) == recount(b) == {}
    assert b.reconciles()


def test_an_oco_may_protect_shares_that_only_held_exits_name():
    b = broker()
    entry = b.submit_order(bracket(), ACCOUNT)
    b.settle_order(entry.id, ACCOUNT)
    oco = b.submit_order(OrderRequest("ACME", 100, Side.SELL, OrderType.LIMIT, TimeInForce.GTC,
                                      take_profit=Decimal("56.00"), order_class=OrderClass.OCO,
                                      stop_loss=Decimal("40.00")), ACCOUNT)
    assert oco.status is OrderStatus.ACCEPTED
    assert committed(b) == recount(b) == {(ACCOUNT, "ACME"): 100}
