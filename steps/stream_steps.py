"""Streams: watching market data (quotes, trades, bars, trading status) and one's own order updates as they
happen, and what the watching client receives when the connection drops, is too slow, or asks for too much.

"My client" is the stream client the actor opened with a "watches" step. Messages flow as simulated time passes;
a dropped client reconnects as real clients do, and what was published meanwhile is lost.
"""

from behave import given, then, when  # noqa: F401

from hamcrest import equal_to, greater_than_or_equal_to, has_item, instance_of, less_than_or_equal_to

from mockbroker.errors import AuthenticationFailed, PermissionDenied
from steps.support.capabilities import needs
from steps.support import streaming, tasks
from steps.support.matchers import assert_that
from steps.types import STREAM_REFUSAL_WORDS  # importing steps.types registers the parameter types

def _kinds(messages, kind):
    return [m for m in messages if m.kind == kind]


# -- Given: stream faults and limits ----------------------------------------------------------------------------

@given("the market data stream drops after {count:Count} quotes")
@needs("streams", "faults")
def step_market_stream_drops(context, count):
    """The market-data connection is closed once the client has had N quotes. Example: Given the market data stream drops after 20 quotes"""
    streaming.add_rule(context.desk, operation="market_data_stream", outcome="disconnect", after_messages=count,
                       kinds=["quotes"])


@given("the order update stream drops after {count:Count} updates")
@needs("streams", "faults")
def step_order_stream_drops(context, count):
    """The order-updates connection is closed after N updates. Example: Given the order update stream drops after 2 updates"""
    streaming.add_rule(context.desk, operation="trade_updates_stream", outcome="disconnect", after_messages=count)


@given("the market data stream finds my client too slow after {count:Count} quotes")
@needs("streams", "faults")
def step_market_stream_slow_client(context, count):
    """The market-data connection drops the client as too slow (as the real feed does). Example: Given the market data stream finds my client too slow after 10 quotes"""
    streaming.add_rule(context.desk, operation="market_data_stream", outcome="slow_client", after_messages=count,
                       kinds=["quotes"])


@given("the market data stream refuses my credentials")
@needs("streams", "faults")
def step_market_stream_refuses_keys(context):
    """Authentication on the market-data stream fails. Example: Given the market data stream refuses my credentials"""
    streaming.add_rule(context.desk, operation="market_data_stream", outcome="auth_failure")


@given("a market data connection may follow at most {count:Count} symbols")
@needs("streams")
def step_symbol_limit(context, count):
    """The symbol limit per market-data connection (30 by default, as the free feed). Example: Given a market data connection may follow at most 2 symbols"""
    streaming.set_stream_limits(context.desk, max_symbols=count)


@given("an account may open at most {count:Count} market data connection")
@given("an account may open at most {count:Count} market data connections")
@needs("streams")
def step_connection_limit(context, count):
    """The connection limit per account and stream. Example: Given an account may open at most 1 market data connection"""
    streaming.set_stream_limits(context.desk, max_connections=count)


# -- When: watching ---------------------------------------------------------------------------------------------

@when("{actor:Actor} watches {symbol:Symbol} {feeds:Feeds}")
@when("{actor:Actor} watch {symbol:Symbol} {feeds:Feeds}")
@needs("streams")
def step_watches_market_data(context, actor, symbol, feeds):
    """Opens a market-data stream for a symbol's channels. Example: When I watch ACME quotes, trades and bars"""
    streaming.watch(context.desk, actor, streaming.MARKET_DATA, **{f: [symbol] for f in feeds})


@when("{actor:Actor} watches the quotes of {count:Count} symbols")
@when("{actor:Actor} watch the quotes of {count:Count} symbols")
@needs("streams", "control")
def step_watches_many_symbols(context, actor, count):
    """Asks for the quotes of N symbols on one connection. Example: When I watch the quotes of 3 symbols"""
    streaming.watch(context.desk, actor, streaming.MARKET_DATA, quotes=[f"S{i:03d}" for i in range(count)])


