"""Portfolio history's window and points, as Alpaca's reference states them: period with date_end, start/end (at
most two of start, end and period), the timeframe's limits, intraday reporting (market hours, extended hours,
continuous) and the P&L's base (per day or not reset)."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from mockbroker import MockBroker
from mockbroker.clock import to_ns
from mockbroker.config import BrokerConfig
from mockbroker.domain import OrderRequest, Side
from mockbroker.errors import InvalidArgument
from mockbroker.market import session

NY = session.NEW_YORK


@pytest.fixture(scope="module")
def b() -> MockBroker:
    """Monday 2026-03-02 09:30 New York: 100 ACME bought, then three days pass (now: Thursday's open + 3 h)."""
    broker = MockBroker(BrokerConfig.from_dict({
        "symbols": [{"symbol": "ACME", "price": "50"}], "accounts": [{"id": "a", "cash": "100000"}], "seed": 3,
        "start": "2026-03-02", "marketConfig": {"updateFrequency": 60000, "volatility": 40}}))
    broker.submit_order(OrderRequest("ACME", 100, Side.BUY), "a")
    broker.advance(3 * 86400 + 3 * 3600)
    return broker


def ny(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, NY)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=NY)


def test_period_with_date_end_is_that_market_date_and_its_base_the_previous_close(b):
    h = b.portfolio_history("a", period="1D", timeframe="15Min", date_end=date(2026, 3, 3))
    stamps = [ny(t) for t in h["timestamp"]]
    assert {s.date() for s in stamps} == {date(2026, 3, 3)}
    assert (stamps[0].strftime("%H:%M"), stamps[-1].strftime("%H:%M"), len(stamps)) == ("09:30", "16:00", 27)
    daily = b.portfolio_history("a", period="1W", timeframe="1D")
    close_of = dict(zip((ny(t).date() for t in daily["timestamp"]), daily["equity"]))
    assert h["base_value_asof"] == "2026-03-02" and h["base_value"] == close_of[date(2026, 3, 2)]
    assert h["profit_loss"] == [e - close_of[date(2026, 3, 2)] for e in h["equity"]]
    assert h["equity"][-1] == close_of[date(2026, 3, 3)], "the last point is the day's close"


def test_a_string_date_end_and_a_date_end_in_the_future(b):
    assert b.portfolio_history("a", period="1D", date_end="2026-03-03") == \
        b.portfolio_history("a", period="1D", date_end=date(2026, 3, 3))
    later = b.portfolio_history("a", period="1D", timeframe="1H", date_end=date(2026, 4, 1))
    assert ny(later["timestamp"][-1]) <= datetime.fromtimestamp(b.now_ns() / 1e9, NY), "nothing after now"


def test_start_and_end_bound_the_points_and_an_intraday_start_moves_to_its_session(b):
    h = b.portfolio_history("a", timeframe="1H", start=at(2026, 3, 3, 13, 0), end=at(2026, 3, 4, 11, 0))
    stamps = [ny(t) for t in h["timestamp"]]
    assert stamps[0] == at(2026, 3, 3, 9, 30), "the start moves to the beginning of its day's session"
    assert stamps[-1] == at(2026, 3, 4, 10, 30) and all(s <= at(2026, 3, 4, 11, 0) for s in stamps)
    evening = b.portfolio_history("a", timeframe="1H", start=at(2026, 3, 3, 19, 0), end=at(2026, 3, 4, 11, 0))
    assert ny(evening["timestamp"][0]) == at(2026, 3, 4, 9, 30), "after the close: the next session"
    in_ns = b.portfolio_history("a", timeframe="1H", start=to_ns(at(2026, 3, 3, 13, 0)), end=to_ns(at(2026, 3, 4, 11)))
    assert in_ns == h


def test_start_with_a_period_covers_the_period_after_the_start(b):
    h = b.portfolio_history("a", start=at(2026, 3, 2, 19, 0), period="2D", timeframe="1H")
    assert {ny(t).date() for t in h["timestamp"]} == {date(2026, 3, 3), date(2026, 3, 4)}
    assert h["timeframe"] == "1H"


def test_daily_points_are_stamped_at_midnight_one_a_session(b):
    h = b.portfolio_history("a", start=at(2026, 2, 28, 12, 0), end=at(2026, 3, 4, 12, 0), timeframe="1D")
    assert [ny(t) for t in h["timestamp"]] == [at(2026, 3, d) for d in (2, 3, 4)]


def test_extended_and_continuous_reporting(b):
    extended = b.portfolio_history("a", period="1D", timeframe="1H", date_end=date(2026, 3, 3),
                                   intraday_reporting="extended_hours")
    stamps = [ny(t) for t in extended["timestamp"]]
    assert (stamps[0], stamps[-1]) == (at(2026, 3, 3, 4, 0), at(2026, 3, 3, 20, 0))
    assert b.portfolio_history("a", period="1D", timeframe="1H", date_end=date(2026, 3, 3),
                               extended_hours=True) == extended, "the deprecated flag says the same"
    continuous = b.portfolio_history("a", timeframe="1H", start=at(2026, 3, 3, 0, 0), end=at(2026, 3, 4, 0, 0),
                                     intraday_reporting="continuous")
    assert [ny(t) for t in continuous["timestamp"]] == [at(2026, 3, 3, 0, 0) + timedelta(hours=i) for i in range(25)]


