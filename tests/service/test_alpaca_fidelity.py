"""Issue 15's surface driven by alpaca-py 0.44 itself, unchanged but for ``url_override``, against the running service:
order classes (bracket, OCO, OTO), notional and fractional orders, partial and full closes, the calendar and clock,
assets, account configurations, portfolio history, activities, snapshots, daily bars, rate-limit headers, and the
leg fills on the trade-updates stream."""

from datetime import date, datetime, timezone

import pytest
import requests

alpaca = pytest.importorskip("alpaca")

from alpaca.common.exceptions import APIError  # noqa: E402
from alpaca.data.historical import StockHistoricalDataClient  # noqa: E402
from alpaca.data.requests import StockBarsRequest, StockSnapshotRequest  # noqa: E402
from alpaca.data.timeframe import TimeFrame  # noqa: E402
from alpaca.trading.client import TradingClient  # noqa: E402
from alpaca.trading.enums import (AssetClass, AssetExchange, AssetStatus, OrderClass, OrderSide,  # noqa: E402
                                  OrderStatus, QueryOrderStatus, TimeInForce)
from alpaca.trading.requests import (ClosePositionRequest, GetAssetsRequest, GetCalendarRequest,  # noqa: E402
                                     GetOrderByIdRequest, GetOrdersRequest, GetPortfolioHistoryRequest,
                                     LimitOrderRequest, MarketOrderRequest, ReplaceOrderRequest, StopLossRequest,
                                     TakeProfitRequest, TrailingStopOrderRequest)
from alpaca.trading.stream import TradingStream  # noqa: E402

from .test_alpaca_streams import Running, connections, until, ws_url  # noqa: E402

KEY, SECRET = "PKFIDELITYALICE00001", "alice-fidelity-secret-00000000000000000000"


def configure(service, seed=23, **extra):
    body = {"symbols": [{"symbol": "ACME", "price": "50"}, {"symbol": "BOLT", "price": "20", "fractionable": False}],
            "seed": seed, "accounts": [{"id": "alice", "cash": "100000", "api_key_id": KEY, "api_secret_key": SECRET}],
            "marketConfig": {"updateFrequency": 1000}, **extra}  # an update a second: hours pass quickly
    assert requests.post(service.base_url + "/mock/configure", json=body, timeout=10).status_code == 200


@pytest.fixture
def trading(service):
    configure(service)
    return TradingClient(KEY, SECRET, paper=True, url_override=service.base_url)


def advance(service, seconds=1.0):
    assert requests.post(service.base_url + "/mock/advance", json={"seconds": seconds}, timeout=10).ok


def inject(service, event):
    assert requests.post(service.base_url + "/mock/inject", json=event, timeout=10).ok


def bracket(side=OrderSide.BUY, qty=100, take_profit=55.0, stop_loss=47.0, **extra):
    return MarketOrderRequest(symbol="ACME", qty=qty, side=side, time_in_force=TimeInForce.GTC,
                              order_class=OrderClass.BRACKET, take_profit=TakeProfitRequest(limit_price=take_profit),
                              stop_loss=StopLossRequest(stop_price=stop_loss, **extra))


def test_bracket_legs_held_nested_activated_and_the_crash_fills_the_stop_loss(service, trading):
    order = trading.submit_order(bracket())
    assert order.order_class == OrderClass.BRACKET and len(order.legs) == 2
    assert [leg.status for leg in order.legs] == [OrderStatus.HELD, OrderStatus.HELD]
    assert {leg.type.value for leg in order.legs} == {"limit", "stop"}
    take_profit, stop_loss = (next(leg for leg in order.legs if leg.type.value == t) for t in ("limit", "stop"))
    advance(service)
    nested = trading.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL, nested=True))
    assert [o.id for o in nested] == [order.id] and len(nested[0].legs) == 2
    flat = trading.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL))
    assert {o.id for o in flat} == {order.id, take_profit.id, stop_loss.id}
    assert trading.get_order_by_id(order.id, GetOrderByIdRequest(nested=True)).legs[0].status == OrderStatus.NEW
    assert trading.get_order_by_id(stop_loss.id).status == OrderStatus.NEW
    inject(service, {"type": "gap", "symbol": "ACME", "pct": -10})
    advance(service)
    assert trading.get_order_by_id(stop_loss.id).status == OrderStatus.FILLED
    assert trading.get_order_by_id(take_profit.id).status == OrderStatus.CANCELED
    assert trading.get_all_positions() == []