@when("{actor:Actor} watches {whose:Possessive} order updates")
@when("{actor:Actor} watch {whose:Possessive} order updates")
@needs("streams")
def step_watches_order_updates(context, actor, whose):
    """Opens the order-updates stream of the actor's own account ("my", "her", "his", "their"; the stream shows only the account's own orders, so naming another account is a mistake in the feature). Example: When I watch my order updates"""
    streaming.watch(context.desk, actor, streaming.ORDER_UPDATES, owner=whose)


# -- Then: what the client received -----------------------------------------------------------------------------

@then("my client receives a {event:UpdateEvent} update for the order within {limit:Duration} of simulated time")
@needs("streams", "clock")
def step_receives_update_within(context, event, limit):
    """The order-updates stream told the client about the order, promptly. Example: Then my client receives a fill update for the order within 100 ms of simulated time"""
    desk = context.desk
    placed = tasks.last_placed(desk)
    updates = [m for m in streaming.received(desk, streaming.ORDER_UPDATES)
               if m.kind == "order_update" and m.order.id == placed.order_id]
    events = [m.event for m in updates]
    assert event in events, f"no {event} update for order {placed.order_id}; updates: {events}"
    update = next(m for m in updates if m.event == event)
    if event in ("fill", "partial_fill"):
        happened = max(f.time_ns for f in desk.broker.list_fills(account=placed.account, order_id=placed.order_id))
    else:
        happened = update.order.updated_ns
    assert_that((update.time_ns - happened) / 1e9, less_than_or_equal_to(limit), "seconds after it happened")
    assert_that((update.time_ns - happened) / 1e9, greater_than_or_equal_to(0.0), "seconds after it happened")


@then("my client receives these updates for the order: {events}")
@needs("streams")
def step_receives_updates_in_order(context, events):
    """The order's updates, in this order (others may come between). Example: Then my client receives these updates for the order: new, fill"""
    desk = context.desk
    placed = tasks.last_placed(desk)
    wanted = [e.strip() for e in events.replace(" and ", ", ").split(",")]
    got = [m.event for m in streaming.received(desk, streaming.ORDER_UPDATES)
           if m.kind == "order_update" and m.order.id == placed.order_id]
    it = iter(got)
    assert all(e in it for e in wanted), f"expected the updates {wanted} in this order; received {got}"


@then("my client receives at least {count:Count} {symbol:Symbol} {kind:StreamData}")
@needs("streams")
def step_receives_at_least(context, count, symbol, kind):
    """Counts what a market-data client received (quotes, trades or bars). Example: Then my client receives at least 10 ACME quotes"""
    got = [m for m in streaming.received(context.desk, streaming.MARKET_DATA) if m.kind == kind and m.symbol == symbol]
    assert_that(len(got), greater_than_or_equal_to(count), f"{symbol} {kind}s received")


@then("every {symbol:Symbol} quote my client receives has the bid below the ask")
@needs("streams")
def step_quotes_sane(context, symbol):
    """Streamed quotes are sane. Example: Then every ACME quote my client receives has the bid below the ask"""
    quotes = [m.data for m in streaming.received(context.desk, streaming.MARKET_DATA)
              if m.kind == "quote" and m.symbol == symbol]
    assert quotes, f"no {symbol} quotes received"
    crossed = [q for q in quotes if not q.bid < q.ask]
    assert not crossed, f"{len(crossed)} crossed quotes, first: {crossed[0]}"


@then("my client receives exactly {count:Count} quotes and then loses the market data connection")
@needs("streams")
def step_quotes_then_drop(context, count):
    """The connection dropped right after the Nth quote. Example: Then my client receives exactly 20 quotes and then loses the market data connection"""
    messages = streaming.received(context.desk, streaming.MARKET_DATA)
    kinds = [m.kind for m in messages]
    assert "disconnected" in kinds, f"the connection never dropped ({len(messages)} messages)"
    before = messages[:kinds.index("disconnected")]
    assert_that(len(_kinds(before, "quote")), equal_to(count), "quotes before the drop")


