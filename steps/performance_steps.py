"""Performance: many traders at once, how fast orders come back filled, and whether anything got lost.

The ``@performance`` features put the broker's HTTP service under load from Locust in processes of their own
(``steps.support.performance`` says why, and how ``-D scale=`` sizes the runs).
"""

from behave import given, then, when  # noqa: F401

from steps.support.capabilities import needs
from steps.support import performance
from steps.types import PARAMETER_TYPES  # noqa: F401 - importing steps.types registers the parameter types

@given("the broker runs as a service on this machine")
@needs("engine")
def step_broker_runs_as_service(context):
    """Starts a service of this scenario's own, on the real-time clock (skips targets without one). Example: Given the broker runs as a service on this machine"""
    performance.start_service(context)


@given("{watchers:Count} clients watch every quote and trade")
@needs("engine")
def step_clients_watch_market(context, watchers):
    """Adds market-data watchers (scaled by -D scale=) for the coming load. Example: Given 50 clients watch every quote and trade"""
    performance.lab(context).subscribers = watchers


@given("the broker goes down for {outage:Duration} halfway through")
@needs("engine")
def step_broker_goes_down_halfway(context, outage):
    """Makes every broker call fail as unavailable for that long in the middle of the coming load. Example: Given the broker goes down for 1 second halfway through"""
    performance.lab(context).outage_s = outage


@when("{traders:Count} traders submit {orders:Shares} orders over {duration:Duration}")
@needs("engine")
def step_traders_submit_orders(context, traders, orders, duration):
    """Puts the service under a trader mix paced to that many orders in that time (scaled by -D scale=). Example: When 50 traders submit 2,000 orders over 10 seconds"""
    performance.run_load(context, traders, orders, duration)


@then("the {q:Count}th percentile order round trip is {bound:Bound} {limit:Duration}")
@needs("engine")
def step_percentile_round_trip(context, q, bound, limit):
    """Checks submit-to-fill-seen wall time at a percentile (50, 90, 95, 99); below full size with twice the time (-D time_headroom=). Example: Then the 99th percentile order round trip is below 50 ms"""
    value = performance.percentile_of(performance.round_trip(context), q)
    performance.check_time(context, f"p{q} order round trip", value, bound, limit)


@then("the {q:Count}th percentile market data delay is {bound:Bound} {limit:Duration}")
@needs("engine")
def step_percentile_market_data_delay(context, q, bound, limit):
    """Checks the wall time from a quote's or trade's simulated time to its receipt, at a percentile. Example: Then the 99th percentile market data delay is below 100 ms"""
    value = performance.percentile_of(performance.market_data_delay(context), q)
    performance.check_time(context, f"p{q} market data delay", value, bound, limit)


@then("every watcher received at least {count:Count} quotes and trades a second")
@needs("engine")
def step_watchers_received_rate(context, count):
    """Checks the market data delivered per watcher per second, on average. Example: Then every watcher received at least 50 quotes and trades a second"""
    rate = performance.market_data_rate_per_watcher(context)
    assert rate >= count, f"each watcher received {rate:.1f} quotes and trades a second, fewer than {count}"


@then("orders are accepted again within {limit:Duration} of the outage's end")
@needs("engine")
def step_orders_accepted_again_within(context, limit):
    """Checks the time from the outage's end to the first order accepted after it. Example: Then orders are accepted again within 250 ms of the outage's end"""
    rec = performance.recovery_after_outage(context)
    assert rec["probe_failures_during_outage"] > 0, f"no order failed during the outage: {rec}"
    took = rec["first_success_after_end_s"]
    assert took is not None, f"no order was accepted after the outage's end: {rec}"
    performance.check_time(context, "first order accepted after the outage", took * 1000, "at most", limit)


@then("no accepted order is lost")
@needs("engine")
def step_no_accepted_order_lost(context):
    """Every order a trader was told was accepted is in the broker's records. Example: Then no accepted order is lost"""
    report = performance.consistency(context)
    assert not report.lost, f"{len(report.lost)} of {report.accepted} accepted orders are missing: {report.lost[:5]}"
    assert report.accepted > 0, "no order was accepted at all"


@then("every account reconciles")
@needs("engine")
def step_every_account_reconciles(context):
    """Fills explain every account's positions and cash exactly. Example: Then every account reconciles"""
    report = performance.consistency(context)
    assert report.accounts_reconciled == report.accounts, \
        f"{report.accounts - report.accounts_reconciled} accounts do not reconcile: {report.problems[:5]}"


@then("no order id is used twice")
@needs("engine")
def step_no_order_id_used_twice(context):
    """No two orders share an id, in what traders were told nor in the broker's records. Example: Then no order id is used twice"""
    report = performance.consistency(context)
    dupes = report.duplicated_by_clients + report.duplicated_in_service
    assert not dupes, f"order ids used twice: {dupes[:5]}"
