"""Backtests: a strategy replayed over a symbol's history, with ideal fills or through the mock's execution, and
what is left of its return.

History comes from ``tests/fixtures/market-data/<SYMBOL>.csv`` (GOOG is backtesting.py's daily sample). The
realistic mode runs an in-process mock broker whatever the target, seeded with the scenario's seed; the ideal
mode is deterministic. Each run is kept, so a Then step can compare realistic execution with ideal execution of
the same strategy on the same history (the ideal run is made on demand).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import allure
from behave import given, then, when  # noqa: F401

from mockbroker.backtest import Backtest, BacktestResult, RealisticExecution, load_history
from steps.support.capabilities import needs
from steps.support.matchers import assert_that, compares
from steps.types import PARAMETER_TYPES  # noqa: F401 - importing steps.types registers the parameter types

HISTORY_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "market-data"
DEFAULT_CASH = Decimal("10000")
COST_TOLERANCE = 0.2
"""How closely the realistic shortfall must match the compounded cost of its slippage and fees (a fifth of it):
whole-share sizing and the different fill prices change later position sizes a little."""


@lru_cache(maxsize=8)
def _history(symbol: str):
    path = HISTORY_DIR / f"{symbol}.csv"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in HISTORY_DIR.glob("*.csv")))
        raise AssertionError(f"no {symbol} history: {path} is missing (histories: {known})")
    return load_history(path, symbol)


@dataclass
class BacktestDesk:
    """One scenario's backtest: the strategy and history chosen, and the runs made, by mode."""

    strategy: str
    parameters: dict
    symbol: str
    seed: int
    cash: Decimal = DEFAULT_CASH
    fees: object = None
    runs: dict[str, BacktestResult] = field(default_factory=dict)
    last: str | None = None

    @property
    def commission(self) -> float:
        """The commission rate of "Given a commission of N bps of the traded value" (the broker's fee setting)."""
        return float(getattr(self.fees, "bps", 0) or 0) / 10_000

    def run(self, mode: str) -> BacktestResult:
        if mode not in self.runs:
            backtest = Backtest(_history(self.symbol), self.strategy, mode=mode, cash=self.cash,
                                commission=self.commission, parameters=self.parameters,
                                realistic=replace(RealisticExecution(), seed=self.seed))
            self.runs[mode] = backtest.run()
        return self.runs[mode]

    @property
    def result(self) -> BacktestResult:
        if self.last is None:
            raise AssertionError("no backtest has run yet: add a step like 'When I run the backtest with ideal execution'")
        return self.runs[self.last]


def _desk(context) -> BacktestDesk:
    desk = getattr(context, "backtest", None)
    if desk is None:
        raise AssertionError('no strategy chosen: start with a step like Given the strategy "sma_crossover" on GOOG history')
    return desk


def _choose(context, name: str, symbol: str, parameters: dict) -> None:
    _history(symbol)
    context.backtest = BacktestDesk(name, parameters, symbol, seed=context.desk.seed,
                                    fees=context.desk.scene.execution.get("fees"))


@given('the strategy "{name}" on {symbol:Symbol} history')
@needs("engine")
def step_strategy_on_history(context, name, symbol):
    """Chooses a strategy, with its default parameters, and the history it runs over. Example: Given the strategy "sma_crossover" on GOOG history"""
    _choose(context, name, symbol, {})


@given('the strategy "{name}" with fast {fast:Count} and slow {slow:Count} on {symbol:Symbol} history')
@needs("engine")
def step_strategy_with_fast_and_slow(context, name, fast, slow, symbol):
    """Chooses a moving-average strategy with its fast and slow windows (in bars), and the history. Example: Given the strategy "sma_crossover" with fast 10 and slow 20 on GOOG history"""
    _choose(context, name, symbol, {"fast": fast, "slow": slow})


@given("the backtest starts with {cash:Money} cash")
@needs("engine")
def step_backtest_starts_with_cash(context, cash):
    """Sets the starting cash of the backtest (default $10,000). Example: Given the backtest starts with $100,000 cash"""
    _desk(context).cash = cash


