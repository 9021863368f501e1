"""Orders: placing, changing and canceling them, and what became of them (status, fills, slippage, refusals).

"The order" is the last order a When step placed. "buys ... at market" sends the order and waits, in simulated
time, until the venue has processed it; "sends an order" does not wait (the order is then accepted, in flight).
"""

from behave import given, then, when  # noqa: F401

from mockbroker.domain import OrderStatus, OrderType, Side, TimeInForce
from steps.support.capabilities import needs
from steps.support import questions, tasks
from steps.support.matchers import (assert_that, bps, compares, describe_order, has_filled, is_partially_filled,
                                    is_refused_for, is_status, money, shares)
from steps.support.tables import (EVENTS_TABLE, ORDER_TABLE, ORDERS_SUMMARY_TABLE, cell, order_requests, rows,
                                  side as side_cell, shares as shares_cell, status, symbol as symbol_cell,
                                  takes_table)
from steps.types import REFUSAL_WORDS, REQUEST_REFUSAL_WORDS  # importing steps.types registers the types



# -- When: placing orders ---------------------------------------------------------------------------------------

@when("{actor:Actor} {side:Side} {qty:Shares} {symbol:Symbol} at market")
@when("{actor:Actor} {side:Side} {qty:Shares} {symbol:Symbol} at market, {tif:TimeInForce}")
@needs("fills")
def step_trades_at_market(context, actor, side, qty, symbol, tif=TimeInForce.DAY):
    """Sends a market order and waits until the venue has processed it. Example: When alice buys 100 ACME at market"""
    tasks.place(context.desk, actor, tasks.order_request(symbol, qty, side, OrderType.MARKET, tif))


@when("{actor:Actor} {side:Side} {qty:Shares} {symbol:Symbol} with a limit of {limit:Money}")
@when("{actor:Actor} {side:Side} {qty:Shares} {symbol:Symbol} with a limit of {limit:Money}, {tif:TimeInForce}")
@needs("fills")
def step_trades_with_limit(context, actor, side, qty, symbol, limit, tif=TimeInForce.DAY):
    """Sends a limit order and waits until the venue has it. Example: When alice buys 100 ACME with a limit of $49.00, good till canceled"""
    tasks.place(context.desk, actor, tasks.order_request(symbol, qty, side, OrderType.LIMIT, tif, limit=limit))


@when("{actor:Actor} {side:Side} {qty:Shares} {symbol:Symbol} on a stop at {stop:Money}")
@when("{actor:Actor} {side:Side} {qty:Shares} {symbol:Symbol} on a stop at {stop:Money}, {tif:TimeInForce}")
@needs("fills")
def step_trades_on_stop(context, actor, side, qty, symbol, stop, tif=TimeInForce.DAY):
    """Sends a stop order (a market order once the price reaches the stop). Example: When alice sells 100 ACME on a stop at $48.00"""
    tasks.place(context.desk, actor, tasks.order_request(symbol, qty, side, OrderType.STOP, tif, stop=stop))


@when("{actor:Actor} {side:Side} {qty:Shares} {symbol:Symbol} on a stop at {stop:Money} limited to {limit:Money}")
@needs("fills")
def step_trades_on_stop_limit(context, actor, side, qty, symbol, stop, limit):
    """Sends a stop limit order (a limit order once the price reaches the stop). Example: When alice sells 100 ACME on a stop at $48.00 limited to $47.50"""
    tasks.place(context.desk, actor, tasks.order_request(symbol, qty, side, OrderType.STOP_LIMIT, stop=stop,
                                                         limit=limit))


@when("{actor:Actor} submit a market order")
@when("{actor:Actor} submits a market order")
@needs("fills")
def step_submits_a_market_order(context, actor):
    """Buys 100 shares of the default symbol at market and waits for the venue. Example: When I submit a market order"""
    desk = context.desk
    tasks.place(desk, actor, tasks.order_request(desk.symbol(), 100, Side.BUY))


