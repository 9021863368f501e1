"""The backtest runner's own rules: history loading, the ideal broker, the realistic mode, results, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from mockbroker.backtest import (Backtest, HistoryError, IdealBroker, RealisticExecution, load_history, load_strategy,
                                 run_backtest)
from mockbroker.backtest.results import statistics, trades_from_fills
from mockbroker.domain import Bar, OrderRequest, OrderStatus, OrderType, Side
from mockbroker.errors import InsufficientFunds, InvalidOrder, PositionNotFound
from mockbroker.interface import Broker

ROOT = Path(__file__).resolve().parents[2]
GOOG = ROOT / "tests" / "fixtures" / "market-data" / "GOOG.csv"


@pytest.fixture(scope="module")
def goog():
    return load_history(GOOG)


@pytest.fixture(scope="module")
def short_goog(goog):
    frame = pd.read_csv(GOOG).iloc[:400]
    return load_history(frame, "GOOG")


def bar(o, h, l, c, i=0):
    return Bar("ACME", i * 86_400 * 10**9, Decimal(str(o)), Decimal(str(h)), Decimal(str(l)), Decimal(str(c)), 1000)


# --- history ------------------------------------------------------------------------------------------------------

def test_history_reads_the_csv(goog):
    assert (goog.symbol, len(goog)) == ("GOOG", 2148)
    assert goog.bars[1].open == Decimal("101.01") and goog.bars[0].volume == 22351900
    assert goog.periods_per_year == 252.0
    assert 1.5 < goog.daily_volatility_pct < 3.5


def test_minute_bars_give_a_day_of_volatility_and_volume():
    """Variance adds up over a day's 390 minute bars: a random walk made with 1.5 % a day reads as 1.5 % a day (the
    cent grid adds a little), not 390 times less; the mock's daily volume is 390 median bars."""
    from mockbroker.backtest.data import random_minute_history

    minutes = random_minute_history(39_000, volatility_pct=1.5)
    assert minutes.bars_per_day == pytest.approx(390)
    assert 1.4 < minutes.daily_volatility_pct < 1.7


@pytest.mark.parametrize("frame, problem", [
    (pd.DataFrame({"date": ["2024-01-01"], "open": [1.0], "high": [2.0], "low": [0.5]}), "missing column"),
    (pd.DataFrame({"open": [1.0], "high": [2.0], "low": [0.5], "close": [1.5]}), "no time column"),
    (pd.DataFrame({"date": ["2024-01-02", "2024-01-01"], "open": [1.0, 1], "high": [2.0, 2], "low": [0.5, .5],
                   "close": [1.5, 1.5]}), "times must increase"),
    (pd.DataFrame({"date": ["2024-01-01"], "open": [3.0], "high": [2.0], "low": [0.5], "close": [1.5]}),
     "do not contain"),
    (pd.DataFrame({"date": ["2024-01-01"], "open": [-1.0], "high": [2.0], "low": [-2], "close": [1.5]}), "positive"),
])
def test_history_refuses_bad_data(frame, problem):
    with pytest.raises(HistoryError, match=problem):
        load_history(frame)


# --- the ideal broker ---------------------------------------------------------------------------------------------

def test_the_ideal_broker_is_a_broker():
    assert isinstance(IdealBroker("ACME"), Broker)


def test_a_market_order_fills_at_the_open_with_commission():
    broker = IdealBroker("ACME", cash=10_000, commission=0.001)
    broker.open_bar(bar(100, 110, 90, 105))
    order = broker.submit_order(OrderRequest("ACME", 50, Side.BUY))
    assert (order.status, order.filled_avg_price, order.fees) == (OrderStatus.FILLED, Decimal("100"), Decimal("5.000"))
    broker.close_bar(bar(100, 110, 90, 105))
    account = broker.get_account()
    assert account.cash == Decimal("4995.000") and account.equity == Decimal("10245.000")
    assert broker.get_position("ACME").unrealized_pl == Decimal("250")


def test_an_order_that_does_not_fit_is_refused_before_anything_changes():
    broker = IdealBroker("ACME", cash=10_000, commission=0.01)
    broker.open_bar(bar(100, 110, 90, 105))
    with pytest.raises(InsufficientFunds) as refusal:
        broker.submit_order(OrderRequest("ACME", 100, Side.SELL))
    assert Decimal(refusal.value.details["needed"]) == Decimal("10100.00")
    assert Decimal(refusal.value.details["available"]) == Decimal("10000")
    assert broker.list_orders(status="all") == [] and broker.get_account().cash == Decimal("10000")


