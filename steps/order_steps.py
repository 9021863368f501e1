"""Orders: placing, changing and canceling them, and what became of them (status, fills, slippage, refusals).

"The order" is the last order a When step placed. "buys ... at market" sends the order and waits, in simulated
time, until the venue has processed it; "sends an order" does not wait (the order is then accepted, in flight).
"""

from decimal import Decimal

from behave import given, then, when  # noqa: F401

from mockbroker.domain import OrderStatus, OrderType, Side, TimeInForce
from steps.support.capabilities import needs
from steps.support import questions, tasks, waiting
from steps.support.matchers import (assert_that, bps, compares, describe_order, has_filled, is_partially_filled,
                                    is_refused_for, is_status, money, percent, shares)
from steps.support.tables import (EVENTS_TABLE, ORDER_TABLE, ORDERS_SUMMARY_TABLE, UPDATES_TABLE, cell,
                                  order_requests, rows, side as side_cell, shares as shares_cell, status,
                                  symbol as symbol_cell, takes_table)
from steps.types import REFUSAL_WORDS, REQUEST_REFUSAL_WORDS, check_share_word  # importing registers the types



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


# -- When: orders any broker takes (the conformance profile: no ticker named, prices set from the market) ----------

UNLISTED_SYMBOL = "NOTLISTED"
"""A ticker no exchange lists (US tickers have at most five letters, plus a class suffix)."""
SAFE_LIMIT = Decimal("1.00")
"""The limit of an order for an unlisted symbol: far from any price, should a broker take the order after all."""


def _far(desk, side, where):
    """The limit of a buy far below, or a sell far above, the market; the other way round is a mistake of the
    feature (it would fill at once)."""
    wanted = "below" if side is Side.BUY else "above"
    if where != wanted:
        raise AssertionError(f'a {side.value} with a limit far {where} the market would fill at once: write '
                             f'"{side.value}s 1 share with a limit far {wanted} the market"')
    return tasks.far_limit(desk, side)


@when("{actor:Actor} {side:Side} {qty:Shares} {unit:ShareUnit} with a limit far {where:FarSide} the market")
@when("{actor:Actor} {side:Side} {qty:Shares} {unit:ShareUnit} with a limit far {where:FarSide} the market, "
      "{tif:TimeInForce}")
@when('{actor:Actor} {side:Side} {qty:Shares} {unit:ShareUnit} with a limit far {where:FarSide} the market and '
      'client order id "{client_order_id}"')
@needs()
def step_trades_far_from_market(context, actor, side, qty, unit, where, tif=TimeInForce.DAY, client_order_id=None):
    """Sends a limit order of the scenario's symbol that cannot fill: a buy at half the bid, a sell at half as much again as the ask (whole cents); waits until the broker has it. On a broker that remembers every order, a client order id goes out with the run's token appended. Example: When alice buys 1 share with a limit far below the market"""
    desk = context.desk
    check_share_word(qty, unit)
    limit = _far(desk, side, where)
    sent_id = desk.client_order_id(client_order_id) if client_order_id is not None else None
    tasks.place(desk, actor, tasks.order_request(desk.symbol(), qty, side, OrderType.LIMIT, tif, limit=limit,
                                                 client_order_id=sent_id))


@when("{actor:Actor} {side:Side} {qty:Shares} {unit:ShareUnit} with a limit far {where:FarSide} the market, in "
      "fractions of a cent")
@needs()
def step_trades_far_sub_penny(context, actor, side, qty, unit, where):
    """Sends a limit order far from the market whose price has half a cent more than whole cents (brokers take whole cents above $1.00). Example: When alice buys 1 share with a limit far below the market, in fractions of a cent"""
    desk = context.desk
    check_share_word(qty, unit)
    limit = _far(desk, side, where) + Decimal("0.005")
    tasks.place(desk, actor, tasks.order_request(desk.symbol(), qty, side, OrderType.LIMIT, limit=limit))


