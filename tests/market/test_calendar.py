"""The NYSE calendar (exchange-calendars' XNYS) on the broker's clock: holidays, early closes, extended hours, the
plain rule outside the table, and extended-hours limit orders trading against a thinner book."""

from datetime import date, datetime
from decimal import Decimal

from mockbroker import MockBroker
from mockbroker.clock import to_ns
from mockbroker.config import BrokerConfig
from mockbroker.domain import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from mockbroker.errors import InvalidOrder, MarketClosed, RejectReason
from mockbroker.market import session
from mockbroker.market.simulator import EXTENDED_LIQUIDITY

import pytest


def ny(y, m, d, hh=12, mm=0) -> int:
    return to_ns(datetime(y, m, d, hh, mm, tzinfo=session.NEW_YORK))


def test_holidays_and_early_closes_of_2026():
    days = [s.day for s in session.sessions_between(date(2026, 1, 1), date(2026, 12, 31))]
    assert len(days) == 251  # 261 weekdays less the 10 NYSE holidays
    for holiday in (date(2026, 1, 1), date(2026, 1, 19), date(2026, 7, 3), date(2026, 11, 26), date(2026, 12, 25)):
        assert holiday not in days
    early = [s for s in session.sessions_between(date(2026, 1, 1), date(2026, 12, 31)) if s.early_close]
    assert [s.day for s in early] == [date(2026, 11, 27), date(2026, 12, 24)]
    assert all(session.local_hhmm(s.close_ns) == "13:00" and session.local_hhmm(s.after_close_ns) == "17:00"
               for s in early)


def test_open_next_open_next_close_and_extended_hours():
    assert not session.is_open(ny(2026, 7, 3))  # Independence Day, observed
    assert session.next_open(ny(2026, 7, 3)) == ny(2026, 7, 6, 9, 30)
    assert session.next_close(ny(2026, 11, 27, 10)) == ny(2026, 11, 27, 13)
    assert session.is_extended(ny(2026, 11, 27, 14)) and not session.is_extended(ny(2026, 11, 27, 17, 30))
    assert session.is_extended(ny(2026, 3, 2, 4, 0)) and not session.is_extended(ny(2026, 3, 2, 3, 59))
    assert not session.is_extended(ny(2026, 3, 2, 10))  # the regular session is not "extended"
    # outside the table's years the plain rule applies: weekdays, 09:30-16:00
    assert session.is_open(ny(2040, 1, 2, 10)) and not session.is_open(ny(2040, 1, 7, 10))


def test_a_clock_starting_on_a_holiday_queues_market_and_limit_orders_for_the_next_open():
    b = MockBroker(BrokerConfig.from_dict({"symbols": ["ACME"], "accounts": [{"id": "a"}], "start": "2026-07-03",
                                           "marketConfig": {"updateFrequency": 60000}}))
    with pytest.raises(MarketClosed):  # an ioc market order must fill now, and nothing trades on a holiday
        b.submit_order(OrderRequest("ACME", 10, Side.BUY, time_in_force=TimeInForce.IOC), "a")
    queued = b.submit_order(OrderRequest("ACME", 10, Side.BUY), "a")
    order = b.submit_order(OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, limit_price=Decimal("60")), "a")
    b.advance((session.next_open(b.now_ns()) - b.now_ns()) / 1e9 + 60)
    for placed in (queued, order):
        assert b.get_order(placed.id, "a").status is OrderStatus.FILLED
        assert session.day_of(b.get_order(placed.id, "a").filled_ns) == date(2026, 7, 6)