def test_leg_replace_oco_oto_and_validation(service, trading):
    order = trading.submit_order(bracket())
    advance(service)
    stop_loss = next(leg for leg in order.legs if leg.type.value == "stop")
    moved = trading.replace_order_by_id(stop_loss.id, ReplaceOrderRequest(stop_price=48.5))
    advance(service)
    assert trading.get_order_by_id(stop_loss.id).status == OrderStatus.REPLACED
    assert float(trading.get_order_by_id(moved.id).stop_price) == 48.5
    assert moved.id in {leg.id for leg in trading.get_order_by_id(order.id, GetOrderByIdRequest(nested=True)).legs}
    trading.cancel_order_by_id(moved.id)  # canceling one exit cancels the rest of the group
    advance(service)
    assert all(o.status == OrderStatus.CANCELED for o in trading.get_orders(GetOrdersRequest(
        status=QueryOrderStatus.ALL)) if o.id != order.id and o.status != OrderStatus.REPLACED)

    oco = trading.submit_order(LimitOrderRequest(symbol="ACME", qty=100, side=OrderSide.SELL, limit_price=55,
                                                 time_in_force=TimeInForce.GTC, order_class=OrderClass.OCO,
                                                 take_profit=TakeProfitRequest(limit_price=55),
                                                 stop_loss=StopLossRequest(stop_price=47)))
    assert oco.order_class == OrderClass.OCO and [leg.status for leg in oco.legs] == [OrderStatus.ACCEPTED]
    advance(service)
    inject(service, {"type": "gap", "symbol": "ACME", "pct": 12})
    advance(service)
    assert trading.get_order_by_id(oco.id).status == OrderStatus.FILLED
    assert trading.get_order_by_id(oco.legs[0].id).status == OrderStatus.CANCELED

    oto = trading.submit_order(MarketOrderRequest(symbol="ACME", qty=10, side=OrderSide.BUY,
                                                  time_in_force=TimeInForce.DAY, order_class=OrderClass.OTO,
                                                  stop_loss=StopLossRequest(stop_price=40)))
    assert len(oto.legs) == 1 and oto.legs[0].status == OrderStatus.HELD

    # Alpaca's messages; 409 where Alpaca answers 422, since no request schema can state these rules (they relate
    # two prices, or a price and the market): docs/http-api.md, "Input: the schema is the contract"
    with pytest.raises(APIError) as caught:  # take profit below the stop loss for a buy
        trading.submit_order(bracket(take_profit=45.0, stop_loss=47.0))
    assert caught.value.status_code == 409 and "take_profit.limit_price must be >" in caught.value.message
    with pytest.raises(APIError) as caught:  # a stop loss above the market for a buy
        trading.submit_order(bracket(take_profit=80.0, stop_loss=75.0))
    assert caught.value.status_code == 409 and "stop_loss.stop_price must be <=" in caught.value.message
    with pytest.raises(APIError) as caught:  # order classes are day or gtc: a rule on the request's shape
        trading.submit_order(MarketOrderRequest(symbol="ACME", qty=1, side=OrderSide.BUY,
                                                time_in_force=TimeInForce.IOC, order_class=OrderClass.BRACKET,
                                                take_profit=TakeProfitRequest(limit_price=55),
                                                stop_loss=StopLossRequest(stop_price=47)))
    assert caught.value.status_code == 422


def test_notional_and_fractional_orders_and_partial_closes(service, trading):
    dollars = trading.submit_order(MarketOrderRequest(symbol="ACME", notional=1000.5, side=OrderSide.BUY,
                                                      time_in_force=TimeInForce.DAY))
    assert dollars.notional == "1000.5" and dollars.qty is None
    shares = trading.submit_order(MarketOrderRequest(symbol="ACME", qty=2.25, side=OrderSide.BUY,
                                                     time_in_force=TimeInForce.DAY))
    assert shares.qty == "2.25"
    advance(service)
    assert trading.get_order_by_id(dollars.id).status == OrderStatus.FILLED
    filled = trading.get_order_by_id(dollars.id)
    assert abs(float(filled.filled_qty) * float(filled.filled_avg_price) - 1000.5) < 0.1
    held = trading.get_open_position("ACME")
    assert float(held.qty) == pytest.approx(float(filled.filled_qty) + 2.25, abs=1e-9)
    assert trading.get_asset("ACME").fractionable and not trading.get_asset("BOLT").fractionable
    for bad in (dict(symbol="BOLT", qty=0.5), dict(symbol="ACME", notional=0.5)):  # Alpaca answers both 403
        with pytest.raises(APIError) as caught:
            trading.submit_order(MarketOrderRequest(side=OrderSide.BUY, time_in_force=TimeInForce.DAY, **bad))
        assert caught.value.status_code == 403 and caught.value.code == 40310000
    with pytest.raises(APIError) as caught:  # fractional orders are day orders: the request's shape, 422
        trading.submit_order(MarketOrderRequest(symbol="ACME", qty=0.5, side=OrderSide.BUY,
                                                time_in_force=TimeInForce.GTC))
    assert caught.value.status_code == 422 and caught.value.code == 42210000
    half = trading.close_position("ACME", ClosePositionRequest(percentage="50"))
    advance(service)
    assert trading.get_order_by_id(half.id).status == OrderStatus.FILLED
    some = trading.close_position("ACME", ClosePositionRequest(qty="1.5"))
    assert some.qty == "1.5"
    advance(service)
    assert float(trading.get_open_position("ACME").qty) == pytest.approx(float(held.qty) / 2 - 1.5, abs=1e-8)