@when("{actor:Actor} {side:Side} {qty:Shares} {unit:ShareUnit} of a symbol no exchange lists")
@needs()
def step_trades_unlisted_symbol(context, actor, side, qty, unit):
    """Sends a limit order (at $1.00) for a ticker no exchange lists. Example: When alice buys 1 share of a symbol no exchange lists"""
    check_share_word(qty, unit)
    tasks.place(context.desk, actor, tasks.order_request(UNLISTED_SYMBOL, qty, side, OrderType.LIMIT,
                                                         limit=SAFE_LIMIT))


@when("{actor:Actor} sends a limit order for {qty:Shares} {unit:ShareUnit} without a limit price")
@when("{actor:Actor} send a limit order for {qty:Shares} {unit:ShareUnit} without a limit price")
@needs()
def step_sends_limit_without_price(context, actor, qty, unit):
    """Sends a buy limit order of the scenario's symbol with no limit price. Example: When alice sends a limit order for 1 share without a limit price"""
    desk = context.desk
    check_share_word(qty, unit)
    tasks.place(desk, actor, tasks.order_request(desk.symbol(), qty, Side.BUY, OrderType.LIMIT))


@when("{actor:Actor} sends a stop order for {qty:Shares} {unit:ShareUnit} without a stop price")
@when("{actor:Actor} send a stop order for {qty:Shares} {unit:ShareUnit} without a stop price")
@needs()
def step_sends_stop_without_price(context, actor, qty, unit):
    """Sends a buy stop order of the scenario's symbol with no stop price. Example: When alice sends a stop order for 1 share without a stop price"""
    desk = context.desk
    check_share_word(qty, unit)
    tasks.place(desk, actor, tasks.order_request(desk.symbol(), qty, Side.BUY, OrderType.STOP))


@when("{actor:Actor} tries to buy more shares than {whose:Possessive} buying power covers")
@when("{actor:Actor} try to buy more shares than {whose:Possessive} buying power covers")
@needs()
def step_buys_beyond_buying_power(context, actor, whose):
    """Sends a buy limit far below the market for one share more than the account's buying power pays for at that limit. Example: When alice tries to buy more shares than her buying power covers"""
    desk = context.desk.ready()
    if whose is not None and desk.account_of(whose) != desk.account_of(actor):
        raise AssertionError(f"an account buys with its own buying power: write \"When {actor} tries to buy more "
                             "shares than their buying power covers\"")
    limit = tasks.far_limit(desk, Side.BUY)
    qty = tasks.shares_beyond_buying_power(desk, actor, limit)
    tasks.place(desk, actor, tasks.order_request(desk.symbol(), qty, Side.BUY, OrderType.LIMIT, limit=limit))


@when("{actor:Actor} {side:Side} {qty:Shares} {unit:ShareUnit} at market")
@needs("fills")
def step_trades_shares_at_market(context, actor, side, qty, unit):
    """Sends a market order of the scenario's symbol and waits until the broker has it (it fills: only where fills are allowed). Example: When alice buys 1 share at market"""
    desk = context.desk
    check_share_word(qty, unit)
    tasks.place(desk, actor, tasks.order_request(desk.symbol(), qty, side, OrderType.MARKET))


@when("{actor:Actor} {move:LimitMove} the limit by {pct:Percent}")
@needs()
def step_moves_the_limit(context, actor, move, pct):
    """Replaces the order, as that account, with one whose limit is that much lower or higher (whole cents); the new one becomes "the order". Example: When alice lowers the limit by 10%"""
    desk = context.desk
    current = tasks.last_placed(desk).request.limit_price
    if current is None:
        raise AssertionError("only a limit order has a limit to move: place one first, e.g. When alice buys 1 share "
                             "with a limit far below the market")
    new = (current * (1 + move * pct / 100)).quantize(tasks.CENT)
    tasks.replace(desk, actor, limit=new)


@when("{actor:Actor} looks up an order that does not exist")
@when("{actor:Actor} look up an order that does not exist")
@needs()
def step_looks_up_missing_order(context, actor):
    """Reads, as that account, an order id no broker gave out (it is not found). Example: When alice looks up an order that does not exist"""
    tasks.look_up_unknown(context.desk, actor)


