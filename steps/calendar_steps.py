"""The trading calendar: the New York Stock Exchange's sessions, holidays and early closes (the exchange-calendars
library's XNYS calendar), as the broker's virtual clock meets them.

"The trading day is 2026-11-27" starts the scenario's clock at 09:30 New York on that date, a session day or not.
"""

from __future__ import annotations

from datetime import datetime

from behave import given, then  # noqa: F401

from mockbroker.clock import to_datetime
from mockbroker.market import session
from steps.support.capabilities import needs
from steps.support import questions
from steps.support.matchers import assert_that, compares, describe_order
from steps.types import PARAMETER_TYPES  # noqa: F401 - importing steps.types registers the parameter types


@given("the trading day is {day:Date}")
@given("the date is {day:Date}")
@needs("control")
def step_the_trading_day_is(context, day):
    """Starts the simulation at 09:30 New York on that date (on a holiday or a weekend the market stays closed). Example: Given the trading day is 2026-11-27"""
    context.desk.scene.set_start(day.isoformat())


def _new_york(ns: int) -> datetime:
    return to_datetime(ns).astimezone(session.NEW_YORK)


@then("the market is open")
@needs("clock")
def step_the_market_is_open(context):
    """Checks that the regular session is open now on the broker's clock. Example: Then the market is open"""
    _market_is(context.desk, "open")


@then("the market is closed")
@needs("clock")
def step_the_market_is_closed(context):
    """Checks that the regular session is closed now (a night, a weekend, a holiday). Example: Then the market is closed"""
    _market_is(context.desk, "closed")


def _market_is(desk, expected: str) -> None:
    now = desk.ready().broker.now_ns()
    actual = "open" if session.is_open(now) else "closed"
    assert_that(actual, compares("the market", "exactly", expected),
                f"it is {_new_york(now):%A %Y-%m-%d %H:%M} in New York")


@then("the next session opens on {day:Date} at {hhmm:ClockTime}")
@needs("clock")
def step_next_session_opens(context, day, hhmm):
    """Checks the next regular open after now (New York time; holidays and weekends skipped). Example: Then the next session opens on 2026-07-06 at 09:30"""
    now = context.desk.ready().broker.now_ns()
    opens = _new_york(session.next_open(now + 1) if session.is_open(now) else session.next_open(now))
    assert_that(f"{opens:%Y-%m-%d %H:%M}", compares("the next open", "exactly", f"{day.isoformat()} {hhmm}"),
                f"it is {_new_york(now):%A %Y-%m-%d %H:%M} in New York")


@then("today's session closes at {hhmm:ClockTime}")
@needs("clock")
def step_session_closes_at(context, hhmm):
    """Checks the close of the session open now, or of the next one (New York time: 16:00, or 13:00 on an early-close day). Example: Then today's session closes at 13:00"""
    now = context.desk.ready().broker.now_ns()
    closes = _new_york(session.next_close(now))
    assert_that(f"{closes:%H:%M}", compares("the session's close", "exactly", hhmm),
                f"the session closes {closes:%A %Y-%m-%d %H:%M} New York time")


@then("the order expired at {hhmm:ClockTime} New York time")
@needs("clock")
def step_order_expired_at(context, hhmm):
    """Checks when the order expired (a day order expires at the session's close). Example: Then the order expired at 13:00 New York time"""
    order = questions.the_order(context.desk)
    if order.expired_ns is None:
        raise AssertionError(f"the order did not expire: {describe_order(order)}")
    assert_that(f"{_new_york(order.expired_ns):%H:%M}", compares("the time the order expired", "exactly", hhmm),
                describe_order(order))


@then("the order filled at {hhmm:ClockTime} New York time")
@then("the order filled at {hhmm:ClockTime} New York time on {day:Date}")
@needs("clock", "fills")
def step_order_filled_at(context, hhmm, day=None):
    """Checks when the order filled completely (New York time; with a date, on that day too): an order queued while the market was closed fills at the open. Example: Then the order filled at 09:30 New York time on 2026-07-06"""
    order = questions.the_order(context.desk)
    if order.filled_ns is None:
        raise AssertionError(f"the order has not filled: {describe_order(order)}")
    filled = _new_york(order.filled_ns)
    expected = hhmm if day is None else f"{day.isoformat()} {hhmm}"
    actual = f"{filled:%H:%M}" if day is None else f"{filled:%Y-%m-%d %H:%M}"
    assert_that(actual, compares("the time the order filled", "exactly", expected), describe_order(order))
