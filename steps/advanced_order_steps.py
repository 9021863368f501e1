"""Advanced orders: brackets (an entry with a take-profit and a stop-loss), OCO and OTO orders, dollar (notional)
and fractional orders, and closing part or all of a position.

"The take profit" and "the stop loss" are the legs of the last order a When step placed (an OCO's take-profit is
the order itself). Each actor acts with their own account: "When bob protects 100 ACME ..." sends bob's order.
"""

from __future__ import annotations

from decimal import Decimal

from behave import given, then, when  # noqa: F401

from mockbroker.domain import OrderClass, OrderRequest, OrderType, Side
from mockbroker.errors import PositionNotFound
from steps.support.capabilities import needs
from steps.support import questions, tasks
from steps.support.desk import PlacedOrder
from steps.support.matchers import assert_that, compares, describe_order, is_status, money, shares
from steps.types import PARAMETER_TYPES  # noqa: F401 - importing steps.types registers the parameter types


@given("{symbol:Symbol} trades around {price:Money} and is not fractionable")
@needs("control")
def step_not_fractionable(context, symbol, price):
    """Lists a symbol that trades in whole shares only (no fractional or dollar orders). Example: Given BOLT trades around $20.00 and is not fractionable"""
    context.desk.scene.add_symbol(symbol, price=price, fractionable=False)


# -- When: bracket, OTO and OCO orders --------------------------------------------------------------------------

@when("{actor:Actor} {side:Side} {qty:Shares} {symbol:Symbol} at market with a take profit at {take_profit:Money} "
      "and a stop loss at {stop_loss:Money}")
@needs("fills")
def step_bracket_at_market(context, actor, side, qty, symbol, take_profit, stop_loss):
    """Sends a bracket order: a market entry, then (once it fills) a take-profit limit and a stop-loss on the other side; whichever exit fills first cancels the other. Example: When alice buys 100 ACME at market with a take profit at $55.00 and a stop loss at $47.00"""
    request = OrderRequest(symbol, qty, side, OrderType.MARKET, order_class=OrderClass.BRACKET,
                           take_profit=take_profit, stop_loss=stop_loss)
    tasks.place(context.desk, actor, request)


@when("{actor:Actor} {side:Side} {qty:Shares} {symbol:Symbol} with a limit of {limit:Money}, a take profit at "
      "{take_profit:Money} and a stop loss at {stop_loss:Money}")
@needs("fills")
def step_bracket_with_limit(context, actor, side, qty, symbol, limit, take_profit, stop_loss):
    """Sends a bracket order whose entry is a limit order (good till canceled); its exits wait, held, until the entry fills. Example: When alice buys 100 ACME with a limit of $49.00, a take profit at $55.00 and a stop loss at $47.00"""
    request = OrderRequest(symbol, qty, side, OrderType.LIMIT, limit_price=limit, time_in_force="gtc",
                           order_class=OrderClass.BRACKET, take_profit=take_profit, stop_loss=stop_loss)
    tasks.place(context.desk, actor, request)


@when("{actor:Actor} {side:Side} {qty:Shares} {symbol:Symbol} at market with a stop loss at {stop_loss:Money}")
@needs("fills")
def step_oto_with_stop_loss(context, actor, side, qty, symbol, stop_loss):
    """Sends an OTO order: a market entry that, once filled, triggers a stop-loss on the other side. Example: When alice buys 100 ACME at market with a stop loss at $47.00"""
    request = OrderRequest(symbol, qty, side, OrderType.MARKET, order_class=OrderClass.OTO, stop_loss=stop_loss)
    tasks.place(context.desk, actor, request)


@when("{actor:Actor} protects {qty:Shares} {symbol:Symbol} with a take profit at {take_profit:Money} and a stop loss "
      "at {stop_loss:Money}")
@when("{actor:Actor} protect {qty:Shares} {symbol:Symbol} with a take profit at {take_profit:Money} and a stop loss "
      "at {stop_loss:Money}")
@needs("fills")
def step_oco_protects(context, actor, qty, symbol, take_profit, stop_loss):
    """Sends an OCO order that exits a long position: a take-profit limit and a stop-loss sell, both working; the first to fill cancels the other. Example: When alice protects 100 ACME with a take profit at $55.00 and a stop loss at $47.00"""
    request = OrderRequest(symbol, qty, Side.SELL, OrderType.LIMIT, time_in_force="gtc", order_class=OrderClass.OCO,
                           take_profit=take_profit, stop_loss=stop_loss)
    tasks.place(context.desk, actor, request)


