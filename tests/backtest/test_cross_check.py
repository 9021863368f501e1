"""The ideal mode against an independent engine: backtesting.py 0.6.6 on its own GOOG sample.

The same SMA crossover (close, then reverse with all the equity) runs in both; the ideal mode must reproduce
backtesting.py's trades -- entry and exit bars, entry and exit prices, sizes -- and its final equity within 0.1%,
with and without commission. backtesting.py runs with its defaults (``trade_on_close=False``,
``exclusive_orders=False``, ``hedging=False``, ``margin=1``, ``finalize_trades=False``): orders fill at the next
bar's open, ``buy()`` sizes to all the available equity in whole units, trades still open at the end are not
counted as trades (here: they are reported apart, as ``open_trades``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

backtesting = pytest.importorskip("backtesting", minversion="0.6.6")
from backtesting import Backtest as ReferenceBacktest  # noqa: E402
from backtesting.test import GOOG  # noqa: E402

from mockbroker.backtest import load_history, run_backtest  # noqa: E402
from mockbroker.backtest.peers import backtesting_py_sma_cross  # noqa: E402

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "market-data" / "GOOG.csv"
CASH = 10_000


SmaCross = backtesting_py_sma_cross()


def reference(commission: float, n1: int = 10, n2: int = 20):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "some trades remain open" is expected
        return ReferenceBacktest(GOOG, SmaCross, cash=CASH, commission=commission).run(n1=n1, n2=n2)


def test_the_fixture_is_backtesting_goog():
    ours = pd.read_csv(FIXTURE, index_col="Date", parse_dates=True)
    pd.testing.assert_frame_equal(ours, GOOG, check_names=False, check_freq=False)


@pytest.mark.parametrize("commission", [0.0, 0.002])
@pytest.mark.parametrize("fast,slow", [(10, 20), (5, 30)])
def test_ideal_mode_reproduces_backtesting_py(commission, fast, slow):
    stats = reference(commission, fast, slow)
    result = run_backtest("sma_crossover", FIXTURE, mode="ideal", cash=CASH, commission=commission,
                          parameters={"fast": fast, "slow": slow})
    expected = stats._trades
    assert len(result.trades) == len(expected), f"{len(result.trades)} trades, backtesting.py has {len(expected)}"
    mismatches = []
    for i, (ours, (_, theirs)) in enumerate(zip(result.trades, expected.iterrows())):
        mine = (ours.size, ours.entry_bar, ours.exit_bar, ours.entry_price, ours.exit_price)
        want = (int(theirs.Size), int(theirs.EntryBar), int(theirs.ExitBar), float(theirs.EntryPrice),
                float(theirs.ExitPrice))
        if mine != pytest.approx(want, abs=1e-9):
            mismatches.append(f"trade {i}: ours {mine}, backtesting.py {want}")
    assert not mismatches, "\n".join(mismatches[:10])
    final = stats["Equity Final [$]"]
    assert result.final_equity == pytest.approx(final, rel=1e-3), (result.final_equity, final)
    # the P&L of every closed trade (commissions included) and the equity curve agree as well
    assert [t.pnl for t in result.trades] == pytest.approx(list(expected.PnL), abs=1e-6)
    assert result.equity_curve == pytest.approx(list(stats._equity_curve.Equity), rel=1e-9)
    assert result.max_drawdown_pct == pytest.approx(stats["Max. Drawdown [%]"], abs=1e-6)
    assert result.win_rate_pct == pytest.approx(stats["Win Rate [%]"], abs=1e-9)
    assert result.return_pct == pytest.approx(stats["Return [%]"], rel=1e-9)


def test_the_position_left_open_at_the_end_matches_backtesting_py():
    stats = reference(0.0)
    result = run_backtest("sma_crossover", FIXTURE, cash=CASH)
    open_trades = stats._strategy._broker.trades
    assert [(t.size, t.entry_bar, t.entry_price) for t in result.open_trades] == \
        [(t.size, t.entry_bar, t.entry_price) for t in open_trades]


def test_the_ideal_mode_reads_the_dataframe_as_the_csv():
    from_frame = run_backtest("sma_crossover", GOOG, symbol="GOOG")
    from_csv = run_backtest("sma_crossover", load_history(FIXTURE))
    assert from_frame.to_dict() == from_csv.to_dict()