def test_replace_sends_trail_and_client_order_id_and_what_an_order_cannot_take_is_409(service, trading):
    trading.submit_order(MarketOrderRequest(symbol="ACME", qty=10, side=OrderSide.BUY, time_in_force=TimeInForce.DAY))
    advance(service)
    trailing = trading.submit_order(TrailingStopOrderRequest(symbol="ACME", qty=10, side=OrderSide.SELL,
                                                             time_in_force=TimeInForce.GTC, trail_percent=5))
    advance(service)
    moved = trading.replace_order_by_id(trailing.id, ReplaceOrderRequest(trail=2.5, client_order_id="tight-trail"))
    advance(service)
    assert float(moved.trail_percent) == 2.5 and moved.client_order_id == "tight-trail"
    assert trading.get_order_by_client_id("tight-trail").id == moved.id
    assert trading.get_order_by_id(trailing.id).status == OrderStatus.REPLACED
    resting = trading.submit_order(LimitOrderRequest(symbol="ACME", qty=1, side=OrderSide.BUY, limit_price=40,
                                                     time_in_force=TimeInForce.GTC))
    for change in (ReplaceOrderRequest(trail=1.0), ReplaceOrderRequest(stop_price=39.0)):
        with pytest.raises(APIError) as caught:  # well formed, but not for a limit order
            trading.replace_order_by_id(resting.id, change)
        assert caught.value.status_code == 409 and caught.value.code == 40910000
    with pytest.raises(APIError) as caught:  # Alpaca: 403 "insufficient qty available for order"
        trading.close_position("ACME", ClosePositionRequest(qty="1000"))
    assert caught.value.status_code == 403 and "insufficient qty available" in caught.value.message


def test_close_all_positions_answers_one_status_per_position(service, trading):
    for symbol in ("ACME", "BOLT"):
        trading.submit_order(MarketOrderRequest(symbol=symbol, qty=10, side=OrderSide.BUY,
                                                time_in_force=TimeInForce.DAY))
    trading.submit_order(LimitOrderRequest(symbol="ACME", qty=10, side=OrderSide.SELL, limit_price=80,
                                           time_in_force=TimeInForce.GTC))
    advance(service)
    closed = trading.close_all_positions(cancel_orders=True)
    assert sorted((c.symbol, c.status) for c in closed) == [("ACME", 200), ("BOLT", 200)]
    assert all(c.body.id == c.order_id for c in closed)
    advance(service)
    assert trading.get_all_positions() == []


