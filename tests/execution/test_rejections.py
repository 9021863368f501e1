"""Orders the broker refuses at once, and orders the venue rejects on arrival, each with a machine-readable
reason."""

from decimal import Decimal

import pytest

from mockbroker.domain import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from mockbroker.errors import (InsufficientFunds, InvalidOrder, MarketClosed, RejectReason, TradingHalted,
                               UnknownSymbol)

from mockbroker.market import session

from .helpers import broker, events_of, limit, market, move_mid, place, seconds_to_close


@pytest.mark.parametrize("request_, reason", [
    (OrderRequest("ACME", 0, Side.BUY), RejectReason.INVALID_QUANTITY),
    (OrderRequest("ACME", -5, Side.BUY), RejectReason.INVALID_QUANTITY),
    (OrderRequest("ACME", 1.5, Side.BUY), RejectReason.INVALID_QUANTITY),
    (OrderRequest("ACME", True, Side.BUY), RejectReason.INVALID_QUANTITY),
    (OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, limit_price=Decimal("-1")), RejectReason.INVALID_PRICE),
    (OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, limit_price="nan"), RejectReason.INVALID_PRICE),
    (OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, limit_price=Decimal("49.995")),
     RejectReason.PRICE_NOT_ON_TICK),
    (OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT), RejectReason.MISSING_PRICE),
    (OrderRequest("ACME", 10, Side.BUY, OrderType.STOP_LIMIT, stop_price=Decimal("51")), RejectReason.MISSING_PRICE),
])
def test_malformed_orders_are_refused_with_a_reason_and_leave_no_trace(request_, reason):
    b = broker()
    with pytest.raises(InvalidOrder) as refused:
        b.submit_order(request_, "a")
    assert refused.value.reason is reason
    assert b.list_orders("a", "all") == [] and b.order_events() == []


def test_an_unknown_symbol_is_refused():
    with pytest.raises(UnknownSymbol) as refused:
        broker().submit_order(OrderRequest("ZZZZ", 10, Side.BUY), "a")
    assert refused.value.reason is RejectReason.UNKNOWN_SYMBOL


def test_an_order_beyond_the_buying_power_is_refused():
    b = broker(cash=Decimal("1000"))
    with pytest.raises(InsufficientFunds) as refused:
        b.submit_order(market(100), "a")
    assert refused.value.reason is RejectReason.INSUFFICIENT_BUYING_POWER
    assert b.get_account("a").cash == Decimal("1000")


def test_buying_power_counts_what_open_orders_have_reserved():
    b = broker(cash=Decimal("6000"))
    place(b, limit(100, "49.00"))  # reserves $4,900
    with pytest.raises(InsufficientFunds):
        b.submit_order(limit(30, "49.00"), "a")


def test_a_short_sale_is_refused_for_an_account_that_may_not_sell_short():
    b = broker(shorting=False)
    place(b, market(100))
    place(b, market(100, Side.SELL))  # selling what it holds is fine
    with pytest.raises(InvalidOrder) as refused:
        b.submit_order(market(1, Side.SELL), "a")
    assert refused.value.reason is RejectReason.SHORT_SALE_NOT_ALLOWED


def test_open_sell_orders_count_against_the_shares_held():
    b = broker(shorting=False)
    place(b, market(100))
    place(b, limit(100, "60.00", Side.SELL))  # rests, holds the 100 shares
    with pytest.raises(InvalidOrder) as refused:
        b.submit_order(limit(50, "61.00", Side.SELL), "a")
    assert refused.value.reason is RejectReason.SHORT_SALE_NOT_ALLOWED


def test_orders_are_refused_while_halted_and_an_order_in_flight_is_rejected_at_the_venue():
    b = broker(latency_min=100, latency_max=100)
    in_flight = b.submit_order(market(10), "a")
    b.inject({"type": "halt"})
    with pytest.raises(TradingHalted) as refused:
        b.submit_order(market(10), "a")
    assert refused.value.reason is RejectReason.TRADING_HALTED
    rejected = b.settle_order(in_flight.id, "a")
    assert (rejected.status, rejected.reject_reason) == (OrderStatus.REJECTED, RejectReason.TRADING_HALTED)


def test_orders_outside_the_session_are_queued_accepted_and_routed_at_the_open_market_orders_too():
    b = broker(update_ms=60_000)
    b.advance(seconds_to_close(b) + 60)  # 16:01
    before = b.get_account("a").buying_power
    queued = b.submit_order(market(10), "a")
    assert queued.status is OrderStatus.ACCEPTED, "Alpaca answers a queued market order with status accepted"
    assert b.get_account("a").buying_power < before, "its buying power is reserved at once, as any market buy's"
    gtc = b.submit_order(market(5, tif=TimeInForce.GTC), "a")
    _, ask = b.market["ACME"].touch()
    waiting = place(b, limit(10, ask + Decimal("1.00")))  # marketable, but nothing trades while closed
    resting = place(b, limit(10, "40.00"))  # not marketable: it will rest on the book after the open
    for order in (queued, gtc, waiting, resting):  # at the venue, not routed until the open: Alpaca's "accepted"
        assert (b.settle_order(order.id, "a").status, b.get_order(order.id, "a").filled_qty) == \
            (OrderStatus.ACCEPTED, 0)
        assert [e.event.value for e in events_of(b, order.id)] == ["accepted"]
    b.advance(18 * 3600)  # past the next open (09:30)
    opened = session.next_open(b.now_ns() - 18 * 3600 * 10**9)
    assert b.get_order(resting.id, "a").status is OrderStatus.NEW
    assert [e.event.value for e in events_of(b, resting.id)] == ["accepted", "new"]
    assert events_of(b, resting.id)[-1].time_ns == opened, "routed at the open"
    for order in (queued, gtc, waiting):
        done = b.get_order(order.id, "a")
        assert done.status is OrderStatus.FILLED, done
        assert opened <= done.filled_ns < opened + 120 * 10**9, "filled at the open's first prices"
    fill = b.list_fills("a", queued.id)[0]
    assert fill.arrival_mid == Decimal("50.00") and abs(fill.price - Decimal("50")) < Decimal("0.10")
    assert b.reconciles()


