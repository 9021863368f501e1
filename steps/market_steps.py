"""The market: symbols and their prices, market events (flash crash, liquidity crisis, halt, gap, volatility
spike, thin book), and what the market shows (quotes, spread, book, bars, halts).

A market event named in a Given step happens as the scene is set, just before the first When step; named in a
When step, it happens at that moment. With no symbol named, an event hits the default symbol (ACME).
"""

from decimal import Decimal

from behave import given, then, when  # noqa: F401

from steps.support.capabilities import needs
from steps.support import questions, tasks
from steps.support.matchers import assert_that, bps, compares, money, percent, shares
from steps.types import PARAMETER_TYPES  # noqa: F401 - importing steps.types registers the parameter types

FLASH_CRASH = {"type": "flash_crash"}  # shaped like 6 May 2010: the event's defaults (docs/market-simulation.md)
LIQUIDITY_CRISIS = {"type": "liquidity_crisis", "liquidity_factor": 0.05, "spread_factor": 20}
VOLATILITY_SPIKE = {"type": "volatility_spike", "factor": 3, "duration_seconds": 600}


def _event(context, template: dict, symbol: str | None, **changes) -> dict:
    return {**template, "symbol": symbol or context.desk.symbol(), **changes}


# -- Given: symbols -------------------------------------------------------------------------------------------------

@given("{symbol:Symbol} trades around {price:Money}")
@needs("control")
def step_trades_around(context, symbol, price):
    """Lists a symbol at a starting price. Example: Given ACME trades around $50.00"""
    context.desk.scene.add_symbol(symbol, price=price)


@given("{symbol:Symbol} trades around {price:Money} with a spread of {cents:Count} cents")
@needs("control")
def step_trades_around_with_spread_in_cents(context, symbol, price, cents):
    """Lists a symbol at a starting price with a bid-ask spread in cents, both as the scenario starts (a realistic market's spread is widest at the open and narrows through the morning). Example: Given ACME trades around $50.00 with a spread of 2 cents"""
    scene = context.desk.scene
    scene.add_symbol(symbol, price=price)
    scene.set_spread_cents(Decimal(cents))


@given("{symbol:Symbol} may not be sold short")
@needs("control")
def step_may_not_be_sold_short(context, symbol):
    """Makes a symbol hard to borrow: nobody may sell it short. Example: Given ACME may not be sold short"""
    context.desk.scene.add_symbol(symbol, shortable=False)


# -- Given: market conditions ---------------------------------------------------------------------------------------

@given("the spread is {spread:Bps}")
@needs("control")
def step_the_spread_is(context, spread):
    """Sets the bid-ask spread of every symbol, in basis points of the price, as quoted when the scenario starts (a realistic market is widest at the open and narrows through the morning). Example: Given the spread is 10 bps"""
    context.desk.scene.set_spread_bps(float(spread))


@given("prices move about {pct:Percent} on a typical day")
@needs("control")
def step_prices_move_daily(context, pct):
    """Sets the daily volatility of prices. Example: Given prices move about 2% on a typical day"""
    context.desk.scene.set_market(volatility=float(pct))


@given("{qty:Shares} shares are displayed at the best price")
@needs("control")
def step_shares_displayed(context, qty):
    """Sets the depth shown at the best bid and offer (deeper levels hold more). Example: Given 500 shares are displayed at the best price"""
    context.desk.scene.set_market(liquidity=qty)


@given("only {qty:Shares} {symbol:Symbol} are offered")
@when("only {qty:Shares} {symbol:Symbol} are offered")
@needs("control")
def step_only_shares_offered(context, qty, symbol):
    """Thins the book to a total number of shares on each side, which does not replenish. Example: Given only 1,000 ACME are offered"""
    tasks.happen(context.desk, {"type": "offered_liquidity", "symbol": symbol, "shares": qty})


@given("a flash crash")
@given("a flash crash on {symbol:Symbol}")
@when("a flash crash hits {symbol:Symbol}")
@needs("control")
def step_a_flash_crash(context, symbol=None):
    """A flash crash shaped like 6 May 2010: the spread blows out 40 times and the book thins to a tenth at once; the price falls 5% over 13.5 minutes, slowly then faster and faster, while volume surges; then 90% of the fall comes back over 23 minutes, fast at first. Example: Given a flash crash"""
    tasks.happen(context.desk, _event(context, FLASH_CRASH, symbol))


@given("a flash crash with stub-quote prints")
@needs("control")
def step_a_flash_crash_with_stubs(context):
    """A flash crash shaped like 6 May 2010 in which, around the bottom, some trades print at stub quotes ($0.01), as thousands did that day; the quotes and the book stay sane. Example: Given a flash crash with stub-quote prints"""
    tasks.happen(context.desk, _event(context, FLASH_CRASH, None, stub_prints=True))


