"""The running service driven by alpaca-py 0.44, unchanged except for ``url_override``."""

from datetime import datetime, timezone

import pytest
import requests

alpaca = pytest.importorskip("alpaca")

from alpaca.common.exceptions import APIError  # noqa: E402
from alpaca.data.historical import StockHistoricalDataClient  # noqa: E402
from alpaca.data.requests import StockBarsRequest, StockLatestQuoteRequest  # noqa: E402
from alpaca.data.timeframe import TimeFrame  # noqa: E402
from alpaca.trading.client import TradingClient  # noqa: E402
from alpaca.trading.enums import OrderSide, OrderStatus, QueryOrderStatus, TimeInForce  # noqa: E402
from alpaca.trading.requests import (GetOrdersRequest, LimitOrderRequest, MarketOrderRequest,  # noqa: E402
                                     ReplaceOrderRequest)

KEY, SECRET = "PKTESTALICE0000000001", "alice-secret-0000000000000000000000000000"


@pytest.fixture(scope="module")
def trading(service):
    body = {"symbols": ["ACME"], "seed": 5,
            "accounts": [{"id": "alice", "cash": "100000", "api_key_id": KEY, "api_secret_key": SECRET}]}
    assert requests.post(service.base_url + "/mock/configure", json=body, timeout=10).status_code == 200
    return TradingClient(KEY, SECRET, paper=True, url_override=service.base_url)


def advance(service, seconds=1):
    assert requests.post(service.base_url + "/mock/advance", json={"seconds": seconds}, timeout=10).ok


def test_trading_client_end_to_end(service, trading):
    account = trading.get_account()
    assert account.account_number == "alice" and float(account.cash) == 100000

    market = trading.submit_order(MarketOrderRequest(symbol="ACME", qty=10, side=OrderSide.BUY,
                                                     time_in_force=TimeInForce.DAY))
    limit = trading.submit_order(LimitOrderRequest(symbol="ACME", qty=5, side=OrderSide.BUY,
                                                   time_in_force=TimeInForce.GTC, limit_price=40.0,
                                                   client_order_id="low-bid"))
    advance(service)
    assert trading.get_order_by_id(market.id).status == OrderStatus.FILLED
    assert trading.get_order_by_client_id("low-bid").id == limit.id
    open_orders = trading.get_orders(GetOrdersRequest(status=QueryOrderStatus.OPEN))
    assert [o.id for o in open_orders] == [limit.id]
    assert len(trading.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL))) == 2

    replaced = trading.replace_order_by_id(limit.id, ReplaceOrderRequest(qty=8, limit_price=41.0))
    advance(service)
    assert trading.get_order_by_id(limit.id).status == OrderStatus.REPLACED
    assert float(trading.get_order_by_id(replaced.id).qty) == 8
    assert trading.cancel_order_by_id(replaced.id) is None
    advance(service)
    assert trading.get_order_by_id(replaced.id).status == OrderStatus.CANCELED

    positions = trading.get_all_positions()
    assert [(p.symbol, p.qty) for p in positions] == [("ACME", "10")]
    assert trading.get_open_position("ACME").side.value == "long"
    close = trading.close_position("ACME")
    advance(service)
    assert trading.get_order_by_id(close.id).status == OrderStatus.FILLED
    assert trading.get_all_positions() == []

    clock = trading.get_clock()
    assert clock.is_open
    assert trading.get_asset("ACME").symbol == "ACME"
    assert trading.cancel_orders() == []


def test_errors_reach_alpaca_py_as_api_errors(service, trading):
    with pytest.raises(APIError) as caught:
        trading.submit_order(MarketOrderRequest(symbol="ACME", qty=10**6, side=OrderSide.BUY,
                                                time_in_force=TimeInForce.DAY))
    assert caught.value.status_code == 403 and caught.value.code == 40310000
    with pytest.raises(APIError) as caught:
        trading.get_order_by_id("00000000-0000-4000-8000-000000000999")
    assert caught.value.status_code == 404


def test_market_data_client(service, trading):
    data = StockHistoricalDataClient(KEY, SECRET, url_override=service.base_url)
    quote = data.get_stock_latest_quote(StockLatestQuoteRequest(symbol_or_symbols="ACME"))["ACME"]
    assert quote.ask_price >= quote.bid_price > 0
    advance(service, 180)
    bars = data.get_stock_bars(StockBarsRequest(symbol_or_symbols="ACME", timeframe=TimeFrame.Minute,
                                                start=datetime(2026, 1, 5, tzinfo=timezone.utc)))
    series = bars.data["ACME"]
    assert len(series) >= 3 and all(b.high >= b.low for b in series)