@when("{actor:Actor} moves the stop loss to {stop:Money}")
@when("{actor:Actor} move the stop loss to {stop:Money}")
@needs("fills")
def step_moves_the_stop_loss(context, actor, stop):
    """Replaces the stop-loss leg of the order with one at a new stop price (it keeps its place in the group). Example: When alice moves the stop loss to $49.00"""
    desk = context.desk
    leg = _leg(desk, "stop loss")
    desk.ready().broker.replace_order(leg.id, account=desk.account_of(actor), stop_price=stop)
    desk.broker.advance(1.0)  # the replace travels to the venue (at once for a leg still held)


# -- When: dollars and fractions ------------------------------------------------------------------------------------

@when("{actor:Actor} {side:Side} {amount:Money} of {symbol:Symbol} at market")
@needs("fills")
def step_notional_order(context, actor, side, amount, symbol):
    """Sends a dollar (notional) market order: the venue works out the (fractional) shares at the price it finds. Example: When alice buys $1,000.00 of ACME at market"""
    tasks.place(context.desk, actor, OrderRequest(symbol, None, side, OrderType.MARKET, notional=amount))


@when("{actor:Actor} {side:Side} {qty:Quantity} shares of {symbol:Symbol} at market")
@needs("fills")
def step_fractional_order(context, actor, side, qty, symbol):
    """Sends a market order for a fractional (or whole) number of shares, up to 9 decimal places. Example: When alice buys 2.5 shares of ACME at market"""
    tasks.place(context.desk, actor, OrderRequest(symbol, qty, side, OrderType.MARKET))


# -- When: closing positions ------------------------------------------------------------------------------------

@when("{actor:Actor} closes {pct:Percent} of the {symbol:Symbol} position")
@when("{actor:Actor} close {pct:Percent} of the {symbol:Symbol} position")
@needs("fills")
def step_closes_percent(context, actor, pct, symbol):
    """Closes a percentage of the position at market (whole shares, rounded down, unless the position is fractional). Example: When alice closes 25% of the ACME position"""
    _close(context.desk, actor, symbol, percentage=pct)


@when("{actor:Actor} closes {qty:Quantity} shares of the {symbol:Symbol} position")
@when("{actor:Actor} close {qty:Quantity} shares of the {symbol:Symbol} position")
@needs("fills")
def step_closes_shares(context, actor, qty, symbol):
    """Closes that many shares of the position at market. Example: When alice closes 40 shares of the ACME position"""
    _close(context.desk, actor, symbol, qty=qty)


@when("{actor:Actor} closes all positions")
@when("{actor:Actor} close all positions")
@needs("fills")
def step_closes_all_positions(context, actor):
    """Closes every position of the account at market; open orders stay. Example: When alice closes all positions"""
    _close_all(context.desk, actor, cancel_orders=False)


@when("{actor:Actor} closes all positions, canceling open orders first")
@when("{actor:Actor} close all positions, canceling open orders first")
@needs("fills")
def step_cancels_and_closes_all(context, actor):
    """Cancels every open order of the account, then closes every position at market. Example: When alice closes all positions, canceling open orders first"""
    _close_all(context.desk, actor, cancel_orders=True)


def _close_all(desk, actor: str, cancel_orders: bool) -> None:
    account = desk.ready().account_of(actor)
    results = desk.broker.close_all_positions(account=account, cancel_orders=cancel_orders)
    desk.closing_results = results
    placed = [outcome for _, outcome in results if hasattr(outcome, "id")]
    for order in placed:
        desk.orders.append(PlacedOrder(account, order.id, OrderRequest(order.symbol, order.qty, order.side)))
    for order in placed:
        desk.broker.settle_order(order.id, account=account)
    desk.broker.advance(1.0)


@then("every position was closed")
@needs()
def step_every_position_closed(context):
    """Checks the answer to closing all positions: one order per position, none refused. Example: Then every position was closed"""
    results = getattr(context.desk, "closing_results", None)
    if results is None:
        raise AssertionError('no When step closed all positions ("When alice closes all positions")')
    refused = [f"{symbol}: {tasks.describe_refusal(outcome)}" for symbol, outcome in results
               if not hasattr(outcome, "id")]
    assert_that(len(refused), compares("positions the broker refused to close", "exactly", 0), "; ".join(refused))


def _close(desk, actor: str, symbol: str, **how) -> None:
    tasks.close_position(desk, actor, symbol, **how)