@then("my client loses the order update connection after {count:Count} updates")
@needs("streams")
def step_updates_then_drop(context, count):
    """The order-updates connection dropped after N updates. Example: Then my client loses the order update connection after 2 updates"""
    messages = streaming.received(context.desk, streaming.ORDER_UPDATES)
    kinds = [m.kind for m in messages]
    assert "disconnected" in kinds, f"the connection never dropped; received {[m.event for m in messages]}"
    assert_that(kinds.index("disconnected"), equal_to(count), "updates before the drop")


@then("my client reconnects and receives {kind:StreamData} again")
@needs("streams")
def step_reconnects(context, kind):
    """After a drop, the client reconnected and data flows again. Example: Then my client reconnects and receives quotes again"""
    name = streaming.ORDER_UPDATES if kind == "order_update" else streaming.MARKET_DATA
    messages = streaming.received(context.desk, name)
    kinds = [m.kind for m in messages]
    assert "disconnected" in kinds, "the connection never dropped"
    last_drop = len(kinds) - 1 - kinds[::-1].index("disconnected")
    after = [k for k in kinds[last_drop + 1:] if k == kind]
    assert after, f"no {kind}s after the reconnection ({len(messages)} messages in all)"


@then("my client is dropped as a slow client")
@needs("streams")
def step_dropped_slow(context):
    """The stream said "slow client" (407) and closed. Example: Then my client is dropped as a slow client"""
    messages = streaming.received(context.desk, streaming.MARKET_DATA)
    errors = [m.data.get("code") for m in messages if m.kind == "error"]
    assert_that(errors, has_item(407), "stream errors")
    drops = [m.data.get("reason") for m in messages if m.kind == "disconnected"]
    assert_that(drops, has_item("slow_client"), "drops")


@then("my client sees trading in {symbol:Symbol} halt")
@needs("streams")
def step_sees_halt(context, symbol):
    """A halt arrives as a trading status message. Example: Then my client sees trading in ACME halt"""
    statuses = [m.data for m in streaming.received(context.desk, streaming.MARKET_DATA)
                if m.kind == "status" and m.symbol == symbol]
    assert any(s["halted"] for s in statuses), f"no halt of {symbol} received (statuses: {statuses})"


@then("my client sees trading in {symbol:Symbol} resume")
@needs("streams")
def step_sees_resume(context, symbol):
    """A resumption arrives as a trading status message. Example: Then my client sees trading in ACME resume"""
    statuses = [m.data for m in streaming.received(context.desk, streaming.MARKET_DATA)
                if m.kind == "status" and m.symbol == symbol]
    assert statuses and not statuses[-1]["halted"], f"no resumption of {symbol} received (statuses: {statuses})"


@then("the stream is refused because of {why:StreamRefusal}")
@needs("streams")
def step_stream_refused(context, why):
    """Opening the stream was refused, and why: "bad credentials", "the symbol limit", "the connection limit". Example: Then the stream is refused because of the symbol limit"""
    refusal = streaming.stream_refusal(context.desk)
    assert refusal is not None, "the stream was not refused"
    code = STREAM_REFUSAL_WORDS[why]
    if code == "auth":
        assert_that(refusal, instance_of(AuthenticationFailed))
        return
    assert_that(refusal, instance_of(PermissionDenied))
    assert_that(refusal.details.get("stream_code"), equal_to(code), f"stream error code ({refusal})")


@then("my client receives {count:Count} {event:UpdateEvent} updates in all")
@then("my client receives {count:Count} {event:UpdateEvent} update in all")
@needs("streams")
def step_receives_n_updates(context, count, event):
    """Counts order updates of one kind, for every order of the account. Example: Then my client receives 1 replaced update in all"""
    got = [m for m in streaming.received(context.desk, streaming.ORDER_UPDATES)
           if m.kind == "order_update" and m.event == event]
    assert_that(len(got), equal_to(count), f"{event} updates")