@when("{actor:Actor} sends an order to {side:Side} {qty:Shares} {symbol:Symbol} at market")
@when("{actor:Actor} send an order to {side:Side} {qty:Shares} {symbol:Symbol} at market")
@needs("clock", "fills")
def step_sends_market_order(context, actor, side, qty, symbol):
    """Sends a market order and does not wait: it is accepted and still in flight ("When the order reaches the venue" lets it arrive; "When alice buys 100 ACME at market" sends and waits). Example: When alice sends an order to buy 100 ACME at market"""
    tasks.place(context.desk, actor, tasks.order_request(symbol, qty, side), settle=False)


@when("{actor:Actor} sends an order to {side:Side} {qty:Shares} {symbol:Symbol} with a limit of {limit:Money}")
@when("{actor:Actor} send an order to {side:Side} {qty:Shares} {symbol:Symbol} with a limit of {limit:Money}")
@needs("clock", "fills")
def step_sends_limit_order(context, actor, side, qty, symbol, limit):
    """Sends a limit order and does not wait: it is accepted and still in flight ("When the order reaches the venue" lets it arrive; "When alice buys 100 ACME with a limit of $49.00" sends and waits). Example: When alice sends an order to buy 100 ACME with a limit of $49.00"""
    tasks.place(context.desk, actor, tasks.order_request(symbol, qty, side, OrderType.LIMIT, limit=limit),
                settle=False)


@when("the order reaches the venue")
@needs("clock")
def step_order_reaches_venue(context):
    """Lets simulated time pass until the venue has processed the order. Example: When the order reaches the venue"""
    tasks.reach_venue(context.desk)


@when("{actor:Actor} places these orders")
@when("{actor:Actor} place these orders")
@when("{actor:Actor} places these orders:")
@when("{actor:Actor} place these orders:")
@takes_table(ORDER_TABLE)
@needs("fills")
def step_places_these_orders(context, actor):
    """Places each order of the table in turn, each waiting until the venue has it; a refused order is kept as the refusal and the next one is still sent. Example: When alice places these orders:"""
    desk = context.desk
    for request in order_requests(context.table, desk.symbol()):
        tasks.place(desk, actor, request)


@when("{actor:Actor} cancels the order")
@when("{actor:Actor} cancel the order")
@needs()
def step_cancels_the_order(context, actor):
    """Asks, as that account, to cancel the order, then lets a second pass for the cancel to land; a refusal (another account's order, one already done) is kept for a Then step. Example: When alice cancels the order"""
    tasks.cancel(context.desk, actor)


@when("{actor:Actor} cancels all open orders")
@when("{actor:Actor} cancel all open orders")
@needs()
def step_cancels_all_open_orders(context, actor):
    """Cancels every open order of the account, then lets a second pass. Example: When alice cancels all open orders"""
    tasks.cancel_all(context.desk, actor)


@when("{actor:Actor} changes the limit to {limit:Money}")
@when("{actor:Actor} change the limit to {limit:Money}")
@needs("fills")
def step_changes_the_limit(context, actor, limit):
    """Replaces the order, as that account, with one at a new limit price and waits for the venue; the new one becomes "the order" (a refusal is kept for a Then step). Example: When alice changes the limit to $49.50"""
    tasks.replace(context.desk, actor, limit=limit)


@when("{actor:Actor} changes the quantity to {qty:Shares}")
@when("{actor:Actor} change the quantity to {qty:Shares}")
@needs()
def step_changes_the_quantity(context, actor, qty):
    """Replaces the order, as that account, with one for a new quantity and waits for the venue; the new one becomes "the order" (a refusal is kept for a Then step). Example: When alice changes the quantity to 50"""
    tasks.replace(context.desk, actor, shares=qty)


@when("{actor:Actor} looks up the order")
@when("{actor:Actor} look up the order")
@needs()
def step_looks_up_the_order(context, actor):
    """Reads the order by its order id, as that account (another account's order is not found). Example: When alice looks up the order"""
    tasks.look_up(context.desk, actor)


@when("{actor:Actor} looks up the order by its client order id")
@when("{actor:Actor} look up the order by its client order id")
@needs()
def step_looks_up_by_client_order_id(context, actor):
    """Reads the order by the client order id it was sent with (else the one the broker gave it), as that account. Example: When alice looks up the order by its client order id"""
    tasks.look_up(context.desk, actor, by_client_id=True)


