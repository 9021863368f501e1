"""Gaps found after issue 15, driven by alpaca-py 0.44 unchanged but for ``url_override``: market orders outside the
regular session are queued for the open (ioc/fok refused), held bracket exits do not commit the shares held, and
portfolio history honours ``date_end``, ``start``, ``end`` and ``intraday_reporting``."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

alpaca = pytest.importorskip("alpaca")

from alpaca.common.exceptions import APIError  # noqa: E402
from alpaca.trading.client import TradingClient  # noqa: E402
from alpaca.trading.enums import ActivityType, OrderClass, OrderSide, OrderStatus, TimeInForce  # noqa: E402
from alpaca.trading.requests import (GetOrderByIdRequest, GetPortfolioHistoryRequest,  # noqa: E402
                                     LimitOrderRequest, MarketOrderRequest, StopLossRequest, TakeProfitRequest)

from .test_alpaca_fidelity import KEY, SECRET, advance, configure, inject  # noqa: E402

NY = ZoneInfo("America/New_York")


def client(service, **config) -> TradingClient:
    configure(service, **config)
    return TradingClient(KEY, SECRET, paper=True, url_override=service.base_url)


def advance_to(service, trading, moment: datetime) -> None:
    """Move the clock to ``moment`` (the control API moves it at most an hour a call)."""
    left = (moment - trading.get_clock().timestamp).total_seconds()
    while left > 0:
        advance(service, min(left, 3600))
        left -= 3600


def test_a_market_order_after_the_close_is_accepted_queued_and_fills_at_the_open(service):
    trading = client(service, start="2026-03-03T16:30:00-05:00")  # a Tuesday, after the close
    assert not trading.get_clock().is_open
    order = trading.submit_order(MarketOrderRequest(symbol="ACME", qty=10, side=OrderSide.BUY,
                                                    time_in_force=TimeInForce.DAY))
    assert order.status == OrderStatus.ACCEPTED
    assert float(trading.get_account().buying_power) < 100000, "reserved at submission"
    advance(service, 1)
    queued = trading.get_order_by_id(order.id)
    assert (queued.status, float(queued.filled_qty)) == (OrderStatus.ACCEPTED, 0), "queued until the open"
    with pytest.raises(APIError) as refused:
        trading.submit_order(MarketOrderRequest(symbol="ACME", qty=10, side=OrderSide.BUY,
                                                time_in_force=TimeInForce.IOC))
    assert refused.value.status_code == 403 and "queued for the open" in str(refused.value)
    next_open = trading.get_clock().next_open
    advance_to(service, trading, next_open + timedelta(seconds=60))
    done = trading.get_order_by_id(order.id)
    assert done.status == OrderStatus.FILLED and float(done.filled_qty) == 10
    assert next_open <= done.filled_at < next_open + timedelta(minutes=1)


def test_held_bracket_exits_leave_the_shares_held_free_to_close(service):
    trading = client(service, accounts=[{"id": "alice", "cash": "100000", "api_key_id": KEY, "api_secret_key": SECRET,
                                         "positions": [{"symbol": "ACME", "qty": 100}]}])
    entry = trading.submit_order(LimitOrderRequest(
        symbol="ACME", qty=100, side=OrderSide.BUY, time_in_force=TimeInForce.GTC, limit_price=45.0,
        order_class=OrderClass.BRACKET, take_profit=TakeProfitRequest(limit_price=55.0),
        stop_loss=StopLossRequest(stop_price=44.0)))
    advance(service, 1)
    assert [leg.status for leg in trading.get_order_by_id(entry.id, GetOrderByIdRequest(nested=True)).legs] == [OrderStatus.HELD, OrderStatus.HELD]
    closing = trading.close_position("ACME")
    assert float(closing.qty) == 100
    advance(service, 1)
    assert trading.get_order_by_id(closing.id).status == OrderStatus.FILLED
    assert trading.get_all_positions() == []


def test_portfolio_history_honours_date_end_start_end_and_the_reporting_options(service):
    trading = client(service, start="2026-03-02")  # Monday's open
    trading.submit_order(MarketOrderRequest(symbol="ACME", qty=100, side=OrderSide.BUY, time_in_force=TimeInForce.DAY))
    advance_to(service, trading, datetime(2026, 3, 4, 12, 0, tzinfo=NY))
    day = trading.get_portfolio_history(GetPortfolioHistoryRequest(period="1D", timeframe="15Min",
                                                                   date_end=date(2026, 3, 3)))
    stamps = [datetime.fromtimestamp(t, NY) for t in day.timestamp]
    assert (stamps[0], stamps[-1], len(stamps)) == (datetime(2026, 3, 3, 9, 30, tzinfo=NY),
                                                    datetime(2026, 3, 3, 16, 0, tzinfo=NY), 27)
    window = trading.get_portfolio_history(GetPortfolioHistoryRequest(
        timeframe="1H", start=datetime(2026, 3, 3, 15, 0, tzinfo=timezone.utc),
        end=datetime(2026, 3, 3, 18, 0, tzinfo=timezone.utc), pnl_reset="no_reset"))
    assert [datetime.fromtimestamp(t, timezone.utc).hour for t in window.timestamp] == [14, 15, 16, 17], \
        "from the session's open (14:30 UTC) to the end"
    assert window.profit_loss == [pytest.approx(e - window.base_value) for e in window.equity]
    inject(service, {"type": "dividend", "symbol": "ACME", "amount": 0.5})
    advance(service, 60)
    flows = trading.get_portfolio_history(GetPortfolioHistoryRequest(period="1D", timeframe="15Min",
                                                                     cashflow_types="ALL")).cashflow
    assert list(flows) == [ActivityType.DIV] and sum(flows[ActivityType.DIV]) == pytest.approx(50.0)
    extended = trading.get_portfolio_history(GetPortfolioHistoryRequest(
        period="1D", timeframe="1H", date_end=date(2026, 3, 3), intraday_reporting="extended_hours"))
    assert datetime.fromtimestamp(extended.timestamp[0], NY).hour == 4
    with pytest.raises(APIError) as refused:
        trading.get_portfolio_history(GetPortfolioHistoryRequest(
            period="1D", start=datetime(2026, 3, 3, 15, tzinfo=timezone.utc),
            end=datetime(2026, 3, 3, 18, tzinfo=timezone.utc)))
    assert refused.value.status_code == 422 and "at most two of start, end and period" in str(refused.value)
    with pytest.raises(APIError) as refused:
        trading.get_portfolio_history(GetPortfolioHistoryRequest(period="3M", timeframe="5Min"))
    assert refused.value.status_code == 422 and "at most 30 days" in str(refused.value)
