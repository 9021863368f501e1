"""Accounts: who trades, with how much cash, holding what; and balances, positions and P&L afterwards.

Without an account in the scene the broker has "default" with $100,000, and "I" is that account; with exactly
one account set up, "I" is that one. Opening positions are granted with the account, at the symbol's starting
price and without a trade, so the account's cash is exactly what the feature says.
"""

from decimal import Decimal

from behave import given, then  # noqa: F401

from steps.support.capabilities import needs
from steps.support import questions, waiting
from steps.support.matchers import assert_that, compares, money, shares
from steps.support.tables import (ACCOUNTS_TABLE, HOLDINGS_EXACTLY_TABLE, POSITIONS_TABLE, account as account_cell,
                                  cell, money as money_cell, rows, shares as shares_cell, symbol as symbol_cell,
                                  takes_table, yes_no)
from steps.types import check_share_word  # importing steps.types registers the parameter types


# -- Given: the accounts ------------------------------------------------------------------------------------------

@given('the account "{name}" with {cash:Money} cash')
@given('an account "{name}" with {cash:Money} cash')
@needs("control")
def step_account_with_cash(context, name, cash):
    """Opens an account with cash. Example: Given the account "alice" with $1,000,000 cash"""
    context.desk.scene.add_account(name, cash=cash)


@given("these accounts")
@given("these accounts:")
@takes_table(ACCOUNTS_TABLE)
@needs("control")
def step_these_accounts(context):
    """Opens each account of the table, with its cash, and whether it may sell short. Example: Given these accounts:"""
    for row in rows(context.table, ACCOUNTS_TABLE.required, ACCOUNTS_TABLE.optional):
        context.desk.scene.add_account(cell(row, "account", account_cell), cash=cell(row, "cash", money_cell),
                                       shorting=cell(row, "short selling", yes_no))


@given('the account "{name}"')
@needs()
def step_the_account(context, name):
    """Names an account the scenario trades from, as it is: on a mock it opens with $100,000; through a broker adapter it is the adapter's first account (the next one named, its second). Example: Given the account "alice\""""
    context.desk.scene.add_account(name)


@given('the accounts "{first}" and "{second}"')
@needs("two-accounts")
def step_two_accounts(context, first, second):
    """Names two separate accounts, as they are (a broker adapter's first and second). Example: Given the accounts "alice" and "bob\""""
    if first == second:
        raise AssertionError(f'two accounts need two names: write Given the accounts "{first}" and "bob"')
    context.desk.scene.add_account(first)
    context.desk.scene.add_account(second)


@given('the account "{name}" may not sell short')
@needs("control")
def step_account_may_not_sell_short(context, name):
    """Forbids short selling for the account. Example: Given the account "carol" may not sell short"""
    context.desk.scene.add_account(name, shorting=False)


@given("{actor:Actor} holds {qty:Shares} {symbol:Symbol}")
@given("{actor:Actor} hold {qty:Shares} {symbol:Symbol}")
@needs("control")
def step_holds_at_start(context, actor, qty, symbol):
    """Starts the account with a long position at the symbol's starting price (granted, not bought: cash is unchanged). Example: Given alice holds 500 ACME"""
    context.desk.scene.open_position(actor, symbol, qty)


@given("{actor:Actor} is short {qty:Shares} {symbol:Symbol}")
@given("{actor:Actor} am short {qty:Shares} {symbol:Symbol}")
@needs("control")
def step_is_short_at_start(context, actor, qty, symbol):
    """Starts the account with a short position at the symbol's starting price (granted, not sold: cash is unchanged). Example: Given bob is short 200 ACME"""
    context.desk.scene.open_position(actor, symbol, -qty)


@given("these positions")
@given("these positions:")
@takes_table(POSITIONS_TABLE)
@needs("control")
def step_these_positions(context):
    """Starts accounts with positions, granted at each symbol's starting price without a trade (negative shares: short). Example: Given these positions:"""
    scene = context.desk.scene
    for row in rows(context.table, POSITIONS_TABLE.required):
        scene.open_position(cell(row, "account", account_cell), cell(row, "symbol", symbol_cell),
                            cell(row, "shares", shares_cell))


# -- Then: balances and positions ---------------------------------------------------------------------------------