# -- Then: what became of the order ------------------------------------------------------------------------------

@then("the order is {state:Status}")
@needs()
def step_order_is(context, state):
    """Checks the order's status: filled, canceled, rejected, accepted, expired, replaced, resting. Example: Then the order is filled"""
    desk = context.desk
    order = questions.the_order(desk, until=lambda o: o.status is state)
    assert_that(order, is_status(state), describe_order(order, questions.fills_of(desk, order)) + waiting.note(desk))


@then("the order is partially filled")
@needs()
def step_order_is_partially_filled(context):
    """Checks that some, but not all, shares filled (the rest may still work or be canceled). Example: Then the order is partially filled"""
    order = questions.the_order(context.desk, until=lambda o: 0 < o.filled_qty < o.qty)
    assert_that(order, is_partially_filled(), "the order should have filled in part" + waiting.note(context.desk))


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
    desk = context.desk
    order = questions.the_order(desk, until=lambda o: o.filled_qty == qty)
    assert_that(order, has_filled(qty), describe_order(order, questions.fills_of(desk, order)) + waiting.note(desk))


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
    order = questions.the_order(context.desk, until=lambda o: o.status is OrderStatus.CANCELED)
    assert_that(order, is_status(OrderStatus.CANCELED), "the rest should be canceled" + waiting.note(context.desk))
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
    actual = [e.event.value for e in questions.events_of(desk, order, until=lambda events: [e.event.value for e in
                                                                                        events] == expected)]
    assert_that(actual, compares("the events", "exactly", expected, lambda v: " -> ".join(v)),
                describe_order(order) + waiting.note(desk))


@then("{actor:Owner} orders are")
@then("{actor:Owner} orders are:")
@takes_table(ORDERS_SUMMARY_TABLE)
@needs()
def step_orders_are(context, actor):
    """Checks every order the scenario placed for the account (status "resting" = at the venue, waiting). Example: Then alice's orders are:"""
    expected = sorted((cell(r, "symbol", symbol_cell, context.desk.symbol()), cell(r, "side", side_cell).value,
                       cell(r, "shares", shares_cell), _status_word(cell(r, "status", status)))
                      for r in rows(context.table, ORDERS_SUMMARY_TABLE.required, ORDERS_SUMMARY_TABLE.optional))
    actual = questions.order_summary(context.desk, actor, until=lambda summary: summary == expected)
    assert_that(actual, compares(f"{actor}'s orders", "exactly", expected, _order_rows), waiting.note(context.desk))


@then("the order is for {qty:Shares} {unit:ShareUnit}")
@needs()
def step_order_is_for(context, qty, unit):
    """Checks how many shares the order is for. Example: Then the order is for 2 shares"""
    check_share_word(qty, unit)
    order = questions.the_order(context.desk)
    assert_that(order.qty, compares("the shares the order is for", "exactly", qty, shares), describe_order(order))


@then("the order shows what was sent")
@needs()
def step_order_shows_what_was_sent(context):
    """Checks the order as the broker reports it: symbol, side, shares, type, time in force, limit and stop price, and the client order id, each as it was sent. Example: Then the order shows what was sent"""
    desk = context.desk
    sent = tasks.last_placed(desk).request
    order = questions.the_order(desk)
    wanted = {"symbol": sent.symbol, "side": Side(sent.side), "shares": sent.qty, "type": OrderType(sent.type),
              "time in force": TimeInForce(sent.time_in_force), "limit price": sent.limit_price,
              "stop price": sent.stop_price}
    shown = {"symbol": order.symbol, "side": order.side, "shares": order.qty, "type": order.type,
             "time in force": order.time_in_force, "limit price": order.limit_price, "stop price": order.stop_price}
    if sent.client_order_id is not None:
        wanted["client order id"], shown["client order id"] = sent.client_order_id, order.client_order_id
    wrong = {k: (wanted[k], shown[k]) for k in wanted if not _same(wanted[k], shown[k])}
    assert_that(_fields(wrong), compares("the fields that differ from what was sent", "exactly", "none"),
                describe_order(order))


