"""Backtesting: run a strategy over history through a broker, with ideal or realistic execution.

    from mockbroker.backtest import run_backtest
    result = run_backtest("sma_crossover", "GOOG.csv", mode="realistic", parameters={"fast": 10, "slow": 20})
    print(result.summary_table()); result.save_chart("goog.png"); result.save_json("goog.json")

See ``runner`` for the timeline and the modes, ``results`` for the definitions of the statistics, ``strategies``
for the strategy API (``on_bar(bar, broker)`` through the ordinary ``Broker`` contract), and docs/backtesting.md.
"""

from .data import History, HistoryError, load_history
from .ideal import IdealBroker
from .live import run_live
from .results import BacktestResult, TradeRecord
from .runner import MODES, Backtest, RealisticExecution, run_backtest
from .strategies import STRATEGIES, SmaCrossover, Strategy, enter_all_in, load_strategy

__all__ = ["Backtest", "BacktestResult", "History", "HistoryError", "IdealBroker", "MODES", "RealisticExecution",
           "STRATEGIES", "SmaCrossover", "Strategy", "TradeRecord", "enter_all_in", "load_history", "load_strategy",
           "run_backtest", "run_live"]