def test_calendar_clock_assets_configurations_history_activities(service, trading):
    days = trading.get_calendar(GetCalendarRequest(start=date(2026, 11, 25), end=date(2026, 12, 1)))
    assert [d.date.isoformat() for d in days] == ["2026-11-25", "2026-11-27", "2026-11-30", "2026-12-01"]
    early = days[1]
    assert (early.open.hour, early.close.hour) == (9, 13)
    clock = trading.get_clock()
    assert clock.is_open and clock.next_close.astimezone(timezone.utc).hour == 21

    assets = trading.get_all_assets(GetAssetsRequest(status=AssetStatus.ACTIVE, asset_class=AssetClass.US_EQUITY,
                                                     exchange=AssetExchange.NASDAQ))
    assert [a.symbol for a in assets] == ["ACME", "BOLT"] and assets[0].tradable and assets[0].shortable
    assert trading.get_all_assets(GetAssetsRequest(exchange=AssetExchange.NYSE)) == []

    config = trading.get_account_configurations()
    assert config.fractional_trading and not config.no_shorting
    config.no_shorting = True
    config.fractional_trading = False
    changed = trading.set_account_configurations(config)
    assert changed.no_shorting and not changed.fractional_trading
    with pytest.raises(APIError) as caught:  # Alpaca: 403 "account is not allowed to short"
        trading.submit_order(MarketOrderRequest(symbol="ACME", qty=10, side=OrderSide.SELL,
                                                time_in_force=TimeInForce.DAY))
    assert caught.value.status_code == 403 and caught.value.code == 40310000
    with pytest.raises(APIError):
        trading.submit_order(MarketOrderRequest(symbol="ACME", qty=0.5, side=OrderSide.BUY,
                                                time_in_force=TimeInForce.DAY))

    trading.submit_order(MarketOrderRequest(symbol="ACME", qty=10, side=OrderSide.BUY, time_in_force=TimeInForce.DAY))
    advance(service, 1)
    inject(service, {"type": "dividend", "symbol": "ACME", "amount": 0.25})
    advance(service, 3600)
    history = trading.get_portfolio_history(GetPortfolioHistoryRequest(period="1D", timeframe="15Min"))
    assert len(history.timestamp) == len(history.equity) >= 4 and history.base_value == 100000.0
    assert history.profit_loss[-1] == pytest.approx(history.equity[-1] - 100000.0)
    raw = requests.get(service.base_url + "/v2/account/activities", timeout=10,
                       headers={"APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET}).json()
    assert {a["activity_type"] for a in raw} == {"FILL", "DIV"}
    div = next(a for a in raw if a["activity_type"] == "DIV")
    assert float(div["net_amount"]) == 2.5


def test_snapshots_daily_bars_and_rate_limit_headers(service, trading):
    advance(service, 600)
    data = StockHistoricalDataClient(KEY, SECRET, url_override=service.base_url)
    snapshot = data.get_stock_snapshot(StockSnapshotRequest(symbol_or_symbols=["ACME", "BOLT"]))
    acme = snapshot["ACME"]
    assert acme.latest_quote.ask_price >= acme.latest_quote.bid_price > 0 and acme.latest_trade.price > 0
    assert acme.minute_bar.close > 0 and acme.daily_bar.high >= acme.daily_bar.low
    bars = data.get_stock_bars(StockBarsRequest(symbol_or_symbols="ACME", timeframe=TimeFrame.Day,
                                                start=datetime(2026, 1, 1, tzinfo=timezone.utc))).data["ACME"]
    stamp = bars[-1].timestamp.astimezone(timezone.utc)
    assert (stamp.date().isoformat(), stamp.hour) == ("2026-01-05", 5)  # midnight New York (EST)

    answer = requests.get(service.base_url + "/v2/account", timeout=10,
                          headers={"APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET})
    assert answer.headers["X-RateLimit-Limit"] == "200" and int(answer.headers["X-RateLimit-Remaining"]) == 200
    assert int(answer.headers["X-RateLimit-Reset"]) > 0
    inject(service, {"type": "fault", "outcome": "rate_limit", "limit": 2, "period_seconds": 60})
    statuses = []
    for _ in range(3):
        reply = requests.get(service.base_url + "/v2/account", timeout=10,
                             headers={"APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET})
        statuses.append((reply.status_code, reply.headers["X-RateLimit-Remaining"], reply.headers.get("Retry-After")))
    assert statuses[0] == (200, "1", None) and statuses[1] == (200, "0", None)
    assert statuses[2][0] == 429 and int(statuses[2][2]) >= 1


def test_leg_fills_reach_the_trading_stream(service):
    configure(service, seed=29)
    updates = []

    async def on_update(update):
        updates.append(update)

    stream = TradingStream(KEY, SECRET, paper=True, url_override=ws_url(service, "/stream"))
    stream.subscribe_trade_updates(on_update)
    running = Running(stream, service)
    try:
        until(lambda: any(c["stream"] == "trade_updates" and c["subscribed"] for c in connections(service)),
              "the trading stream to listen")
        trading = TradingClient(KEY, SECRET, paper=True, url_override=service.base_url)
        order = trading.submit_order(bracket())
        advance(service)
        inject(service, {"type": "gap", "symbol": "ACME", "pct": 12})
        advance(service)
        take_profit = next(leg for leg in order.legs if leg.type.value == "limit")
        until(lambda: any(u.event == "fill" and str(u.order.id) == str(take_profit.id) for u in updates),
              "the take profit's fill")
        fill = next(u for u in updates if u.event == "fill" and str(u.order.id) == str(take_profit.id))
        assert fill.order.order_class == OrderClass.BRACKET and float(fill.qty) == 100
        stop_loss = next(leg for leg in order.legs if leg.type.value == "stop")
        until(lambda: any(u.event == "canceled" and str(u.order.id) == str(stop_loss.id) for u in updates),
              "the stop loss's cancel")
    finally:
        running.stop()
