"""Bad input to the Python API raises the typed error, with a reason code, and changes nothing."""

from decimal import Decimal

import pytest

from mockbroker import (InvalidOrder, MockBroker, OrderRequest, OrderType, RejectReason, Side, TimeInForce,
                        UnknownAccount, UnknownSymbol)
from mockbroker.errors import BrokerError, InsufficientFunds, InvalidArgument, OrderNotFound, TradingHalted


@pytest.fixture
def broker():
    return MockBroker.builder().seed(1).account("alice", cash=10_000).build()


def _nothing_happened(broker):
    assert broker.list_orders("alice", status="all") == []
    assert broker.order_events() == []
    assert broker.get_account("alice").cash == Decimal("10000.00")


@pytest.mark.parametrize("qty", [0, -5, 1.5, True, "100", 10**12])
def test_bad_quantity(broker, qty):
    with pytest.raises(InvalidOrder) as error:
        broker.submit_order(OrderRequest("ACME", qty, Side.BUY), "alice")
    assert error.value.reason is RejectReason.INVALID_QUANTITY
    assert "qty" in error.value.message
    _nothing_happened(broker)


def test_unknown_symbol(broker):
    with pytest.raises(UnknownSymbol) as error:
        broker.submit_order(OrderRequest("NOPE", 10, Side.BUY), "alice")
    assert error.value.code == "unknown_symbol" and error.value.reason is RejectReason.UNKNOWN_SYMBOL
    assert "NOPE" in error.value.message
    _nothing_happened(broker)


def test_unknown_account(broker):
    with pytest.raises(UnknownAccount) as error:
        broker.submit_order(OrderRequest("ACME", 10, Side.BUY), "mallory")
    assert error.value.code == "unknown_account"
    with pytest.raises(UnknownAccount):
        broker.get_account("mallory")
    _nothing_happened(broker)


@pytest.mark.parametrize("kind, fields, reason", [
    (OrderType.LIMIT, {}, RejectReason.MISSING_PRICE),
    (OrderType.STOP, {}, RejectReason.MISSING_PRICE),
    (OrderType.STOP_LIMIT, {"limit_price": Decimal("50")}, RejectReason.MISSING_PRICE),
    (OrderType.LIMIT, {"limit_price": Decimal("-1")}, RejectReason.INVALID_PRICE),
    (OrderType.LIMIT, {"limit_price": Decimal("50.001")}, RejectReason.PRICE_NOT_ON_TICK),
    (OrderType.LIMIT, {"limit_price": "abc"}, RejectReason.INVALID_PRICE),
    (OrderType.LIMIT, {"limit_price": float("nan")}, RejectReason.INVALID_PRICE),
    (OrderType.MARKET, {"limit_price": Decimal("50")}, RejectReason.INVALID_PRICE),
    (OrderType.TRAILING_STOP, {}, RejectReason.MISSING_PRICE),
])
def test_bad_prices(broker, kind, fields, reason):
    with pytest.raises(InvalidOrder) as error:
        broker.submit_order(OrderRequest("ACME", 10, Side.BUY, kind, **fields), "alice")
    assert error.value.reason is reason
    _nothing_happened(broker)


def test_unknown_enum_values(broker):
    with pytest.raises(InvalidOrder) as error:
        broker.submit_order(OrderRequest("ACME", 10, "hold"), "alice")  # type: ignore[arg-type]
    assert error.value.reason is RejectReason.INVALID_ORDER_TYPE
    with pytest.raises(InvalidOrder):
        broker.submit_order(OrderRequest("ACME", 10, Side.BUY, time_in_force="forever"), "alice")  # type: ignore


def test_insufficient_buying_power_names_the_amounts(broker):
    with pytest.raises(InsufficientFunds) as error:
        broker.submit_order(OrderRequest("ACME", 1_000, Side.BUY), "alice")
    assert error.value.reason is RejectReason.INSUFFICIENT_BUYING_POWER
    assert "$10,000.00" in error.value.message
    _nothing_happened(broker)


def test_halted_symbol(broker):
    broker.inject({"type": "halt", "symbol": "ACME"})
    with pytest.raises(TradingHalted) as error:
        broker.submit_order(OrderRequest("ACME", 1, Side.BUY), "alice")
    assert error.value.reason is RejectReason.TRADING_HALTED


def test_short_sale_not_allowed_for_the_account():
    broker = MockBroker.builder().account("bob", cash=10_000, shorting_enabled=False).build()
    with pytest.raises(InvalidOrder) as error:
        broker.submit_order(OrderRequest("ACME", 10, Side.SELL), "bob")
    assert error.value.reason is RejectReason.SHORT_SALE_NOT_ALLOWED


def test_other_accounts_orders_are_not_found(broker):
    broker.open_account(__import__("mockbroker").AccountConfig(id="bob", cash=10_000))
    order = broker.submit_order(OrderRequest("ACME", 1, Side.BUY), "alice")
    with pytest.raises(OrderNotFound):
        broker.get_order(order.id, "bob")
    with pytest.raises(OrderNotFound):
        broker.cancel_order(order.id, "bob")


def test_bad_event_and_arguments(broker):
    with pytest.raises(BrokerError, match="type"):
        broker.inject({"type": "earthquake"})
    with pytest.raises(InvalidArgument, match="seconds"):
        broker.advance(-1)
    with pytest.raises(InvalidArgument, match="depth"):
        broker.get_order_book("ACME", depth=0)


def test_every_error_has_a_code_and_status():
    from mockbroker.errors import ERROR_CLASSES
    for code, cls in ERROR_CLASSES.items():
        assert cls.code == code
        assert 400 <= cls.http_status < 600


def test_fok_and_ioc_values_parse_from_strings(broker):
    order = broker.submit_order(OrderRequest("ACME", 1, "buy", "limit", "ioc", limit_price="50.00"), "alice")
    assert order.time_in_force is TimeInForce.IOC and order.side is Side.BUY