def test_closing_needs_no_room_and_reversing_needs_room_for_the_new_side():
    broker = IdealBroker("ACME", cash=10_000)
    broker.open_bar(bar(100, 110, 90, 105))
    broker.submit_order(OrderRequest("ACME", 100, Side.BUY))
    broker.close_bar(bar(100, 110, 90, 105))
    broker.open_bar(bar(50, 60, 40, 55, 1))
    with pytest.raises(InsufficientFunds):
        broker.submit_order(OrderRequest("ACME", 201, Side.SELL))  # close 100, then short 101 x $50 > $5,000 left
    broker.submit_order(OrderRequest("ACME", 200, Side.SELL))  # close 100, short 100 x $50 = the $5,000 left
    assert broker.get_position("ACME").qty == -100 and broker.get_account().realized_pl == Decimal("-5000")


def test_resting_limit_and_stop_orders_meet_the_bar_range():
    broker = IdealBroker("ACME", cash=100_000)
    broker.open_bar(bar(100, 101, 99, 100))
    limit = broker.submit_order(OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, limit_price=Decimal("95")))
    stop = broker.submit_order(OrderRequest("ACME", 10, Side.BUY, OrderType.STOP, stop_price=Decimal("104")))
    broker.close_bar(bar(100, 101, 99, 100))
    assert broker.get_order(limit.id).status is OrderStatus.NEW
    broker.open_bar(bar(98, 105, 94, 97, 1))
    broker.close_bar(bar(98, 105, 94, 97, 1))
    assert broker.get_order(limit.id).filled_avg_price == Decimal("95")
    assert broker.get_order(stop.id).filled_avg_price == Decimal("104")
    broker.open_bar(bar(90, 91, 89, 90, 2))
    at_open = broker.submit_order(OrderRequest("ACME", 1, Side.BUY, OrderType.LIMIT, limit_price=Decimal("95")))
    assert at_open.filled_avg_price == Decimal("90")  # better than the limit: the open


def test_the_ideal_broker_refuses_what_it_cannot_model():
    broker = IdealBroker("ACME")
    broker.open_bar(bar(100, 101, 99, 100))
    with pytest.raises(InvalidOrder):
        broker.submit_order(OrderRequest("ACME", 1, Side.BUY, OrderType.STOP_LIMIT, limit_price=Decimal("1"),
                                         stop_price=Decimal("1")))
    with pytest.raises(PositionNotFound):
        broker.close_position("ACME")


# --- results ------------------------------------------------------------------------------------------------------

def test_trades_are_first_in_first_out_and_covers_in_parts_are_one_trade():
    from mockbroker.domain import Fill

    def fill(side, qty, price, fee="0"):
        return Fill("f", "o", "a", "ACME", side, qty, Decimal(price), Decimal(fee), 0, Decimal(price), Decimal(0))

    times = [i * 86_400 * 10**9 for i in range(5)]
    closed, still_open = trades_from_fills([(0, fill(Side.SELL, 10, "100", "1")), (2, fill(Side.BUY, 6, "90", "1")),
                                            (2, fill(Side.BUY, 4, "95", "1")), (2, fill(Side.BUY, 5, "95")),
                                            (3, fill(Side.SELL, 2, "99"))], times, last_price=101)
    assert len(closed) == 2
    cover = closed[0]
    assert (cover.size, cover.entry_bar, cover.exit_bar, cover.exit_price) == (-10, 0, 2, pytest.approx(92))
    assert cover.pnl == pytest.approx(-10 * (92 - 100) - 1 - 1 - 1)
    assert (closed[1].size, closed[1].pnl) == (2, pytest.approx(8))
    assert [(t.size, t.entry_bar, t.exit_bar) for t in still_open] == [(3, 2, None)]


def test_statistics_of_a_known_curve():
    stats = statistics([100, 110, 99, 121], [1, 1, 1, 2], [], [], 252)
    assert stats["return_pct"] == pytest.approx(21)
    assert stats["max_drawdown_pct"] == pytest.approx(-10)
    assert stats["buy_and_hold_return_pct"] == pytest.approx(100)


def test_results_as_json_and_chart(short_goog, tmp_path):
    result = run_backtest("sma_crossover", short_goog)
    data = json.loads(result.save_json(tmp_path / "r.json").read_text())
    assert data["trade_count"] == len(data["trades"]) == result.trade_count > 0
    assert len(data["equity_curve"]) == 400 and data["equity_curve"][0]["time"].startswith("2004-08-19")
    png = result.save_chart(tmp_path / "r.png").read_bytes()
    assert png[:4] == b"\x89PNG"
    assert "Sharpe ratio" in result.summary_table()