@when('{actor:Actor} looks up the order with client order id "{client_order_id}"')
@when('{actor:Actor} look up the order with client order id "{client_order_id}"')
@needs()
def step_looks_up_client_order_id(context, actor, client_order_id):
    """Reads an order by a client order id, as that account. Example: When bob looks up the order with client order id "bob-1\""""
    tasks.look_up(context.desk, actor, client_order_id=client_order_id)


@when("{actor:Actor} closes the {symbol:Symbol} position")
@when("{actor:Actor} close the {symbol:Symbol} position")
@needs("fills")
def step_closes_the_position(context, actor, symbol):
    """Closes the whole position at market and waits for the venue. Example: When alice closes the ACME position"""
    tasks.close_position(context.desk, actor, symbol)


# -- Then: what became of the order ------------------------------------------------------------------------------

@then("the order is {state:Status}")
@needs()
def step_order_is(context, state):
    """Checks the order's status: filled, canceled, rejected, accepted, expired, replaced, resting. Example: Then the order is filled"""
    order = questions.the_order(context.desk)
    assert_that(order, is_status(state), describe_order(order, questions.fills_of(context.desk, order)))


@then("the order is partially filled")
@needs()
def step_order_is_partially_filled(context):
    """Checks that some, but not all, shares filled (the rest may still work or be canceled). Example: Then the order is partially filled"""
    order = questions.the_order(context.desk)
    assert_that(order, is_partially_filled(), "the order should have filled in part")


@then("the order is still open")
@needs()
def step_order_is_still_open(context):
    """Checks that the order can still fill (not filled, canceled, expired, rejected). Example: Then the order is still open"""
    order = questions.the_order(context.desk)
    assert_that(order.status.is_open, compares("the order being open", "exactly", True),
                describe_order(order))


@then("{qty:Shares} shares are filled")
@needs()
def step_shares_are_filled(context, qty):
    """Checks how many shares of the order filled. Example: Then 1,000 shares are filled"""
    order = questions.the_order(context.desk)
    assert_that(order, has_filled(qty), describe_order(order, questions.fills_of(context.desk, order)))


@then("nothing is filled")
@needs()
def step_nothing_is_filled(context):
    """Checks that no share of the order filled. Example: Then nothing is filled"""
    order = questions.the_order(context.desk)
    assert_that(order, has_filled(0), describe_order(order, questions.fills_of(context.desk, order)))


@then("the unfilled rest is canceled")
@needs()
def step_unfilled_rest_is_canceled(context):
    """Checks that what did not fill was canceled (status canceled, some shares filled). Example: Then the unfilled rest is canceled"""
    order = questions.the_order(context.desk)
    assert_that(order, is_status(OrderStatus.CANCELED), "the rest should be canceled")
    assert_that(order, is_partially_filled(), "only the unfilled rest should be canceled")


@then("it fills with slippage {bound:Bound} {limit:Bps}")
@then("the order's slippage is {bound:Bound} {limit:Bps}")
@needs()
def step_fills_with_slippage(context, bound, limit):
    """Checks the order's slippage against the mid when it was sent (share-weighted over its fills). Example: Then it fills with slippage above 50 bps"""
    desk = context.desk
    order = questions.the_order(desk)
    fills = questions.fills_of(desk, order)
    assert_that(questions.slippage_bps(fills), compares("slippage", bound, limit, bps), describe_order(order, fills))


@then("it fills at {price:Money} or better")
@needs()
def step_fills_at_or_better(context, price):
    """Checks the average fill price: at most the price for a buy, at least for a sell. Example: Then it fills at $49.00 or better"""
    desk = context.desk
    order = questions.the_order(desk)
    fills = questions.fills_of(desk, order)
    bound = "at most" if order.side is Side.BUY else "at least"
    assert_that(questions.average_price(fills), compares("the average fill price", bound, price, money),
                describe_order(order, fills))