def test_extended_hours_limit_orders_trade_after_the_close_against_a_thinner_book():
    b = MockBroker(BrokerConfig.from_dict({"symbols": ["ACME"], "accounts": [{"id": "a", "cash": "1000000"}],
                                           "seed": 5, "marketConfig": {"updateFrequency": 1000}}))
    regular_touch = b.get_quote("ACME").ask_size
    b.advance((session.next_close(b.now_ns()) - b.now_ns()) / 1e9 + 600)  # 16:10 New York: after-hours
    assert session.is_extended(b.now_ns())
    ask = b.get_quote("ACME").ask
    late = b.submit_order(OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, limit_price=ask + 1,
                                       extended_hours=True), "a")
    plain = b.submit_order(OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, limit_price=ask + 1), "a")
    b.advance(5)
    assert b.get_order(late.id, "a").status is OrderStatus.FILLED
    assert b.get_order(plain.id, "a").status is OrderStatus.ACCEPTED  # queued for the next regular session
    assert b.get_quote("ACME").ask_size <= regular_touch * EXTENDED_LIQUIDITY * 1.01
    # an extended-hours day order still open at 20:00 expires then
    rest = b.submit_order(OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, limit_price=Decimal("1.00"),
                                       extended_hours=True), "a")
    b.advance(4 * 3600)
    assert b.get_order(rest.id, "a").status is OrderStatus.EXPIRED
    assert session.local_hhmm(b.get_order(rest.id, "a").expired_ns) == "20:00"
    assert b.reconciles()


def test_orders_sent_at_night_are_accepted_until_the_pre_market_or_the_open_routes_them():
    b = MockBroker(BrokerConfig.from_dict({"symbols": ["ACME"], "accounts": [{"id": "a", "cash": "1000000"}],
                                           "start": "2026-03-03T21:00:00-05:00",
                                           "marketConfig": {"updateFrequency": 60000}}))
    early = b.submit_order(OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, limit_price=Decimal("40"),
                                        extended_hours=True), "a")
    plain = b.submit_order(OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, limit_price=Decimal("40")), "a")
    b.advance(60)
    assert [b.get_order(o.id, "a").status for o in (early, plain)] == [OrderStatus.ACCEPTED] * 2
    b.advance((ny(2026, 3, 4, 4, 0) - b.now_ns()) / 1e9 + 1)  # 04:00:01, pre-market
    assert [b.get_order(o.id, "a").status for o in (early, plain)] == [OrderStatus.NEW, OrderStatus.ACCEPTED]
    b.advance((ny(2026, 3, 4, 9, 30) - b.now_ns()) / 1e9 + 1)  # the open
    assert b.get_order(plain.id, "a").status is OrderStatus.NEW
    routed = [e for e in b.order_events(account="a") if e.event.value == "new"]
    assert [(e.order.id, e.time_ns) for e in routed] == [(early.id, ny(2026, 3, 4, 4, 0)),
                                                          (plain.id, ny(2026, 3, 4, 9, 30))]


@pytest.mark.parametrize("request_, reason", [
    (OrderRequest("ACME", 10, Side.BUY, extended_hours=True), RejectReason.EXTENDED_HOURS_NOT_ALLOWED),
    (OrderRequest("ACME", Decimal("0.5"), Side.BUY, OrderType.LIMIT, limit_price=Decimal("50"), extended_hours=True),
     RejectReason.EXTENDED_HOURS_NOT_ALLOWED),
])
def test_extended_hours_orders_are_day_limit_orders_of_whole_shares(request_, reason):
    with pytest.raises(InvalidOrder) as caught:
        MockBroker().submit_order(request_)
    assert caught.value.reason is reason


def _walked_plain_next(ns: int, end_of: str) -> session.Session:
    """The plain rule the slow way (the implementation before sessions were tabled a year at a time): the first
    weekday, from the day before ``ns`` in New York, whose close (or after-hours end) is after ``ns``."""
    from datetime import timedelta

    day = session._local(ns).date() - timedelta(days=1)
    while True:
        if day.weekday() < 5:
            s = session._plain_session(day)
            if (s.close_ns if end_of == "close" else s.after_close_ns) > ns:
                return s
        day += timedelta(days=1)


@pytest.mark.parametrize("year", [1999, 2036, 2037, 2100, 2400, 5000])
def test_the_plain_rule_tabled_by_year_gives_the_same_sessions_as_walking_day_by_day(year):
    # every hour of the days around New Year and the two daylight-saving changes, and the middle of each month
    probes = [ny(year, 1, 1, 0) + k * 3600 * 10**9 for k in range(-72, 72)]
    for month in (3, 11):
        probes += [ny(year, month, 1, 0) + k * 3600 * 10**9 for k in range(0, 24 * 14)]
    probes += [ny(year, month, 15, 16, 0) + d for month in range(1, 13) for d in (-1, 0, 1)]
    for ns in probes:
        for end_of in ("close", "after"):
            assert session._plain_next(ns, end_of) == _walked_plain_next(ns, end_of), (ns, end_of)