# --- realistic mode -----------------------------------------------------------------------------------------------

def test_realistic_mode_is_deterministic_for_a_seed(short_goog):
    first = run_backtest("sma_crossover", short_goog, mode="realistic")
    again = run_backtest("sma_crossover", short_goog, mode="realistic")
    other = run_backtest("sma_crossover", short_goog, mode="realistic",
                         realistic=RealisticExecution(seed=7))
    assert first.to_dict() == again.to_dict()
    # the price holds still while orders travel, so other latency draws change when orders fill, not at what price
    assert first.equity_curve == other.equity_curve


def test_realistic_mode_trades_when_ideal_does_and_pays_for_it(short_goog):
    ideal = run_backtest("sma_crossover", short_goog)
    real = run_backtest("sma_crossover", short_goog, mode="realistic")
    assert [(t.entry_bar, t.exit_bar, t.size > 0) for t in real.trades] == \
        [(t.entry_bar, t.exit_bar, t.size > 0) for t in ideal.trades]
    assert real.fees > 0 and real.slippage > 0 and real.final_equity < ideal.final_equity
    for t_real, t_ideal in zip(real.trades, ideal.trades):  # longs pay up, shorts get less: never better than the open
        sign = 1 if t_real.size > 0 else -1
        assert sign * (t_real.entry_price - t_ideal.entry_price) > 0


@pytest.mark.parametrize("cash", [10_000, 2_000_000])
def test_the_realistic_shortfall_is_the_compounded_cost(goog, cash):
    ideal = run_backtest("sma_crossover", goog, cash=cash)
    real = run_backtest("sma_crossover", goog, cash=cash, mode="realistic")
    expected = ideal.final_equity * (1 - real.cost_drag_pct / 100)
    assert abs(real.final_equity - expected) <= 0.2 * (ideal.final_equity - expected)


def test_a_commission_is_charged_as_fees_in_realistic_mode(short_goog):
    plain = run_backtest("sma_crossover", short_goog, mode="realistic")
    charged = run_backtest("sma_crossover", short_goog, mode="realistic", commission=0.002)
    assert charged.fees > plain.fees + 0.001 * sum(abs(t.size) * t.entry_price for t in charged.trades)


# --- strategies and options ---------------------------------------------------------------------------------------

def test_strategies_load_by_name_path_class_or_instance():
    from mockbroker.backtest.strategies import SmaCrossover

    assert load_strategy("sma_crossover", fast=3, slow=5).parameters == {"fast": 3, "slow": 5}
    assert isinstance(load_strategy("mockbroker.backtest.strategies:SmaCrossover"), SmaCrossover)
    assert isinstance(load_strategy(SmaCrossover), SmaCrossover)
    instance = SmaCrossover()
    assert load_strategy(instance) is instance
    for bad in ("nope", "no.such.module:Thing"):
        with pytest.raises(ValueError):
            load_strategy(bad)
    with pytest.raises(ValueError):
        SmaCrossover(fast=20, slow=10)


def test_bad_options_are_refused(short_goog):
    for options in ({"mode": "dreamy"}, {"commission": 0.5}, {"cash": 0}):
        with pytest.raises(ValueError):
            Backtest(short_goog, "sma_crossover", **options)


def test_the_cli_prints_a_summary_and_writes_json_and_chart(tmp_path):
    out, chart = tmp_path / "r.json", tmp_path / "r.png"
    run = subprocess.run([sys.executable, "-m", "mockbroker", "backtest", "--strategy", "sma_crossover", "--data",
                          str(GOOG), "--mode", "realistic", "--compare", "--param", "fast=10", "--param", "slow=20",
                          "--out", str(out), "--chart", str(chart)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Final equity [$]" in run.stdout and "realistic" in run.stdout and "81,812.37" in run.stdout
    assert json.loads(out.read_text())["mode"] == "realistic"
    assert chart.read_bytes()[:4] == b"\x89PNG"


def test_the_cli_explains_bad_data(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,open,high\n2024-01-01,1,2\n")
    run = subprocess.run([sys.executable, "-m", "mockbroker", "backtest", "--strategy", "sma_crossover", "--data",
                          str(bad)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "missing column" in run.stderr