# -- Then: legs, positions, values -----------------------------------------------------------------------------------

def _leg(desk, which: str):
    parent = questions.the_order(desk)
    if parent.order_class is OrderClass.OCO and which == "take profit":
        return parent
    legs = [desk.broker.get_order(leg, account=parent.account_id) for leg in parent.legs]
    wanted = (OrderType.LIMIT,) if which == "take profit" else (OrderType.STOP, OrderType.STOP_LIMIT)
    for leg in legs:
        if leg.type in wanted:
            return leg
    raise AssertionError(f"the order has no {which}: {describe_order(parent)} (legs: {len(legs)}; a bracket has a "
                         f"take profit and a stop loss, an OTO one of them)")


@then("the {which:Leg} is {state:Status}")
@needs()
def step_leg_is(context, which, state):
    """Checks the status of a leg of the bracket, OCO or OTO order: "take profit" or "stop loss". Example: Then the stop loss is filled"""
    leg = _leg(context.desk, which)
    assert_that(leg, is_status(state), f"the {which}: {describe_order(leg)}")


@then("the take profit and the stop loss are {state:Status}")
@needs()
def step_both_legs_are(context, state):
    """Checks both exits of the bracket or OCO order. Example: Then the take profit and the stop loss are held"""
    for which in ("take profit", "stop loss"):
        leg = _leg(context.desk, which)
        assert_that(leg, is_status(state), f"the {which}: {describe_order(leg)}")


@then("the take profit and the stop loss are for {qty:Shares} shares")
@needs()
def step_legs_are_for(context, qty):
    """Checks the exits' quantity: they follow what the entry filled. Example: Then the take profit and the stop loss are for 100 shares"""
    for which in ("take profit", "stop loss"):
        leg = _leg(context.desk, which)
        assert_that(leg.qty, compares(f"the {which}'s shares", "exactly", qty, shares), describe_order(leg))


@then("{actor:Actor} holds {qty:Quantity} shares of {symbol:Symbol}")
@then("{actor:Actor} hold {qty:Quantity} shares of {symbol:Symbol}")
@needs()
def step_holds_fractional(context, actor, qty, symbol):
    """Checks the account's position to the last decimal place (fractional shares included). Example: Then alice holds 2.5 shares of ACME"""
    held = questions.shares_held(context.desk, actor, symbol)
    assert_that(held, compares(f"{symbol} shares held", "exactly", qty, shares))


@then("{actor:Actor} holds a fraction of a share of {symbol:Symbol}")
@then("{actor:Actor} hold a fraction of a share of {symbol:Symbol}")
@needs()
def step_holds_a_fraction(context, actor, symbol):
    """Checks that the account's position has a fractional part (not whole shares). Example: Then alice holds a fraction of a share of ACME"""
    held = questions.shares_held(context.desk, actor, symbol)
    fraction = Decimal(held) % 1
    assert_that(fraction, compares(f"the fractional part of {symbol} shares held ({held})", "above", Decimal(0)))


@then("{actor:Actor} has no positions")
@then("{actor:Actor} have no positions")
@needs()
def step_has_no_positions(context, actor):
    """Checks that the account is flat in every symbol. Example: Then alice has no positions"""
    held = questions.holdings(context.desk, actor)
    assert_that(len(held), compares("open positions", "exactly", 0),
                ", ".join(f"{q} {s}" for s, q in sorted(held.items())) or "none")


@then("the order's value is within {tolerance:Money} of {amount:Money}")
@needs()
def step_order_value_within(context, tolerance, amount):
    """Checks what the order traded (shares x price, over its fills) against a dollar amount. Example: Then the order's value is within $1.00 of $1,000.00"""
    desk = context.desk
    order = questions.the_order(desk)
    fills = questions.fills_of(desk, order)
    value = sum((Decimal(f.qty) * f.price for f in fills), Decimal(0))
    assert_that(abs(value - amount), compares(f"the distance of the order's value ({money(value)}) from "
                                              f"{money(amount)}", "at most", tolerance, money),
                describe_order(order, fills))


@then("closing {symbol:Symbol} is refused because {actor:Actor} holds none")
@needs()
def step_closing_refused(context, symbol, actor):
    """Checks that closing a position the account does not hold is refused. Example: Then closing ACME is refused because alice holds none"""
    desk = context.desk
    try:
        desk.ready().broker.close_position(symbol, account=desk.account_of(actor))
    except PositionNotFound:
        return
    raise AssertionError(f"closing {symbol} for {actor} should be refused: the account holds none")
