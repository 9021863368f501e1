"""The in-process broker end to end: lifecycle, fills, ledger, market data, determinism."""

from decimal import Decimal

import pytest

from mockbroker import (AccountConfig, BrokerConfig, EventType, MockBroker, OrderRequest, OrderStatus, OrderType,
                        Side, TimeInForce, create_broker)
from mockbroker.errors import OrderNotCancelable, PositionNotFound


def build(**execution):
    return MockBroker.builder().seed(5).account("alice", cash=1_000_000).execution(**execution).build()


def test_a_market_order_travels_then_fills_at_the_ask():
    broker = build()
    quote = broker.get_quote("ACME")
    order = broker.submit_order(OrderRequest("ACME", 100, Side.BUY), "alice")
    assert order.status is OrderStatus.ACCEPTED and order.filled_qty == 0
    done = broker.settle_order(order.id, "alice")
    assert done.status is OrderStatus.FILLED and done.filled_qty == 100
    assert done.filled_avg_price == quote.ask
    elapsed_ms = (done.filled_ns - order.created_ns) / 1e6
    assert 20 <= elapsed_ms <= 60, "default latency is that of a retail broker: tens of milliseconds"
    events = [e.event for e in broker.order_events(account="alice")]
    assert events == [EventType.ACCEPTED, EventType.NEW, EventType.FILL]


def test_position_and_cash_follow_the_fill():
    broker = build()
    order = broker.settle_order(broker.submit_order(OrderRequest("ACME", 100, Side.BUY), "alice").id, "alice")
    position = broker.get_position("ACME", "alice")
    assert position.qty == 100 and position.avg_entry_price == order.filled_avg_price
    account = broker.get_account("alice")
    assert account.cash == Decimal("1000000") - order.filled_avg_price * 100
    sell = broker.settle_order(broker.close_position("ACME", "alice").id, "alice")
    assert sell.status is OrderStatus.FILLED
    with pytest.raises(PositionNotFound):
        broker.get_position("ACME", "alice")
    account = broker.get_account("alice")
    assert account.realized_pl == ((sell.filled_avg_price - order.filled_avg_price) * 100).quantize(Decimal("0.01"))
    assert broker.reconciles()


def test_short_sale_and_cover_realize_pnl():
    broker = build()
    short = broker.settle_order(broker.submit_order(OrderRequest("ACME", 50, Side.SELL), "alice").id, "alice")
    assert broker.get_position("ACME", "alice").qty == -50
    cover = broker.settle_order(broker.submit_order(OrderRequest("ACME", 50, Side.BUY), "alice").id, "alice")
    expected = (short.filled_avg_price - cover.filled_avg_price) * 50
    assert broker.get_account("alice").realized_pl == expected.quantize(Decimal("0.01"))
    assert broker.reconciles()


def test_resting_limit_reserves_buying_power_until_canceled():
    broker = build()
    before = broker.get_account("alice").buying_power
    order = broker.submit_order(OrderRequest("ACME", 100, Side.BUY, OrderType.LIMIT, limit_price=Decimal("45.00")), "alice")
    assert broker.settle_order(order.id, "alice").status is OrderStatus.NEW
    assert broker.get_account("alice").buying_power == before - Decimal("4500.00")
    broker.cancel_order(order.id, "alice")
    assert broker.settle_order(order.id, "alice").status is OrderStatus.CANCELED
    assert broker.get_account("alice").buying_power == before
    with pytest.raises(OrderNotCancelable):
        broker.cancel_order(order.id, "alice")


def test_a_cancel_sent_after_the_fill_loses_the_race():
    broker = build()
    order = broker.submit_order(OrderRequest("ACME", 10, Side.BUY), "alice")
    broker.advance(0.010)  # the order is still on its way (latency >= 20 ms)
    broker.cancel_order(order.id, "alice")
    done = broker.settle_order(order.id, "alice")
    assert done.status is OrderStatus.FILLED
    last = broker.order_events(account="alice")[-1]
    assert last.event is EventType.CANCEL_REJECTED and last.reason == "too_late_to_cancel"


def test_replace_creates_a_new_order_that_replaces_the_old():
    broker = build()
    old = broker.submit_order(OrderRequest("ACME", 100, Side.BUY, OrderType.LIMIT, limit_price=Decimal("45.00")), "alice")
    broker.settle_order(old.id, "alice")
    new = broker.replace_order(old.id, "alice", qty=50, limit_price=Decimal("46.00"))
    broker.settle_order(new.id, "alice")
    assert broker.get_order(old.id, "alice").status is OrderStatus.REPLACED
    replacement = broker.get_order(new.id, "alice")
    assert replacement.status is OrderStatus.NEW and replacement.qty == 50 and replacement.replaces == old.id
    assert replacement.limit_price == Decimal("46.00")


def test_partial_fill_ratio_fills_over_several_updates():
    broker = build(partial_fill_ratio=0.5)
    order = broker.submit_order(OrderRequest("ACME", 1000, Side.BUY), "alice")
    first = broker.settle_order(order.id, "alice")
    assert first.status is OrderStatus.PARTIALLY_FILLED and first.filled_qty == 500
    broker.advance(1)
    assert broker.get_order(order.id, "alice").status is OrderStatus.FILLED