@then("{actor:Actor} has {cash:Money} cash")
@then("{actor:Actor} have {cash:Money} cash")
@needs()
def step_has_cash(context, actor, cash):
    """Checks the account's cash to the cent. Example: Then alice has $100,000.00 cash"""
    account = questions.balances(context.desk, actor)
    assert_that(account.cash, compares(f"{account.id}'s cash", "exactly", cash, money))


@then("{actor:Owner} cash reconciles with the fills")
@needs()
def step_cash_reconciles(context, actor):
    """Checks cash = cash at the start - cost of the buys + proceeds of the sells - fees, to the cent. Example: Then alice's cash reconciles with the fills"""
    account, expected, working = questions.cash_expected_from_fills(context.desk, actor)
    assert_that(account.cash, compares(f"{account.id}'s cash", "exactly", expected, money), working)


@then("{actor:Owner} cash fell by the cost of {whose:Possessive} fills")
@needs()
def step_cash_fell_by_cost(context, actor, whose):
    """Checks that the account's cash fell, since the start, by exactly what its fills cost: buys' price x shares, less sells' proceeds, plus fees. Example: Then alice's cash fell by the cost of her fills"""
    account, change, working = questions.cash_change_and_fill_flow(context.desk, actor, whose)
    assert_that(-change.actual, compares(f"the fall in {account.id}'s cash", "exactly", -change.expected, money),
                working)
    assert_that(-change.actual, compares(f"the fall in {account.id}'s cash", "above", Decimal(0), money), working)


@then("{actor:Owner} cash rose by the proceeds of {whose:Possessive} fills")
@needs()
def step_cash_rose_by_proceeds(context, actor, whose):
    """Checks that the account's cash rose, since the start, by exactly what its fills brought in: sells' price x shares, less buys' cost, less fees. Example: Then bob's cash rose by the proceeds of his fills"""
    account, change, working = questions.cash_change_and_fill_flow(context.desk, actor, whose)
    assert_that(change.actual, compares(f"the rise in {account.id}'s cash", "exactly", change.expected, money),
                working)
    assert_that(change.actual, compares(f"the rise in {account.id}'s cash", "above", Decimal(0), money), working)


@then("{actor:Owner} buying power is {bound:Bound} {amount:Money}")
@needs()
def step_buying_power_is(context, actor, bound, amount):
    """Checks the account's buying power against an amount. Example: Then alice's buying power is below $95,100.00"""
    account = questions.balances(context.desk, actor)
    assert_that(account.buying_power, compares(f"{account.id}'s buying power", bound, amount, money),
                f"cash is {money(account.cash)}")


@then("{actor:Owner} buying power has dropped by at least {amount:Money}")
@needs()
def step_buying_power_dropped(context, actor, amount):
    """Checks how much buying power open orders and trades took since the start. Example: Then alice's buying power has dropped by at least $4,900.00"""
    desk = context.desk
    account = questions.balances(desk, actor)
    drop = desk.start_buying_power[account.id] - account.buying_power
    assert_that(drop, compares(f"the drop in {account.id}'s buying power", "at least", amount, money),
                f"buying power went from {money(desk.start_buying_power[account.id])} to {money(account.buying_power)}")


@then("{actor:Owner} cash is unchanged")
@needs()
def step_cash_is_unchanged(context, actor):
    """Checks that the account's cash is what it was when the scene was set. Example: Then alice's cash is unchanged"""
    desk = context.desk
    account = questions.balances(desk, actor)
    assert_that(account.cash, compares(f"{account.id}'s cash", "exactly", desk.start_cash[account.id], money))


@then("{actor:Actor} holds {qty:Shares} {symbol:Symbol}")
@then("{actor:Actor} hold {qty:Shares} {symbol:Symbol}")
@needs()
def step_holds(context, actor, qty, symbol):
    """Checks the account's long position. Example: Then alice holds 100 ACME"""
    held = questions.shares_held(context.desk, actor, symbol, until=lambda h: h == qty)
    assert_that(held, compares(f"{symbol} shares held", "exactly", qty, shares), waiting.note(context.desk))


