"""Execution: how the venue treats orders -- latency and its tail, market impact, resting limits in the queue,
trailing stops, the trading session, fees, and what each fill cost.

These steps add the venue's habits to the scene (Given), orders and the passing of the session (When), and the
costs and timings of what happened (Then). Orders, statuses and refusals themselves are in ``order_steps``;
market events in ``market_steps``.
"""

from __future__ import annotations

from decimal import Decimal

from behave import given, then, when  # noqa: F401

from mockbroker.config import FeeConfig
from mockbroker.domain import EventType, OrderRequest, OrderType, Side
from mockbroker.market import session
from steps.support.capabilities import needs
from steps.support import questions, tasks
from steps.support.matchers import assert_that, bps, compares, describe_order, money, shares
from steps.types import REFUSAL_WORDS  # importing steps.types registers the parameter types

MS = 1_000_000


# -- Given: the venue's habits ------------------------------------------------------------------------------------

@given("orders take between {fastest:Duration} and {slowest:Duration} to reach the venue, with a heavy tail")
@needs("control")
def step_latency_with_heavy_tail(context, fastest, slowest):
    """Most orders arrive within the range, some take much longer (lognormal latency, capped at 2 s). Example: Given orders take between 20 ms and 60 ms to reach the venue, with a heavy tail"""
    context.desk.scene.set_execution(latency_min=fastest * 1000, latency_max=slowest * 1000,
                                     latency_distribution="lognormal")


@given("resting orders keep their place in the queue")
@needs("control")
def step_queue_position(context):
    """A resting limit the market only touches fills once the shares queued ahead of it at its price have traded. Example: Given resting orders keep their place in the queue"""
    context.desk.scene.set_execution(queue_position=True)


@given("trades leave no market impact")
@needs("control")
def step_no_market_impact(context):
    """Orders pay only the book's prices: no square-root impact, and the price does not remember trades. Example: Given trades leave no market impact"""
    context.desk.scene.set_execution(impact_coefficient=0.0, permanent_impact_coefficient=0.0)


@given("a trade's lasting impact on the price is {share:Percent} of the square-root law")
@needs("control")
def step_lasting_impact(context, share):
    """Sets how much of the square-root impact stays in the price after a trade (the default is 10%). Example: Given a trade's lasting impact on the price is 100% of the square-root law"""
    context.desk.scene.set_execution(permanent_impact_coefficient=float(share) / 100)


@given("a commission of {rate:Bps} of the traded value")
@needs("control")
def step_commission_in_bps(context, rate):
    """Charges every fill a fee in basis points of its value ("10 bps" or "0.1%"), at the broker and in backtests (both modes). Example: Given a commission of 10 bps of the traded value"""
    context.desk.scene.set_execution(fees=FeeConfig(bps=rate))
    backtest = getattr(context, "backtest", None)
    if backtest is not None:  # a strategy chosen before the commission
        backtest.fees = context.desk.scene.execution["fees"]


@given("prices update once a {milliseconds:UpdatePace}")
@needs("control")
def step_prices_update_once_a(context, milliseconds):
    """Slows the market's updates (a second, a minute), so that scenarios may let whole sessions pass. Example: Given prices update once a minute"""
    context.desk.scene.set_market(update_frequency=milliseconds)


# -- When: orders and the session -------------------------------------------------------------------------------

@when("{actor:Actor} sells {qty:Shares} {symbol:Symbol} on a trailing stop {trail:Money} below the market")
@when("{actor:Actor} sell {qty:Shares} {symbol:Symbol} on a trailing stop {trail:Money} below the market")
@needs("fills")
def step_trailing_stop_by_amount(context, actor, qty, symbol, trail):
    """Sends a sell stop that follows the bid up, a fixed amount below it, and never moves down. Example: When alice sells 100 ACME on a trailing stop $1.00 below the market"""
    request = OrderRequest(symbol=symbol, qty=qty, side=Side.SELL, type=OrderType.TRAILING_STOP, trail_price=trail)
    tasks.place(context.desk, actor, request)


@when("{actor:Actor} sells {qty:Shares} {symbol:Symbol} on a trailing stop {trail:Percent} below the market")
@when("{actor:Actor} sell {qty:Shares} {symbol:Symbol} on a trailing stop {trail:Percent} below the market")
@needs("fills")
def step_trailing_stop_by_percent(context, actor, qty, symbol, trail):
    """Sends a sell stop that follows the bid up, a percentage below it, and never moves down. Example: When alice sells 100 ACME on a trailing stop 2% below the market"""
    request = OrderRequest(symbol=symbol, qty=qty, side=Side.SELL, type=OrderType.TRAILING_STOP, trail_percent=trail)
    tasks.place(context.desk, actor, request)


