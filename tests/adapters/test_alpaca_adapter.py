"""The alpaca-py adapter's own rules: quantities through text and Decimal, Alpaca's times, and which broker
``connect`` talks to. (Its behaviour as a broker is the @conformance profile, run by ``make test`` as target
``alpaca``.)"""

from __future__ import annotations

from decimal import Decimal

import pytest

from mockbroker.adapters import alpaca
from mockbroker.errors import InvalidArgument, OrderNotFound


@pytest.mark.parametrize("text, expected", [("10", 10), ("10.0", 10), (10.0, 10), ("0.5", Decimal("0.5")),
                                            (Decimal("2"), 2), (None, 0)])
def test_quantities_are_whole_ints_or_decimals(text, expected):
    value = alpaca._quantity(text)
    assert value == expected and type(value) is type(expected)


def test_alpaca_times_keep_their_nanoseconds_and_zone():
    assert alpaca._text_ns("2026-01-05T14:30:00.123456789Z") == 1767623400123456789
    assert alpaca._text_ns("2026-01-05T09:30:00-05:00") == 1767623400000000000
    assert alpaca._text_ns(None) == 0


def test_request_models_get_floats_from_the_decimal_text():
    assert alpaca._float(Decimal("49.99")) == 49.99 and alpaca._float(3) == 3.0 and alpaca._float(None) is None


def test_an_order_id_that_is_no_uuid_is_not_found_without_asking():
    with pytest.raises(OrderNotFound, match="UUIDs"):
        alpaca._order_id("not-an-id")


def test_a_live_endpoint_is_refused_before_anything_connects():
    env = {alpaca.ENV_KEY: "PK", alpaca.ENV_SECRET: "S", alpaca.ENV_BASE_URL: "https://api.alpaca.markets"}
    with pytest.raises(InvalidArgument, match="live endpoint"):
        alpaca.from_environment(env)


def test_a_key_without_its_secret_is_refused():
    with pytest.raises(InvalidArgument, match="APCA_API_SECRET_KEY"):
        alpaca.from_environment({alpaca.ENV_KEY: "PK"})


def test_the_stream_url_follows_the_base_url():
    assert alpaca._stream_url("https://paper-api.alpaca.markets") == "wss://paper-api.alpaca.markets/stream"
    assert alpaca._stream_url("http://127.0.0.1:8000") == "ws://127.0.0.1:8000/stream"


def test_connect_without_keys_starts_a_stand_in_and_with_keys_uses_them(monkeypatch):
    calls = []
    monkeypatch.setattr(alpaca, "stand_in", lambda: calls.append("stand-in") or "stand-in")
    monkeypatch.setattr(alpaca, "from_environment", lambda env: calls.append(env[alpaca.ENV_KEY]) or "env")
    monkeypatch.delenv(alpaca.ENV_KEY, raising=False)
    assert alpaca.connect() == "stand-in"
    monkeypatch.setenv(alpaca.ENV_KEY, "PKTEST")
    assert alpaca.connect() == "env"
    assert calls == ["stand-in", "PKTEST"]


@pytest.fixture(scope="module")
def stand_in_adapter():
    adapter = alpaca.stand_in(seed=7)
    try:
        yield adapter
    finally:
        adapter.close()


def test_the_adapter_speaks_the_whole_contract_dollars_fractions_brackets_and_closes(stand_in_adapter):
    """What issue 15 added to the contract goes through alpaca-py too: a dollar order, a fractional one, a bracket
    whose exits wait (held), a partial close and closing everything (one answer per position)."""
    import time

    from mockbroker.domain import OrderClass, OrderRequest, OrderStatus, OrderType, Side

    broker, symbol = stand_in_adapter, alpaca.STAND_IN_SYMBOL

    def settled(order_id):
        for _ in range(200):  # the stand-in runs on a real-time clock: orders fill within a few ticks
            order = broker.get_order(order_id)
            if order.status is OrderStatus.FILLED:
                return order
            time.sleep(0.05)
        raise AssertionError(f"order {order_id} did not fill: {broker.get_order(order_id)}")

    dollars = settled(broker.submit_order(OrderRequest(symbol, None, Side.BUY, OrderType.MARKET,
                                                       notional=Decimal("100"))).id)
    assert Decimal(0) < dollars.filled_qty < 3 and dollars.filled_qty != int(dollars.filled_qty)
    settled(broker.submit_order(OrderRequest(symbol, Decimal("2.5"), Side.BUY, OrderType.MARKET)).id)
    bracket = broker.submit_order(OrderRequest(symbol, 10, Side.BUY, OrderType.LIMIT, limit_price=Decimal("20.00"),
                                               time_in_force="gtc", order_class=OrderClass.BRACKET,
                                               take_profit=Decimal("80.00"), stop_loss=Decimal("15.00")))
    assert bracket.order_class is OrderClass.BRACKET
    held = [o for o in broker.list_orders(status="open") if o.status is OrderStatus.HELD]
    assert len(held) == 2, broker.list_orders(status="open")
    broker.cancel_order(bracket.id)
    for _ in range(200):  # the cancel of the group reaches the venue after its latency, on the real-time clock
        if not broker.list_orders(status="open"):
            break
        time.sleep(0.05)
    assert not broker.list_orders(status="open")
    before = broker.get_position(symbol).qty
    settled(broker.close_position(symbol, percentage=Decimal("50")).id)
    assert broker.get_position(symbol).qty < before
    [(closed_symbol, order)] = broker.close_all_positions(cancel_orders=True)
    assert closed_symbol == symbol and order.symbol == symbol