@then('the order carries the client order id "{client_order_id}"')
@needs()
def step_order_carries_client_order_id(context, client_order_id):
    """Checks the order reports the client order id it was sent with (with the run's token, on a broker that remembers every order). Example: Then the order carries the client order id "desk-1\""""
    desk = context.desk
    order = questions.the_order(desk)
    assert_that(order.client_order_id, compares("the order's client order id", "exactly",
                                                desk.client_order_id(client_order_id), repr), describe_order(order))


@then("the order has a client order id from the broker")
@needs()
def step_order_has_broker_client_order_id(context):
    """Checks that an order sent without a client order id was given one by the broker. Example: Then the order has a client order id from the broker"""
    desk = context.desk
    order = questions.the_order(desk)
    if tasks.last_placed(desk).request.client_order_id is not None:
        raise AssertionError("the order was sent with a client order id: use Then the order carries the client "
                             "order id \"...\"")
    assert_that(bool(order.client_order_id), compares("the order having a client order id", "exactly", True),
                describe_order(order))


@then('only one of {actor:Owner} orders has the client order id "{client_order_id}"')
@needs()
def step_one_order_per_client_order_id(context, actor, client_order_id):
    """Checks that exactly one of the account's orders carries the client order id (a second order with it was refused). Example: Then only one of alice's orders has the client order id "desk-1\""""
    desk = context.desk.ready()
    account = desk.account_of(actor)
    wanted = desk.client_order_id(client_order_id)
    carrying = [o for o in desk.broker.list_orders(account=account, status="all") if o.client_order_id == wanted]
    assert_that(len(carrying), compares(f"{account}'s orders with client order id {wanted!r}", "exactly", 1),
                "; ".join(describe_order(o) for o in carrying))


@then("{actor:Owner} open orders include the order")
@needs()
def step_open_orders_include(context, actor):
    """Checks the order is among the account's open orders, as the account lists them. Example: Then alice's open orders include the order"""
    desk = context.desk
    order_id = tasks.last_placed(desk).order_id
    found = questions.open_order_ids(desk, actor, until=lambda ids: order_id in ids)
    assert_that(order_id in found, compares(f"order {order_id} being among {actor}'s open orders", "exactly", True),
                f"{len(found)} open orders" + waiting.note(desk))


@then("{actor:Owner} open orders do not include the order")
@needs()
def step_open_orders_exclude(context, actor):
    """Checks the order is not among the account's open orders (it is done, or another account's). Example: Then bob's open orders do not include the order"""
    desk = context.desk
    order_id = tasks.last_placed(desk).order_id
    found = questions.open_order_ids(desk, actor, until=lambda ids: order_id not in ids)
    assert_that(order_id in found, compares(f"order {order_id} being among {actor}'s open orders", "exactly", False),
                f"{len(found)} open orders" + waiting.note(desk))


@then("the order ends without a fill")
@needs()
def step_order_ends_without_fill(context):
    """Checks the order is done (canceled or expired) with nothing filled. Example: Then the order ends without a fill"""
    desk = context.desk
    order = questions.the_order(desk, until=lambda o: not o.is_open)
    assert_that(order.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED),
                compares("the order being canceled or expired", "exactly", True),
                describe_order(order) + waiting.note(desk))
    assert_that(order, has_filled(0), describe_order(order))


@then("the order's time in force is {tif:TimeInForce}")
@needs()
def step_order_time_in_force(context, tif):
    """Checks the time in force the broker reports for the order. Example: Then the order's time in force is good till canceled"""
    order = questions.the_order(context.desk)
    assert_that(order.time_in_force, compares("the order's time in force", "exactly", tif, lambda t: t.value),
                describe_order(order))