@then("it fills at an average price between {low:Money} and {high:Money}")
@needs()
def step_fills_between(context, low, high):
    """Checks the average fill price lies in a range. Example: Then it fills at an average price between $49.90 and $50.10"""
    desk = context.desk
    order = questions.the_order(desk)
    fills = questions.fills_of(desk, order)
    average = questions.average_price(fills)
    assert_that(average, compares("the average fill price", "at least", low, money), describe_order(order, fills))
    assert_that(average, compares("the average fill price", "at most", high, money), describe_order(order, fills))


@then("the order is refused because of {refusal:Refusal}")
@needs()
def step_order_is_refused(context, refusal):
    """Checks that the broker refused the order at once, and why. Example: Then the order is refused because of insufficient buying power"""
    reason, codes = REFUSAL_WORDS[refusal]
    assert_that(context.desk.refusal, is_refused_for(refusal, reason, codes),
                "the broker should refuse the order before it reaches the venue")


@then("the order is rejected by the venue")
@needs()
def step_order_is_rejected_by_venue(context):
    """Checks that the order reached the venue and was rejected there, with a reason. Example: Then the order is rejected by the venue"""
    order = questions.the_order(context.desk)
    assert_that(order, is_status(OrderStatus.REJECTED), "the venue should reject the order")
    assert_that(order.reject_reason is not None, compares("a reject reason being given", "exactly", True),
                describe_order(order))


@then("{actor:Owner} {kind:Request} is refused because {why:RequestRefusal}")
@then("the {kind:Request} is refused because {why:RequestRefusal}")
@needs()
def step_request_is_refused(context, kind, why, actor=None):
    """Checks that the last cancel, change or look-up (of that account) was refused, and why: "the order is not found" (another account's order, as at a real broker), "the order is already done" (it lost the race with a fill). Example: Then alice's cancel is refused because the order is not found"""
    request = questions.last_request(context.desk, kind, actor)
    questions.check_refused(context.desk, request, why, REQUEST_REFUSAL_WORDS[why])


@then("{actor:Owner} look-up finds the order")
@then("{actor:Owner} lookup finds the order")
@needs()
def step_look_up_finds_the_order(context, actor):
    """Checks that the account's last look-up found the order "the order" is (its own order). Example: Then bob's look-up finds the order"""
    request = questions.last_request(context.desk, "look-up", actor)
    found = getattr(request.answer, "id", None)
    assert_that(found, compares(f"the order {request.account}'s look-up found", "exactly", request.order_id),
                questions.describe_request(context.desk, request))


@then("the order goes through these events")
@then("the order goes through these events:")
@takes_table(EVENTS_TABLE)
@needs()
def step_order_goes_through_events(context):
    """Checks the order's event log, exactly and in order. Example: Then the order goes through these events:"""
    desk = context.desk
    order = questions.the_order(desk)
    expected = [row["event"] for row in rows(context.table, EVENTS_TABLE.required)]
    actual = [e.event.value for e in questions.events_of(desk, order)]
    assert_that(actual, compares("the events", "exactly", expected, lambda v: " -> ".join(v)),
                describe_order(order))


@then("{actor:Owner} orders are")
@then("{actor:Owner} orders are:")
@takes_table(ORDERS_SUMMARY_TABLE)
@needs()
def step_orders_are(context, actor):
    """Checks every order the scenario placed for the account (status "resting" = at the venue, waiting). Example: Then alice's orders are:"""
    expected = sorted((cell(r, "symbol", symbol_cell, context.desk.symbol()), cell(r, "side", side_cell).value,
                       cell(r, "shares", shares_cell), _status_word(cell(r, "status", status)))
                      for r in rows(context.table, ORDERS_SUMMARY_TABLE.required, ORDERS_SUMMARY_TABLE.optional))
    actual = questions.order_summary(context.desk, actor)
    assert_that(actual, compares(f"{actor}'s orders", "exactly", expected, _order_rows))


def _status_word(value) -> str:
    return value if isinstance(value, str) else value.value.replace("_", " ")


def _order_rows(items) -> str:
    return "; ".join(f"{side} {shares(qty)} {symbol} {state}" for symbol, side, qty, state in items) or "none"