def test_stop_order_waits_for_its_trigger():
    broker = build()
    ask = broker.get_quote("ACME").ask
    order = broker.submit_order(OrderRequest("ACME", 10, Side.BUY, OrderType.STOP, stop_price=ask + Decimal("5")), "alice")
    assert broker.settle_order(order.id, "alice").status is OrderStatus.NEW
    broker.inject({"type": "gap", "symbol": "ACME", "pct": 20})
    broker.advance(0.2)
    filled = broker.get_order(order.id, "alice")
    assert filled.status is OrderStatus.FILLED and filled.filled_avg_price >= ask + Decimal("5")


def test_day_orders_expire_at_the_close_and_gtc_orders_stay():
    # One market update a second keeps a whole session of simulated time quick.
    broker = MockBroker.builder().seed(5).account("alice", cash=1_000_000).market(update_frequency=1000).build()
    day = broker.submit_order(OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, limit_price=Decimal("40.00")), "alice")
    gtc = broker.submit_order(OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, TimeInForce.GTC,
                                           limit_price=Decimal("40.00")), "alice")
    broker.advance(7 * 3600)
    assert broker.get_order(day.id, "alice").status is OrderStatus.EXPIRED
    assert broker.get_order(gtc.id, "alice").status is OrderStatus.NEW


def test_random_rejections_carry_a_reason():
    broker = build(rejection_rate=1.0)
    order = broker.settle_order(broker.submit_order(OrderRequest("ACME", 10, Side.BUY), "alice").id, "alice")
    assert order.status is OrderStatus.REJECTED and order.reject_reason.value == "random_rejection"
    assert broker.get_account("alice").buying_power == Decimal("1000000.00")


def test_quotes_are_on_the_tick_with_a_spread_and_bars_have_history():
    broker = build()
    quote = broker.get_quote("ACME")
    assert quote.ask > quote.bid and quote.bid % Decimal("0.01") == 0
    bars = broker.get_bars("ACME", 60, 50)
    assert len(bars) == 50 and all(b.low <= b.open <= b.high and b.low <= b.close <= b.high for b in bars)
    book = broker.get_order_book("ACME", 5)
    assert len(book.bids) == 5 and book.bids[0].price == quote.bid and book.asks[0].price == quote.ask
    assert all(a.price < b.price for a, b in zip(book.asks, book.asks[1:]))


def test_same_seed_same_events_byte_for_byte_and_different_seed_differs():
    def run(seed):
        broker = MockBroker(BrokerConfig(seed=seed, accounts=(AccountConfig(id="a", cash=10**7),)))
        for i in range(20):
            side = Side.BUY if i % 3 else Side.SELL
            broker.submit_order(OrderRequest("ACME", 10 + i, side), "a")
            broker.advance(0.5)
        return broker.event_log_json()
    assert run(42) == run(42)
    assert run(42) != run(43)


def test_factory_and_builder_agree():
    a = create_broker({"seed": 9, "symbols": ["ACME"]})
    b = MockBroker.builder().seed(9).symbols("ACME").build()
    assert a.get_quote("ACME") == b.get_quote("ACME")


def test_the_product_example_flash_crash_slippage():
    broker = MockBroker.builder().scenario("flash_crash").build()
    order = broker.settle_order(broker.submit_order(OrderRequest("ACME", 100, Side.BUY)).id)
    fills = broker.list_fills(order_id=order.id)
    assert fills and all(f.slippage_bps > 50 for f in fills)


def test_opening_positions_are_granted_without_touching_cash():
    broker = create_broker({"symbols": ["ACME", {"symbol": "XYZ", "price": "20.00"}],
                            "accounts": [{"id": "alice", "cash": 100_000,
                                          "positions": [{"symbol": "ACME", "qty": 300},
                                                        {"symbol": "XYZ", "qty": -50, "avg_price": "21.50"}]}]})
    assert broker.get_account("alice").cash == Decimal("100000.00")
    acme, xyz = broker.get_position("ACME", "alice"), broker.get_position("XYZ", "alice")
    assert (acme.qty, acme.avg_entry_price) == (300, Decimal("50.00"))
    assert (xyz.qty, xyz.avg_entry_price) == (-50, Decimal("21.50"))
    assert broker.reconciles()
    broker.settle_order(broker.close_position("ACME", "alice").id, "alice")
    assert broker.reconciles() and broker.get_account("alice").cash > Decimal("100000")


def test_opening_positions_must_name_a_traded_symbol():
    from mockbroker.errors import ConfigurationError
    with pytest.raises(ConfigurationError, match="positions"):
        create_broker({"accounts": [{"id": "a", "positions": [{"symbol": "NOPE", "qty": 1}]}]})
    with pytest.raises(ConfigurationError, match="qty"):
        create_broker({"accounts": [{"id": "a", "positions": [{"symbol": "ACME", "qty": 0}]}]})