@when("{actor:Actor} {side:Side} {qty:Shares} {symbol:Symbol} at market {count:Count} times")
@needs("fills")
def step_trades_at_market_repeatedly(context, actor, side, qty, symbol, count):
    """Sends the same market order several times, each after the one before has reached the venue. Example: When alice buys 100 ACME at market 50 times"""
    for _ in range(count):
        tasks.place(context.desk, actor, tasks.order_request(symbol, qty, side))


@when("the market closes")
@needs("clock")
def step_the_market_closes(context):
    """Lets simulated time pass to one minute after the session's close (16:00 New York); day orders expire. A whole session at the default 100 ms updates takes the machine some 30 s: add "Given prices update once a minute" to scenarios about the close. Example: When the market closes"""
    tasks.pass_time_to(context.desk, session.next_close, 60)


@when("the close is {left:Duration} away")
@needs("clock")
def step_the_close_is_away(context, left):
    """Lets simulated time pass until the session's close (16:00 New York) is that far away. Example: When the close is 10 ms away"""
    tasks.pass_time_to(context.desk, session.next_close, -left)


@when("the market opens")
@needs("clock")
def step_the_market_opens(context):
    """Lets simulated time pass to one minute after the next session's open (09:30 New York); as with the close, add "Given prices update once a minute" so the night passes quickly. Example: When the market opens"""
    tasks.pass_time_to(context.desk, session.next_open, 60)


# -- Then: what it cost, and how long it took --------------------------------------------------------------------

@then("it fills with slippage between {low:Bps} and {high:Bps}")
@needs()
def step_slippage_between(context, low, high):
    """Checks the order's slippage (share-weighted, against the mid when it was sent) lies in a range. Example: Then it fills with slippage between 18 bps and 24 bps"""
    desk = context.desk
    order = questions.the_order(desk)
    fills = questions.fills_of(desk, order)
    slippage = questions.slippage_bps(fills)
    assert_that(slippage, compares("slippage", "at least", low, bps), describe_order(order, fills))
    assert_that(slippage, compares("slippage", "at most", high, bps), describe_order(order, fills))


@then("every fill reports its slippage against the mid when the order was sent")
@needs()
def step_every_fill_reports_slippage(context):
    """Checks each fill's slippage is its price against the order's arrival mid, in bps, to the hundredth. Example: Then every fill reports its slippage against the mid when the order was sent"""
    desk = context.desk
    order = questions.the_order(desk)
    fills = questions.fills_of(desk, order)
    assert_that(len(fills), compares("fills", "at least", 1), describe_order(order))
    for fill in fills:
        expected = ((fill.price - order.arrival_mid) / order.arrival_mid * 10_000 * fill.side.sign).quantize(
            Decimal("0.01"))
        assert_that(fill.slippage_bps, compares(f"the slippage of the fill at {money(fill.price)}", "exactly",
                                                expected, bps), f"arrival mid {money(order.arrival_mid)}")


@then("the first fill is for {qty:Shares} shares")
@needs()
def step_first_fill_is_for(context, qty):
    """Checks the size of the order's first fill. Example: Then the first fill is for 500 shares"""
    desk = context.desk
    order = questions.the_order(desk)
    fills = questions.fills_of(desk, order)
    assert_that(fills[0].qty if fills else 0, compares("the first fill", "exactly", qty, shares),
                describe_order(order, fills))


@then("at least {qty:Shares} shares are filled")
@needs()
def step_at_least_shares_filled(context, qty):
    """Checks that at least this many shares of the order have filled so far. Example: Then at least 5,000 shares are filled"""
    desk = context.desk
    order = questions.the_order(desk)
    assert_that(order.filled_qty, compares("the shares filled", "at least", qty, shares), describe_order(order))


@then("it fills at a better price than its limit")
@needs()
def step_fills_better_than_limit(context):
    """Checks price improvement: a buy's average price below its limit, a sell's above. Example: Then it fills at a better price than its limit"""
    desk = context.desk
    order = questions.the_order(desk)
    fills = questions.fills_of(desk, order)
    bound = "below" if order.side is Side.BUY else "above"
    assert_that(questions.average_price(fills), compares("the average fill price", bound, order.limit_price, money),
                describe_order(order, fills))


