"""Faults: requests that fail on demand (connection errors, empty answers, server errors, timeouts, refused keys,
rate limits, rejections), and what the client met.

Failures are rules set up by Given steps; they never outlive their scenario (the broker starts each scenario
without rules). "Tries to" steps record a failure instead of failing the scenario, for a Then step to judge.
"""

from behave import given, then, when  # noqa: F401

from mockbroker.domain import OrderType
from mockbroker.errors import (AuthenticationFailed, ConnectionFailed, InvalidOrder, RateLimited,
                               ServiceUnavailable, Timeout)
from steps.support.capabilities import needs
from steps.support import streaming, tasks
from steps.support.matchers import assert_that
from steps.types import FAILURE_WORDS, OPERATION_WORDS  # importing steps.types registers the parameter types
from hamcrest import close_to, equal_to, instance_of, is_

FAILURE_CLASSES = {"connection_reset": ConnectionFailed, "empty_response": ConnectionFailed,
                   "service_unavailable": ServiceUnavailable, "timeout": Timeout,
                   "auth_failure": AuthenticationFailed, "invalid_order": InvalidOrder}
"""The typed error a client meets for each kind of failure (the same on every target)."""


# -- Given: failure rules ---------------------------------------------------------------------------------------

@given("{operation:Operation} fail {count:Count} times with {failure:Failure}, then succeed")
@given("{operation:Operation} fail once with {failure:Failure}, then succeed")
@needs("faults")
def step_requests_fail_n_times(context, operation, failure, count=1):
    """Fails the first N matching requests, then lets them through. Example: Given order submissions fail 2 times with a connection error, then succeed"""
    streaming.add_rule(context.desk, operation=OPERATION_WORDS[operation], outcome=FAILURE_WORDS[failure],
                       times=count, hold_seconds=0.2)


@given("{operation:Operation} fail with {failure:Failure}")
@needs("faults")
def step_requests_always_fail(context, operation, failure):
    """Fails every matching request. Example: Given quote requests fail with a server error"""
    streaming.add_rule(context.desk, operation=OPERATION_WORDS[operation], outcome=FAILURE_WORDS[failure],
                       hold_seconds=0.2)


@given("{operation:Operation} fail with {failure:Failure} {share:Percent} of the time")
@needs("faults")
def step_requests_fail_sometimes(context, operation, failure, share):
    """Fails a share of the matching requests, drawn from the scenario's seed. Example: Given order submissions fail with a connection error 50% of the time"""
    streaming.add_rule(context.desk, operation=OPERATION_WORDS[operation], outcome=FAILURE_WORDS[failure],
                       probability=float(share) / 100, hold_seconds=0.2)


@given('the fault rule "{name}" makes {operation:Operation} fail with {failure:Failure}')
@needs("faults")
def step_named_rule(context, name, operation, failure):
    """A named rule, so a Then step can say whether it fired. Example: Given the fault rule "cancel outage" makes order cancels fail with a server error"""
    streaming.add_rule(context.desk, name=name, operation=OPERATION_WORDS[operation],
                       outcome=FAILURE_WORDS[failure], hold_seconds=0.2)


@given("{operation:Operation} fail with {failure:Failure} from {start:Duration} to {end:Duration} from now")
@needs("faults", "clock")
def step_requests_fail_in_window(context, operation, failure, start, end):
    """Fails matching requests only in a window of simulated time. Example: Given account requests fail with a server error from 1 minute to 2 minutes from now"""
    streaming.add_rule(context.desk, operation=OPERATION_WORDS[operation], outcome=FAILURE_WORDS[failure],
                       from_seconds=start, until_seconds=end, hold_seconds=0.2)


@given("the broker allows {count:Count} requests per minute")
@needs("faults")
def step_rate_limit(context, count):
    """A per-account rate limit (the real API allows 200 a minute). Example: Given the broker allows 5 requests per minute"""
    streaming.add_rule(context.desk, outcome="rate_limit", limit=count, period_seconds=60)


# -- When: requests that may fail -------------------------------------------------------------------------------

@when("{actor:Actor} {side:Side} {qty:Shares} {symbol:Symbol} at market, retrying on failures")
@needs("fills", "clock")
def step_trades_with_retries(context, actor, side, qty, symbol):
    """Sends a market order, trying again after each failure, as a careful client does. Example: When alice buys 100 ACME at market, retrying on failures"""
    streaming.place_with_retries(context.desk, actor, tasks.order_request(symbol, qty, side, OrderType.MARKET))


