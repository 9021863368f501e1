"""Named market scenarios, the venue's habits (rejections, extra slippage, fill chances, fees), and replaying a
scenario with its seed.

The named scenarios are those of the product spec: normal, volatile, trending, range, flash_crash, no_liquidity,
failure. Each scenario runs with its own seed, derived from the master seed and its place in the features.
"""

from behave import given, then  # noqa: F401

from mockbroker.config import FeeConfig
from mockbroker.seeds import derive_seed
from steps.support.capabilities import needs
from steps.support import questions, tasks
from steps.support.matchers import assert_that, compares
from steps.types import PARAMETER_TYPES  # noqa: F401 - importing steps.types registers the parameter types

SCENARIO_NAMES = ("normal", "volatile", "trending", "range", "flash_crash", "no_liquidity", "failure")


@given("a {kind:MarketKind} market")
@needs("control")
def step_a_named_market(context, kind):
    """Runs the named market scenario: normal (or calm), volatile, trending, range-bound (or sideways). Example: Given a volatile market"""
    context.desk.scene.use_scenario(kind)


@given('the "{name}" scenario')
@needs("control")
def step_the_named_scenario(context, name):
    """Runs a named scenario of the product spec by its name. Example: Given the "no_liquidity" scenario"""
    if name not in SCENARIO_NAMES:
        raise AssertionError(f'unknown scenario "{name}": the scenarios are {", ".join(SCENARIO_NAMES)}')
    context.desk.scene.use_scenario(name)


@given("the venue rejects {rate:Percent} of orders")
@needs("control")
def step_venue_rejects(context, rate):
    """Makes the venue reject a share of the orders that reach it, at random. Example: Given the venue rejects 100% of orders"""
    context.desk.scene.set_execution(rejection_rate=float(rate) / 100)


@given("every fill costs an extra {extra:Bps}")
@needs("control")
def step_every_fill_costs_extra(context, extra):
    """Adds adverse slippage to every fill. Example: Given every fill costs an extra 10 bps"""
    context.desk.scene.set_execution(slippage_bps=float(extra))


@given("resting orders fill {chance:Percent} of the time when the market only touches them")
@needs("control")
def step_touch_fill_chance(context, chance):
    """Sets the chance that a resting limit order fills when the market touches, without crossing, its price. Example: Given resting orders fill 0% of the time when the market only touches them"""
    context.desk.scene.set_execution(fill_probability=float(chance) / 100)


@given("each match fills at most {ratio:Percent} of what remains")
@needs("control")
def step_each_match_fills_at_most(context, ratio):
    """Splits orders into partial fills: one match fills at most this share of the rest. Example: Given each match fills at most 50% of what remains"""
    context.desk.scene.set_execution(partial_fill_ratio=float(ratio) / 100)


@given("a commission of {per_share:Money} per share")
@given("a commission of {per_share:Money} per share, at least {minimum:Money} per order")
@needs("control")
def step_a_commission(context, per_share, minimum=None):
    """Charges a fee per share filled, with an optional minimum per order. Example: Given a commission of $0.005 per share, at least $1.00 per order"""
    fees = FeeConfig(per_share=per_share, min_per_order=minimum if minimum is not None else 0)
    context.desk.scene.set_execution(fees=fees)


@then("replaying the scenario with the same seed gives the same {symbol:Symbol} prices")
@needs("control", "clock")
def step_replay_same_seed(context, symbol):
    """Covers the market only: sets the same market again (its model, settings and events, not the orders) with the same seed, lets the same time pass, and compares the one-minute bars (open, high, low, close); for orders and fills too, use "Then a rerun of the scenario with the same seed gives the same fills". Example: Then replaying the scenario with the same seed gives the same ACME prices"""
    desk = context.desk
    first = questions.bar_prices(desk, symbol)
    tasks.replay_market(desk, desk.seed)
    assert_that(questions.bar_prices(desk, symbol), compares(f"the {symbol} bars of the replay", "exactly", first, _bars))


@then("replaying the scenario with another seed gives other {symbol:Symbol} prices")
@needs("control", "clock")
def step_replay_other_seed(context, symbol):
    """Sets the same market again with a different seed and checks the one-minute bars differ. Example: Then replaying the scenario with another seed gives other ACME prices"""
    desk = context.desk
    first = questions.bar_prices(desk, symbol)
    tasks.replay_market(desk, derive_seed(desk.seed, "another"))
    differ = questions.bar_prices(desk, symbol) != first
    assert_that(differ, compares(f"the {symbol} bars differing with another seed", "exactly", True), _bars(first))


@then("a rerun of the scenario with the same seed gives the same fills")
@needs("control")
def step_rerun_same_fills(context):
    """Runs the scenario's Given and When steps again from the start, with the same seed, and checks that every account's fills (symbol, side, shares, price, fee, time) come out the same, one by one. Example: Then a rerun of the scenario with the same seed gives the same fills"""
    before = questions.every_fill(context.desk)
    _first, rerun = tasks.rerun_scenario(context)
    again = questions.every_fill(rerun)
    assert_that(len(before), compares("fills in the first run", "above", 0), "nothing to compare: no order filled")
    assert_that(again, compares("the fills of the rerun", "exactly", before, _fills))


def _fills(fills) -> str:
    shown = "; ".join(f"{a} {side} {q:,} {s} @ ${p} (fee ${fee}, t={t})" for a, s, side, q, p, fee, t in fills[:5])
    return f"{len(fills)} fills: {shown}" + (" ..." if len(fills) > 5 else "")


def _bars(bars) -> str:
    return f"{len(bars)} bars, closes " + ", ".join(str(b[3]) for b in bars[:5]) + (" ..." if len(bars) > 5 else "")