@pytest.mark.parametrize("tif", [TimeInForce.IOC, TimeInForce.FOK])
def test_ioc_and_fok_market_orders_are_refused_outside_the_session_with_the_way_out(tif):
    b = broker(update_ms=60_000)
    b.advance(seconds_to_close(b) + 60)
    with pytest.raises(MarketClosed) as refused:
        b.submit_order(market(10, tif=tif), "a")
    assert refused.value.reason is RejectReason.MARKET_CLOSED
    assert f"an {tif.value} market order" in refused.value.message and "day or gtc" in refused.value.message
    assert b.list_orders("a", "all") == []


def test_a_dollar_order_queued_for_the_open_is_sized_at_the_open():
    b = broker(update_ms=60_000)
    b.advance(seconds_to_close(b) + 60)
    order = b.submit_order(OrderRequest("ACME", None, Side.BUY, notional=Decimal("1000")), "a")
    b.settle_order(order.id, "a")
    b.advance(17 * 3600 + 28 * 60)  # 09:29, before the open
    move_mid(b, 40.0)  # the open's price differs from the night's
    b.advance(120)
    done = b.get_order(order.id, "a")
    assert done.status is OrderStatus.FILLED
    assert Decimal("995") < done.filled_qty * done.filled_avg_price <= Decimal("1000.01"), done


def test_a_market_order_that_arrives_after_the_close_waits_for_the_open_or_is_rejected_if_ioc():
    b = broker(update_ms=60_000, latency_min=500, latency_max=500)
    b.advance(seconds_to_close(b) - 0.2)  # 15:59:59.8
    day = b.submit_order(market(10), "a")
    assert b.settle_order(day.id, "a").status is OrderStatus.EXPIRED, "a day order in flight expires at the close"
    b = broker(update_ms=60_000, latency_min=500, latency_max=500)
    b.advance(seconds_to_close(b) - 0.2)
    gtc = b.submit_order(market(10, tif=TimeInForce.GTC), "a")
    ioc = b.submit_order(market(10, tif=TimeInForce.IOC), "a")
    assert b.settle_order(gtc.id, "a").status is OrderStatus.ACCEPTED, "a gtc market order waits for the open"
    done = b.settle_order(ioc.id, "a")
    assert (done.status, done.reject_reason) == (OrderStatus.REJECTED, RejectReason.MARKET_CLOSED)
    b.advance(18 * 3600)
    assert b.get_order(gtc.id, "a").status is OrderStatus.FILLED


def test_the_venue_rejects_at_the_configured_rate_with_a_reason():
    b = broker(rejection_rate=1.0)
    order = place(b, market(10))
    assert (order.status, order.reject_reason) == (OrderStatus.REJECTED, RejectReason.RANDOM_REJECTION)
    assert events_of(b, order.id)[-1].reason == "random_rejection"
    assert b.get_account("a").buying_power == Decimal("10000000.00"), "the reservation is released"
    half = broker(seed=5, rejection_rate=0.5)
    statuses = [place(half, market(1)).status for _ in range(200)]
    assert 70 < statuses.count(OrderStatus.REJECTED) < 130


def test_replacing_a_sell_does_not_count_the_old_order_against_the_shares_held():
    b = broker(shorting=False)
    place(b, market(100))
    old = place(b, limit(100, "60.00", Side.SELL))
    new = b.replace_order(old.id, "a", limit_price=Decimal("61.00"))
    assert b.settle_order(new.id, "a").status is OrderStatus.NEW
    with pytest.raises(InvalidOrder) as refused:
        b.replace_order(new.id, "a", qty=150)
    assert refused.value.reason is RejectReason.SHORT_SALE_NOT_ALLOWED


def test_a_replacement_beyond_the_buying_power_is_refused_and_the_old_order_keeps_working():
    b = broker(cash=Decimal("10000"))
    old = place(b, limit(100, "49.00"))
    with pytest.raises(InsufficientFunds):
        b.replace_order(old.id, "a", qty=300)
    assert b.get_order(old.id, "a").status is OrderStatus.NEW
    assert len(b.list_orders("a", "all")) == 1
    new = b.replace_order(old.id, "a", qty=150)
    assert b.settle_order(new.id, "a").status is OrderStatus.NEW