@when("{actor:Actor} tries to {side:Side} {qty:Shares} {symbol:Symbol} at market")
@when("{actor:Actor} try to {side:Side} {qty:Shares} {symbol:Symbol} at market")
@needs("fills")
def step_tries_to_trade(context, actor, side, qty, symbol):
    """Sends a market order once and does not wait for the venue; a failure (a fault rule, the rate limit) is noted for "Then the request fails with ...", not fatal ("When alice buys 100 ACME at market, retrying on failures" retries and waits). Example: When alice tries to buy 100 ACME at market"""
    streaming.try_to_place(context.desk, actor, tasks.order_request(symbol, qty, side))


@when("{actor:Actor} checks the account")
@when("{actor:Actor} check the account")
@when("{actor:Actor} checks the account {count:Count} times")
@when("{actor:Actor} check the account {count:Count} times")
@needs()
def step_checks_account(context, actor, count=1):
    """Reads the account's balances once, or N times in a row; a failure (a fault rule, the rate limit) is noted for "Then the request fails with ...", not fatal. Example: When alice checks the account 5 times"""
    desk = context.desk.ready()
    account = desk.account_of(actor)
    for _ in range(count):
        streaming.attempt(desk, lambda: desk.broker.get_account(account))


@when("{actor:Actor} asks for the {symbol:Symbol} quote")
@when("{actor:Actor} ask for the {symbol:Symbol} quote")
@needs()
def step_asks_for_quote(context, actor, symbol):
    """Reads the latest quote once; a failure (a fault rule, the rate limit) is noted for "Then the request fails with ...", not fatal. Example: When I ask for the ACME quote"""
    desk = context.desk.ready()
    desk.account_of(actor)
    streaming.attempt(desk, lambda: desk.broker.get_quote(symbol))


@when("{actor:Actor} tries to cancel the order")
@when("{actor:Actor} try to cancel the order")
@needs()
def step_tries_to_cancel(context, actor):
    """Asks once, as that account, to cancel the order and does not wait (no time passes: the cancel may still be on its way; "When alice cancels the order" waits for it to land). A connection error, timeout or server error is noted for "Then the request fails with ..."; "not found" or "already done" for "Then alice's cancel is refused because ...". Example: When alice tries to cancel the order"""
    desk = context.desk
    streaming.attempt(desk, lambda: tasks.cancel(desk, actor, settle=False))


# -- Then: what failed ------------------------------------------------------------------------------------------

@then("the request fails with {failure:Failure}")
@needs()
def step_request_failed_with(context, failure):
    """The last request met this failure, as its typed error. Example: Then the request fails with a timeout"""
    found = streaming.failures(context.desk)
    assert found, "no request failed"
    assert_that(found[-1], instance_of(FAILURE_CLASSES[FAILURE_WORDS[failure]]),
                f"the last failure was {found[-1]!r}")


@then("the order went through on attempt {count:Count}")
@needs()
def step_went_through_on_attempt(context, count):
    """How many tries the retrying client needed. Example: Then the order went through on attempt 3"""
    assert_that(streaming.attempts(context.desk), equal_to(count), "attempts")


@then("{count:Count} requests failed with {failure:Failure}")
@needs()
def step_n_requests_failed(context, count, failure):
    """Counts the failures of one kind. Example: Then 2 requests failed with a connection error"""
    wanted = FAILURE_CLASSES[FAILURE_WORDS[failure]]
    found = [f for f in streaming.failures(context.desk) if isinstance(f, wanted)]
    assert_that(len(found), equal_to(count), f"failures: {streaming.failures(context.desk)}")


@then("no request failed")
@needs()
def step_no_request_failed(context):
    """Nothing the actor asked for failed. Example: Then no request failed"""
    assert_that(streaming.failures(context.desk), equal_to([]))


@then("the next request is refused as rate limited and may retry after {wait:Duration}")
@needs("faults")
def step_next_request_rate_limited(context, wait):
    """One more request meets the rate limit, with Retry-After. Example: Then the next request is refused as rate limited and may retry after 12 seconds"""
    desk = context.desk.ready()
    account = desk.account_of("I")
    failure = None
    try:
        desk.broker.get_account(account)
    except RateLimited as refused:
        failure = refused
    assert failure is not None, "the request was not rate limited"
    assert_that(failure.retry_after, close_to(wait, 1.0), "retry after (seconds)")


@then('the fault rule "{name}" never fired')
@needs("faults")
def step_rule_never_fired(context, name):
    """A rule set up for the scenario was never needed. Example: Then the fault rule "cancel outage" never fired"""
    rule = streaming.rule(context.desk, name)
    assert_that(rule["fired"], is_(0), f'fault rule "{name}": {rule}')


@then('the fault rule "{name}" fired {count:Count} times')
@needs("faults")
def step_rule_fired(context, name, count):
    """How often a named rule fired. Example: Then the fault rule "cancel outage" fired 1 times"""
    rule = streaming.rule(context.desk, name)
    assert_that(rule["fired"], equal_to(count), f'fault rule "{name}": {rule}')