@then("{actor:Actor} is short {qty:Shares} {symbol:Symbol}")
@then("{actor:Actor} am short {qty:Shares} {symbol:Symbol}")
@needs()
def step_is_short(context, actor, qty, symbol):
    """Checks the account's short position. Example: Then bob is short 200 ACME"""
    held = questions.shares_held(context.desk, actor, symbol, until=lambda h: h == -qty)
    assert_that(held, compares(f"{symbol} shares held (negative = short)", "exactly", -qty, shares),
                waiting.note(context.desk))


@then("{actor:Actor} has no {symbol:Symbol} position")
@then("{actor:Actor} have no {symbol:Symbol} position")
@needs()
def step_has_no_position(context, actor, symbol):
    """Checks that the account is flat in the symbol. Example: Then alice has no ACME position"""
    held = questions.shares_held(context.desk, actor, symbol, until=lambda h: h == 0)
    assert_that(held, compares(f"{symbol} shares held", "exactly", 0, shares), waiting.note(context.desk))


@then("{actor:Actor} holds exactly these positions")
@then("{actor:Actor} hold exactly these positions")
@then("{actor:Actor} holds exactly these positions:")
@then("{actor:Actor} hold exactly these positions:")
@takes_table(HOLDINGS_EXACTLY_TABLE)
@needs()
def step_holds_exactly(context, actor):
    """Checks all of the account's positions, no more, no fewer. Example: Then alice holds exactly these positions:"""
    expected = {cell(row, "symbol", symbol_cell): cell(row, "shares", shares_cell)
                for row in rows(context.table, HOLDINGS_EXACTLY_TABLE.required)}
    actual = questions.holdings(context.desk, actor, until=lambda held: held == expected)
    assert_that(actual, compares("the positions", "exactly", expected, _positions), waiting.note(context.desk))


@then("{actor:Actor} has realized a {outcome:Outcome}")
@then("{actor:Actor} have realized a {outcome:Outcome}")
@needs()
def step_has_realized(context, actor, outcome):
    """Checks the sign of the account's realized P&L. Example: Then alice has realized a profit"""
    account = questions.balances(context.desk, actor)
    bound = "above" if outcome == "profit" else "below"
    assert_that(account.realized_pl, compares(f"{account.id}'s realized P&L", bound, Decimal(0), money))


@then("{actor:Actor} has an unrealized {outcome:Outcome}")
@then("{actor:Actor} have an unrealized {outcome:Outcome}")
@needs()
def step_has_unrealized(context, actor, outcome):
    """Checks the sign of the account's unrealized P&L. Example: Then bob has an unrealized loss"""
    account = questions.balances(context.desk, actor)
    bound = "above" if outcome == "profit" else "below"
    assert_that(account.unrealized_pl, compares(f"{account.id}'s unrealized P&L", bound, Decimal(0), money))


@then("{actor:Actor} has paid {amount:Money} in fees")
@then("{actor:Actor} have paid {amount:Money} in fees")
@needs()
def step_has_paid_fees(context, actor, amount):
    """Checks the fees the account has paid since it opened. Example: Then alice has paid $1.00 in fees"""
    account = questions.balances(context.desk, actor)
    assert_that(account.fees_paid, compares(f"{account.id}'s fees", "exactly", amount, money))


@then("{actor:Owner} equity is within {tolerance:Money} of {amount:Money}")
@needs()
def step_equity_within(context, actor, tolerance, amount):
    """Checks equity (cash + market value of positions) is near an amount. Example: Then alice's equity is within $500.00 of $1,000,000.00"""
    account = questions.balances(context.desk, actor)
    assert_that(abs(account.equity - amount), compares(f"the distance of {account.id}'s equity "
                                                       f"({money(account.equity)}) from {money(amount)}",
                                                       "at most", tolerance, money))


@then("{actor:Owner} account shows its cash, buying power and equity as amounts of money")
@needs()
def step_account_shows_money(context, actor):
    """Checks the account's balances are amounts of money (exact decimals, no NaN), buying power and equity not negative, and the account has an id. Example: Then alice's account shows its cash, buying power and equity as amounts of money"""
    account = questions.balances(context.desk, actor)
    assert_that(bool(account.id), compares("the account having an id", "exactly", True), repr(account.id))
    for name in ("cash", "buying_power", "equity", "long_market_value", "short_market_value"):
        value = getattr(account, name)
        words = name.replace("_", " ")
        assert_that(isinstance(value, Decimal) and value.is_finite(),
                    compares(f"{account.id}'s {words} being an exact amount", "exactly", True), repr(value))
    assert_that(account.buying_power, compares(f"{account.id}'s buying power", "at least", Decimal(0), money))
    assert_that(account.equity, compares(f"{account.id}'s equity", "at least", Decimal(0), money))