@given("a flash crash on {symbol:Symbol} of {drop:Percent}")
@needs("control")
def step_a_flash_crash_of(context, symbol, drop):
    """A flash crash with its own depth, otherwise shaped like 6 May 2010 (13.5 minutes down, 23 back up). Example: Given a flash crash on ACME of 15%"""
    tasks.happen(context.desk, _event(context, FLASH_CRASH, symbol, drop_pct=float(drop)))


@given("a liquidity crisis")
@given("a liquidity crisis on {symbol:Symbol}")
@when("a liquidity crisis hits {symbol:Symbol}")
@needs("control")
def step_a_liquidity_crisis(context, symbol=None):
    """The book keeps 5% of its depth and the spread widens 20 times. Example: Given a liquidity crisis on ACME"""
    tasks.happen(context.desk, _event(context, LIQUIDITY_CRISIS, symbol))


@given("a volatility spike on {symbol:Symbol}")
@when("a volatility spike hits {symbol:Symbol}")
@needs("control")
def step_a_volatility_spike(context, symbol):
    """Volatility triples for 10 minutes. Example: Given a volatility spike on ACME"""
    tasks.happen(context.desk, _event(context, VOLATILITY_SPIKE, symbol))


@given("trading in {symbol:Symbol} is halted")
@when("trading in {symbol:Symbol} is halted")
@needs("control")
def step_trading_is_halted(context, symbol):
    """Halts trading in a symbol: new orders are refused. Example: Given trading in ACME is halted"""
    tasks.happen(context.desk, {"type": "halt", "symbol": symbol})


@when("trading in {symbol:Symbol} resumes")
@needs("control")
def step_trading_resumes(context, symbol):
    """Resumes trading in a halted symbol. Example: When trading in ACME resumes"""
    tasks.happen(context.desk, {"type": "resume", "symbol": symbol})


@given("{symbol:Symbol} gaps {direction:Direction} {pct:Percent}")
@when("{symbol:Symbol} gaps {direction:Direction} {pct:Percent}")
@needs("control")
def step_gaps(context, symbol, direction, pct):
    """The price jumps at once, with no trading in between. Example: When ACME gaps down 5%"""
    tasks.happen(context.desk, {"type": "gap", "symbol": symbol, "pct": float(direction * pct)})


# -- Then: what the market shows -------------------------------------------------------------------------------------

@then("the {symbol:Symbol} spread is {bound:Bound} {limit:Bps}")
@needs()
def step_spread_is(context, symbol, bound, limit):
    """Checks the quoted bid-ask spread in basis points of the mid. Example: Then the ACME spread is below 10 bps"""
    quote = questions.quote(context.desk, symbol)
    assert_that(quote.spread_bps, compares(f"the {symbol} spread", bound, limit, bps),
                f"bid {money(quote.bid)}, ask {money(quote.ask)}")


@then("the {symbol:Symbol} bid is below the ask")
@needs()
def step_bid_below_ask(context, symbol):
    """Checks the quote is not crossed or locked and shows size on both sides. Example: Then the ACME bid is below the ask"""
    quote = questions.quote(context.desk, symbol)
    assert_that(quote.bid, compares(f"the {symbol} bid", "below", quote.ask, money), f"ask {money(quote.ask)}")
    assert_that(min(quote.bid_size, quote.ask_size), compares("the smaller quoted size", "above", 0, shares))


@then("{symbol:Symbol} trades within {pct:Percent} of {price:Money}")
@needs("control")
def step_trades_within(context, symbol, pct, price):
    """Checks the mid price is near a price. Example: Then ACME trades within 1% of $50.00"""
    mid = questions.market(context.desk, symbol).mid
    distance = abs(mid - price) / price * 100
    assert_that(distance, compares(f"the distance of the {symbol} mid ({money(mid)}) from {money(price)}",
                                   "at most", pct, percent))


@then("{symbol:Symbol} has fallen by at least {pct:Percent}")
@needs("control")
def step_has_fallen(context, symbol, pct):
    """Checks how far the mid fell since the scene was set. Example: Then ACME has fallen by at least 4%"""
    desk = context.desk
    start, mid = desk.start_of(symbol)[0], questions.market(desk, symbol).mid
    fall = (start - mid) / start * 100
    assert_that(fall, compares(f"the fall of {symbol} from {money(start)} to {money(mid)}", "at least", pct, percent))