def test_pnl_resets_per_day_by_default_and_not_with_no_reset(b):
    start, end = at(2026, 3, 3, 9, 0), at(2026, 3, 4, 16, 0)
    per_day = b.portfolio_history("a", timeframe="1H", start=start, end=end)
    flat = b.portfolio_history("a", timeframe="1H", start=start, end=end, pnl_reset="no_reset")
    assert per_day["equity"] == flat["equity"] and per_day["base_value"] == flat["base_value"]
    assert flat["profit_loss"] == [e - flat["base_value"] for e in flat["equity"]]
    daily = b.portfolio_history("a", period="1W", timeframe="1D")
    close_of = dict(zip((ny(t).date() for t in daily["timestamp"]), daily["equity"]))
    for t, e, pnl in zip(per_day["timestamp"], per_day["equity"], per_day["profit_loss"]):
        previous = date(2026, 3, 2) if ny(t).date() == date(2026, 3, 3) else date(2026, 3, 3)
        assert pnl == e - close_of[previous]
    assert per_day["profit_loss"] != flat["profit_loss"], "the second day's base differs"
    assert per_day["profit_loss_pct"][-1] == (per_day["profit_loss"][-1] / close_of[date(2026, 3, 3)]).quantize(
        Decimal("0.000001"))


@pytest.mark.parametrize("request_, parameter, words", [
    ({"start": at(2026, 3, 2, 10), "end": at(2026, 3, 3, 10), "period": "1D"}, "period", "at most two"),
    ({"start": at(2026, 3, 2, 10), "date_end": date(2026, 3, 3)}, "date_end", "goes with period"),
    ({"end": at(2026, 3, 3, 10), "date_end": date(2026, 3, 3)}, "date_end", "goes with period"),
    ({"period": "2M", "timeframe": "15Min"}, "timeframe", "at most 30 days"),
    ({"period": "1D", "intraday_reporting": "market_hours", "extended_hours": True}, "extended_hours", "give one"),
    ({"period": "1D", "intraday_reporting": "weekends"}, "intraday_reporting", "continuous"),
    ({"period": "1D", "pnl_reset": "hourly"}, "pnl_reset", "no_reset"),
    ({"start": datetime(2026, 3, 2, 10)}, "start", "time zone"),
    ({"date_end": "03/03/2026"}, "date_end", "YYYY-MM-DD"),
    ({"date_end": "2026-3-3"}, "date_end", "YYYY-MM-DD"),
    ({"period": "1D", "start": "2026-03-03T10:00:00Z"}, "start", "a datetime with its zone"),
])
def test_invalid_combinations_are_refused_with_the_parameter_and_the_rule(b, request_, parameter, words):
    with pytest.raises(InvalidArgument) as refused:
        b.portfolio_history("a", **request_)
    assert refused.value.argument == parameter
    assert words in str(refused.value)


def test_a_long_period_defaults_to_daily_points_and_nothing_precedes_the_account(b):
    h = b.portfolio_history("a", period="1A")
    assert h["timeframe"] == "1D" and ny(h["timestamp"][0]).date() == date(2026, 3, 2)
    assert h["base_value"] == Decimal("100000.00") and h["base_value_asof"] == "2026-03-02"


def test_windows_with_nothing_in_them_answer_no_points(b):
    for request in ({"start": at(2026, 3, 3, 10), "end": at(2026, 3, 2, 10)},  # an end before the start
                    {"period": "1D", "date_end": date(2020, 1, 6)},  # before the account was opened
                    {"start": at(2030, 1, 2, 10), "period": "1W"}):  # after now
        h = b.portfolio_history("a", **request)
        assert h["timestamp"] == h["equity"] == h["profit_loss"] == [] and h["base_value"] == Decimal("100000.00")


def test_a_start_end_window_longer_than_30_days_of_history_is_refused_for_intraday_steps():
    broker = MockBroker(BrokerConfig.from_dict({"symbols": ["ACME"], "accounts": [{"id": "a"}],
                                                "start": "2026-03-02", "marketConfig": {"updateFrequency": 3600000}}))
    broker.advance(35 * 86400)
    start, end = at(2026, 3, 2, 10), at(2026, 4, 6, 10)
    assert len(broker.portfolio_history("a", timeframe="1D", start=start, end=end)["timestamp"]) == 25
    with pytest.raises(InvalidArgument, match="at most 30 days of the account's history"):
        broker.portfolio_history("a", timeframe="1H", start=start, end=end)
    early = at(2020, 1, 1, 10)  # long before the account: only its history counts
    assert broker.portfolio_history("a", timeframe="1H", start=early, end=at(2026, 3, 4, 10))["timestamp"]


def test_cashflow_types_give_the_dividends_paid_in_each_step():
    broker = MockBroker(BrokerConfig.from_dict({"symbols": ["ACME"], "accounts": [{"id": "a"}], "start": "2026-03-02",
                                                "marketConfig": {"updateFrequency": 60000}}))
    broker.submit_order(OrderRequest("ACME", 100, Side.BUY), "a")
    broker.advance(3600)
    broker.inject({"type": "dividend", "symbol": "ACME", "amount": 0.25})
    broker.advance(3600)
    for asked in ("DIV", "ALL", "DIV,CSD"):
        flows = broker.portfolio_history("a", period="1D", timeframe="15Min", cashflow_types=asked)["cashflow"]
        assert list(flows) == ["DIV"] and sum(flows["DIV"]) == Decimal("25.00")
        assert sum(1 for v in flows["DIV"] if v) == 1, "in the one step the dividend was paid"
    assert broker.portfolio_history("a", period="1D")["cashflow"] == {}
    assert broker.portfolio_history("a", period="1D", cashflow_types="NONE")["cashflow"] == {}
    assert broker.portfolio_history("a", period="1D", cashflow_types="CSD")["cashflow"] == {}, "never happens here"
    with pytest.raises(InvalidArgument, match="ALL, NONE or activity types"):
        broker.portfolio_history("a", cashflow_types="div")