@then("{actor:Owner} equity is the cash plus the market value of the positions")
@needs()
def step_equity_adds_up(context, actor):
    """Checks equity = cash + the market value of long positions + that of short ones (negative), to the cent for each. Example: Then alice's equity is the cash plus the market value of the positions"""
    desk = context.desk
    account = questions.balances(desk, actor)
    positions = desk.broker.list_positions(account=account.id)
    total = account.cash + account.long_market_value + account.short_market_value
    tolerance = Decimal("0.01") * (len(positions) + 1)
    assert_that(abs(account.equity - total), compares(f"the distance of {account.id}'s equity "
                                                      f"({money(account.equity)}) from cash plus market value",
                                                      "at most", tolerance, money),
                f"cash {money(account.cash)}, long {money(account.long_market_value)}, short "
                f"{money(account.short_market_value)}, {len(positions)} positions")


@then("{actor:Owner} position has grown by {qty:Shares} {unit:ShareUnit}")
@needs()
def step_position_grew_by(context, actor, qty, unit):
    """Checks the account holds that many more shares of the scenario's symbol than when the scenario started (whatever it held before). Example: Then alice's position has grown by 1 share"""
    desk = context.desk
    check_share_word(qty, unit)
    symbol, start = _start_shares(desk, actor)
    held = questions.shares_held(desk, actor, symbol, until=lambda h: h - start == qty)
    assert_that(held - start, compares(f"the growth of the {symbol} position", "exactly", qty, shares),
                f"{shares(start)} at the start, {shares(held)} now" + waiting.note(desk))


@then("{actor:Owner} position is back where it started")
@needs()
def step_position_back_to_start(context, actor):
    """Checks the account holds exactly the shares of the scenario's symbol it held when the scenario started. Example: Then alice's position is back where it started"""
    desk = context.desk
    symbol, start = _start_shares(desk, actor)
    held = questions.shares_held(desk, actor, symbol, until=lambda h: h == start)
    assert_that(held, compares(f"{symbol} shares held", "exactly", start, shares),
                f"{shares(start)} at the start" + waiting.note(desk))


@then("{actor:Owner} position shows its shares, average entry price and market value")
@needs()
def step_position_shows_fields(context, actor):
    """Checks the position in the scenario's symbol: whole shares, an average entry price above $0, a cost basis of shares x average entry price and a market value of the same sign, to the cent. Example: Then alice's position shows its shares, average entry price and market value"""
    desk = context.desk.ready()
    account = desk.account_of(actor)
    position = desk.broker.get_position(desk.symbol(), account=account)
    described = (f"{shares(position.qty)} {position.symbol} at an average {money(position.avg_entry_price)}, "
                 f"cost basis {money(position.cost_basis)}, market value {money(position.market_value)}")
    assert_that(position.qty != 0, compares("the position holding shares", "exactly", True), described)
    assert_that(position.avg_entry_price, compares("the average entry price", "above", Decimal(0), money), described)
    assert_that(abs(position.cost_basis - position.qty * position.avg_entry_price),
                compares("the distance of the cost basis from shares x average entry price", "at most",
                         Decimal("0.01"), money), described)
    assert_that((position.market_value > 0) == (position.qty > 0),
                compares("the market value having the sign of the shares", "exactly", True), described)


def _start_shares(desk, actor) -> tuple[str, int]:
    """The scenario's symbol and what the account held of it when the scenario started."""
    desk.ready()
    account, symbol = desk.account_of(actor), desk.symbol()
    if (account, symbol) not in desk.start_shares:  # a mock: the scene granted it
        desk.start_shares[(account, symbol)] = sum(
            o.shares for o in desk.scene.openings if desk.account_of(o.account) == account and o.symbol == symbol)
    return symbol, desk.start_shares[(account, symbol)]


def _positions(held) -> str:
    return ", ".join(f"{shares(q)} {s}" for s, q in sorted(held.items())) or "no positions"