@then("the order's fees are {amount:Money}")
@needs()
def step_order_fees_are(context, amount):
    """Checks the fees charged on the order's fills, added up. Example: Then the order's fees are $1.00"""
    desk = context.desk
    order = questions.the_order(desk)
    fills = questions.fills_of(desk, order)
    assert_that(sum((f.fee for f in fills), Decimal(0)), compares("the order's fees", "exactly", amount, money),
                describe_order(order, fills))


@then("the cancel loses the race with the fill")
@needs()
def step_cancel_loses_race(context):
    """Checks that the cancel reached the venue after the order had filled, and was refused as too late. Example: Then the cancel loses the race with the fill"""
    desk = context.desk
    order = questions.the_order(desk)
    events = questions.events_of(desk, order)
    kinds = [e.event for e in events]
    refused = [e for e in events if e.event is EventType.CANCEL_REJECTED]
    assert_that(bool(refused), compares("a refused cancel in the order's events", "exactly", True),
                " -> ".join(k.value for k in kinds))
    assert_that(kinds.index(EventType.FILL) < kinds.index(EventType.CANCEL_REJECTED),
                compares("the fill coming before the refused cancel", "exactly", True),
                " -> ".join(k.value for k in kinds))
    assert_that(refused[0].reason, compares("the reason", "exactly", "too_late_to_cancel"))


@then("the change is refused as too late")
@needs()
def step_change_refused_too_late(context):
    """Checks that the change (a replace) reached the venue after the order it changes had ended, and was refused as too late. Example: Then the change is refused as too late"""
    desk = context.desk
    changed = questions.the_changed_order(desk)
    events = questions.events_of(desk, changed)
    kinds = " -> ".join(e.event.value for e in events)
    refused = [e for e in events if e.event is EventType.REPLACE_REJECTED]
    assert_that(bool(refused), compares("a refused change in the changed order's events", "exactly", True), kinds)
    assert_that(refused[0].reason, compares("the reason", "exactly", "too_late_to_cancel"), kinds)


@then("the venue rejects the order because of {refusal:Refusal}")
@needs()
def step_venue_rejects_because(context, refusal):
    """Checks that the order reached the venue and was rejected there, for the given reason. Example: Then the venue rejects the order because of a trading halt"""
    order = questions.the_order(context.desk)
    reason, _codes = REFUSAL_WORDS[refusal]
    assert_that(order.reject_reason, compares("the venue's reason", "exactly", reason,
                                              lambda r: r.value if r is not None else "none"), describe_order(order))


@then("every order of {actor:Actor} reached the venue within {limit:Duration}")
@needs()
def step_every_order_within(context, actor, limit):
    """Checks the slowest latency (accepted to new) of the orders the actor placed. Example: Then every order of alice reached the venue within 2 seconds"""
    latencies = _latencies(context.desk, actor)
    assert_that(max(latencies), compares("the slowest latency (ms)", "at most", limit * 1000),
                f"{len(latencies)} orders")


@then("no order of {actor:Actor} reached the venue in less than {limit:Duration}")
@needs()
def step_no_order_faster_than(context, actor, limit):
    """Checks the fastest latency (accepted to new) of the orders the actor placed. Example: Then no order of alice reached the venue in less than 20 ms"""
    latencies = _latencies(context.desk, actor)
    assert_that(min(latencies), compares("the fastest latency (ms)", "at least", limit * 1000),
                f"{len(latencies)} orders")


@then("at least one order of {actor:Actor} took longer than {limit:Duration} to reach the venue")
@needs()
def step_some_order_slower_than(context, actor, limit):
    """Checks the heavy tail: some order's latency (accepted to new) exceeds a duration. Example: Then at least one order of alice took longer than 60 ms to reach the venue"""
    latencies = _latencies(context.desk, actor)
    assert_that(max(latencies), compares("the slowest latency (ms)", "above", limit * 1000),
                f"{len(latencies)} orders, median {sorted(latencies)[len(latencies) // 2]:.1f} ms")


def _latencies(desk, actor) -> list[float]:
    """Milliseconds from accepted to new, for every order the actor placed that reached the venue."""
    account = desk.account_of(actor)
    placed = {p.order_id for p in desk.orders if p.account == account}
    sent, arrived = {}, {}
    for event in desk.ready().broker.order_events(0, account=account):
        if event.order.id not in placed:
            continue
        if event.event is EventType.ACCEPTED:
            sent.setdefault(event.order.id, event.time_ns)
        elif event.event is EventType.NEW:
            arrived.setdefault(event.order.id, event.time_ns)
    latencies = [(arrived[i] - sent[i]) / MS for i in arrived if i in sent]
    if not latencies:
        raise AssertionError(f"no order of {account} has reached the venue")
    return latencies