@then("{symbol:Symbol} has risen by at least {pct:Percent}")
@needs("control")
def step_has_risen(context, symbol, pct):
    """Checks how far the mid rose since the scene was set. Example: Then ACME has risen by at least 4%"""
    desk = context.desk
    start, mid = desk.start_of(symbol)[0], questions.market(desk, symbol).mid
    rise = (mid - start) / start * 100
    assert_that(rise, compares(f"the rise of {symbol} from {money(start)} to {money(mid)}", "at least", pct, percent))


@then("the {symbol:Symbol} order book shows at least {levels:Count} price levels on each side")
@needs()
def step_book_shows_levels(context, symbol, levels):
    """Checks the depth of the order book. Example: Then the ACME order book shows at least 5 price levels on each side"""
    book = context.desk.ready().broker.get_order_book(symbol, depth=levels)
    assert_that(min(len(book.bids), len(book.asks)),
                compares(f"the {symbol} price levels on the thinner side", "at least", levels))


@then("the {symbol:Symbol} order book lists the best prices first")
@needs()
def step_book_best_first(context, symbol):
    """Checks bids fall and asks rise away from the top of the book. Example: Then the ACME order book lists the best prices first"""
    book = context.desk.ready().broker.get_order_book(symbol, depth=10)
    bids, asks = [b.price for b in book.bids], [a.price for a in book.asks]
    ordered = bids == sorted(bids, reverse=True) and asks == sorted(asks) and (not bids or not asks or bids[0] < asks[0])
    assert_that(ordered, compares("the book being sorted best price first", "exactly", True),
                f"bids {[money(p) for p in bids]}, asks {[money(p) for p in asks]}")


@then("at most {qty:Shares} {symbol:Symbol} are offered")
@needs()
def step_at_most_offered(context, qty, symbol):
    """Checks the shares displayed on the ask side of the book. Example: Then at most 1,000 ACME are offered"""
    book = context.desk.ready().broker.get_order_book(symbol, depth=50)
    assert_that(sum(level.size for level in book.asks), compares(f"{symbol} shares offered", "at most", qty, shares))


@then("{symbol:Symbol} has at least {count:Count} one-minute bars")
@needs()
def step_has_bars(context, symbol, count):
    """Checks the one-minute bars of a symbol. Example: Then ACME has at least 5 one-minute bars"""
    bars = context.desk.ready().broker.get_bars(symbol, timeframe_seconds=60, limit=1000)
    assert_that(len(bars), compares(f"{symbol} one-minute bars", "at least", count))


@then("every {symbol:Symbol} bar's high and low contain its open and close")
@needs()
def step_bars_are_consistent(context, symbol):
    """Checks each bar: low <= open, close <= high, and volume is not negative. Example: Then every ACME bar's high and low contain its open and close"""
    bars = context.desk.ready().broker.get_bars(symbol, timeframe_seconds=60, limit=1000)
    broken = [b for b in bars if not (b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high)
              or b.volume < 0]
    assert_that(len(broken), compares("bars whose high and low do not contain open and close", "exactly", 0),
                "; ".join(f"o {b.open} h {b.high} l {b.low} c {b.close}" for b in broken[:3]))


@then("some {symbol:Symbol} trades printed at {price:Money}")
@needs("engine")
def step_trades_printed_at(context, symbol, price):
    """Checks the tape (the one-minute bars' highs and lows) shows trades at a price, such as a stub quote's. Example: Then some ACME trades printed at $0.01"""
    bars = context.desk.ready().broker.get_bars(symbol, timeframe_seconds=60, limit=1000)
    lows, highs = [b.low for b in bars], [b.high for b in bars]
    hits = sum(1 for low, high in zip(lows, highs) if price in (low, high))
    assert_that(hits, compares(f"{symbol} bars with a trade at {money(price)}", "at least", 1),
                f"lowest print {money(min(lows))}, highest {money(max(highs))}" if bars else "no bars")


@then("{symbol:Symbol} is halted")
@needs("control")
def step_is_halted(context, symbol):
    """Checks that trading in the symbol is halted. Example: Then ACME is halted"""
    state = questions.market(context.desk, symbol)
    assert_that(state.halted, compares(f"{symbol} being halted", "exactly", True))


@then("{symbol:Symbol} is trading")
@needs("control")
def step_is_trading(context, symbol):
    """Checks that trading in the symbol is not halted. Example: Then ACME is trading"""
    state = questions.market(context.desk, symbol)
    assert_that(state.halted, compares(f"{symbol} being halted", "exactly", False))


@then("{symbol:Symbol} is more volatile than at the start")
@needs("control")
def step_more_volatile(context, symbol):
    """Checks the symbol's volatility rose since the scene was set. Example: Then ACME is more volatile than at the start"""
    desk = context.desk
    start = desk.start_of(symbol)[1]
    now = questions.market(desk, symbol).volatility_pct
    assert_that(now, compares(f"{symbol} volatility (%)", "above", start))