@then("the order rests at the new limit")
@needs()
def step_order_rests_at_new_limit(context):
    """Checks the order (the replacement) is at the venue, unfilled, at the limit it was changed to. Example: Then the order rests at the new limit"""
    desk = context.desk
    wanted = tasks.last_placed(desk).request.limit_price
    order = questions.the_order(desk, until=lambda o: o.status is OrderStatus.NEW)
    assert_that(order, is_status(OrderStatus.NEW), describe_order(order) + waiting.note(desk))
    assert_that(order.limit_price, compares("the order's limit", "exactly", wanted, money), describe_order(order))


@then("the original order is replaced")
@needs()
def step_original_order_replaced(context):
    """Checks the order a change replaced has the status replaced. Example: Then the original order is replaced"""
    desk = context.desk
    original = questions.the_changed_order(desk, until=lambda o: o.status is OrderStatus.REPLACED)
    assert_that(original, is_status(OrderStatus.REPLACED), describe_order(original) + waiting.note(desk))


@then("it fills within {pct:Percent} of the market price")
@needs()
def step_fills_near_market(context, pct):
    """Checks the order filled completely at an average price within that distance of the current mid. Example: Then it fills within 5% of the market price"""
    desk = context.desk
    order = questions.the_order(desk, until=lambda o: o.status is OrderStatus.FILLED)
    assert_that(order, is_status(OrderStatus.FILLED), describe_order(order) + waiting.note(desk))
    mid = desk.broker.get_quote(order.symbol).mid
    distance = abs(order.filled_avg_price - mid) / mid * 100
    assert_that(distance, compares(f"the distance of the average fill price from the mid {money(mid)}", "at most",
                                   pct, percent), describe_order(order))


@then("the order's fills add up to {qty:Shares} {unit:ShareUnit}")
@needs()
def step_fills_add_up_to(context, qty, unit):
    """Checks the account's fills of the order, added up, come to that many shares. Example: Then the order's fills add up to 1 share"""
    desk = context.desk
    check_share_word(qty, unit)
    order = questions.the_order(desk)
    fills = waiting.eventually(desk, lambda: questions.fills_of(desk, order), lambda f: sum(x.qty for x in f) == qty)
    assert_that(sum(f.qty for f in fills), compares("the shares of the order's fills", "exactly", qty, shares),
                describe_order(order, fills) + waiting.note(desk))


@then("the order's updates include, in this order")
@then("the order's updates include, in this order:")
@needs()
@takes_table(UPDATES_TABLE)
def step_updates_include_in_order(context):
    """Checks the order's updates (the event log, or the broker's stream) include these, in this order, other updates allowed between them. Example: Then the order's updates include, in this order:"""
    desk = context.desk
    order = questions.the_order(desk)
    expected = [row["event"] for row in rows(context.table, UPDATES_TABLE.required)]
    events = questions.events_of(desk, order, until=lambda got: _in_order(expected, [e.event.value for e in got]))
    actual = [e.event.value for e in events]
    assert_that(_in_order(expected, actual), compares(f"the updates {' -> '.join(expected)} in this order",
                                                      "exactly", True),
                f"updates received: {' -> '.join(actual) or 'none'}; " + describe_order(order) + waiting.note(desk))


def _in_order(expected: list[str], actual: list[str]) -> bool:
    remaining = iter(actual)
    return all(any(event == got for got in remaining) for event in expected)


def _same(wanted, shown) -> bool:
    if wanted is None or shown is None:
        return wanted is shown
    if isinstance(wanted, (int, Decimal)) and isinstance(shown, (int, Decimal)):
        return Decimal(wanted) == Decimal(shown)
    return wanted == shown


def _fields(wrong: dict) -> str:
    def word(value) -> str:
        return value.value if hasattr(value, "value") else str(value)
    return "; ".join(f"{name}: sent {word(sent)}, shown {word(shown)}" for name, (sent, shown) in wrong.items()) or "none"


def _status_word(value) -> str:
    return value if isinstance(value, str) else value.value.replace("_", " ")


def _order_rows(items) -> str:
    return "; ".join(f"{side} {shares(qty)} {symbol} {state}" for symbol, side, qty, state in items) or "none"