@when("I run the backtest with {mode:BacktestMode} execution")
@needs("engine")
def step_run_backtest(context, mode):
    """Replays the history through the strategy: ideal execution fills at the next bar's open and pays nothing but commission; realistic execution goes through the mock's latency, book, slippage, impact and fees. Example: When I run the backtest with realistic execution"""
    desk = _desk(context)
    result = desk.run(mode)
    desk.last = mode
    allure.attach(result.summary_table(), name=f"backtest summary ({mode})", attachment_type=allure.attachment_type.TEXT)
    allure.attach(result.to_json(), name=f"backtest result ({mode}).json", attachment_type=allure.attachment_type.JSON)


@then("the backtest made {count:Count} trades")
@needs("engine")
def step_backtest_made_trades(context, count):
    """Checks the number of round trips closed during the backtest. Example: Then the backtest made 93 trades"""
    assert_that(_desk(context).result.trade_count, compares("closed trades", "exactly", count))


@then("the backtest's return is {bound:Bound} {limit:Percent}")
@needs("engine")
def step_backtest_return_is(context, bound, limit):
    """Checks the return over the whole history. Example: Then the backtest's return is above 700%"""
    result = _desk(context).result
    assert_that(Decimal(repr(round(result.return_pct, 4))), compares(f"the {result.mode} return", bound, limit,
                                                                     lambda v: f"{Decimal(v):.2f}%"))


@then("the backtest paid no fees and no slippage")
@needs("engine")
def step_backtest_paid_nothing(context):
    """Checks that execution cost nothing (ideal execution without commission). Example: Then the backtest paid no fees and no slippage"""
    result = _desk(context).result
    assert_that((result.fees, result.slippage), compares("fees and slippage paid", "exactly", (0.0, 0.0)))


@then("the return is lower than with ideal execution by the slippage and fees paid")
@needs("engine")
def step_return_lower_by_costs(context):
    """Runs the ideal backtest too and checks the shortfall: the realistic final equity is the ideal one less the compounded cost of the slippage and fees paid (within a fifth of that cost). Example: Then the return is lower than with ideal execution by the slippage and fees paid"""
    desk = _desk(context)
    real = desk.result
    ideal = desk.run("ideal")
    cost_paid = real.fees + real.slippage - ideal.fees - ideal.slippage
    assert_that(cost_paid > 0, compares("slippage and fees paid beyond ideal execution", "exactly", True),
                f"realistic paid ${real.fees:,.2f} fees and ${real.slippage:,.2f} slippage")
    assert_that(real.return_pct < ideal.return_pct,
                compares(f"realistic return {real.return_pct:.2f}% below ideal {ideal.return_pct:.2f}%", "exactly", True))
    # with all-in sizing, costs compound: final equity = ideal final x (1 - drag of realistic) / (1 - drag of ideal)
    expected = ideal.final_equity * (1 - real.cost_drag_pct / 100) / (1 - ideal.cost_drag_pct / 100)
    cost_effect = ideal.final_equity - expected
    miss = real.final_equity - expected
    detail = (f"ideal final equity ${ideal.final_equity:,.2f}, realistic ${real.final_equity:,.2f}; slippage "
              f"${real.slippage:,.2f} and fees ${real.fees:,.2f} compound to a drag of {real.cost_drag_pct:.2f}%, "
              f"so about ${expected:,.2f} was expected (missed by ${miss:,.2f}, "
              f"{abs(miss) / cost_effect:.0%} of the cost's effect ${cost_effect:,.2f})")
    allure.attach(detail, name="ideal vs realistic", attachment_type=allure.attachment_type.TEXT)
    assert_that(math.isfinite(miss) and abs(miss) <= COST_TOLERANCE * cost_effect,
                compares("shortfall explained by slippage and fees", "exactly", True), detail)


@then("the backtest's equity chart is attached")
@needs("engine")
def step_equity_chart_attached(context):
    """Draws the price with the trades, the equity (beside the ideal run's, when there is one) and the drawdown, and attaches the chart to the report. Example: Then the backtest's equity chart is attached"""
    import tempfile

    desk = _desk(context)
    result = desk.result
    compare = desk.runs.get("ideal") if result.mode != "ideal" else None
    with tempfile.TemporaryDirectory() as folder:
        path = result.save_chart(Path(folder) / "equity.png", compare=compare)
        png = path.read_bytes()
    assert_that(png[:8] == b"\x89PNG\r\n\x1a\n", compares("the chart is a PNG image", "exactly", True))
    allure.attach(png, name=f"{result.strategy} on {result.symbol} ({result.mode})",
                  attachment_type=allure.attachment_type.PNG)
