"""Backtest speed: bars per second for the SMA crossover on GOOG, through our runner and through backtesting.py,
in the same process and run; optionally a realistic run over synthetic minute bars (a million: issue 18).

Usage: .venv/bin/python bench/backtest_speed.py [--repeat R] [--data FILE.csv] [--minute-bars N]

What is timed (best of R rounds, wall clock, each run from the same in-memory data; each round runs every engine
once, one after the other, so a busy machine slows them alike):
- backtesting.py 0.6.6: ``Backtest(GOOG, SmaCross, cash=10_000).run()`` -- construction and run, since its
  construction prepares the data; its ``SmaCross`` closes and reverses with all the equity.
- mockbroker ideal: ``run_backtest("sma_crossover", history, mode="ideal")`` -- strategy set-up, the replay, trades
  and statistics; ``history`` is loaded once beforehand (as backtesting.py's DataFrame is).
- mockbroker realistic: the same through a ``MockBroker`` (latency, book, slippage, impact, fees): the broker's
  construction, the replay, trades and statistics.
Printed: bars/s = bars / seconds; our ideal and our realistic speed as multiples of backtesting.py's ideal run
(target: >= 1.0 for both); the realistic run's fills and their SHA-256 (``BacktestResult.fills_sha256``, pinned by
tests/backtest/test_backtest_speed_results.py). ``--minute-bars N``: also a realistic run over N synthetic minute
bars (``random_minute_history``, seed 2109; generating and loading them is timed apart; SMA 50/200, $1,000,000),
its time and bars/s.
Not a pass/fail test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mockbroker.backtest import load_history, run_backtest  # noqa: E402

DEFAULT_DATA = ROOT / "tests" / "fixtures" / "market-data" / "GOOG.csv"


def best_of(repeat: int, runs: dict) -> dict:
    """{name: (best seconds, last result)}, the engines taking turns in each round."""
    best = {name: (float("inf"), None) for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            result = run()
            seconds = time.perf_counter() - start
            best[name] = (min(best[name][0], seconds), result)
    return best


def reference_runner(frame):
    from backtesting import Backtest

    from mockbroker.backtest.peers import backtesting_py_sma_cross

    SmaCross = backtesting_py_sma_cross()

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Backtest(frame, SmaCross, cash=10_000).run()

    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--minute-bars", type=int, default=0,
                        help="also run the realistic mode over this many synthetic minute bars (e.g. 1000000)")
    args = parser.parse_args(argv)

    import pandas as pd

    history = load_history(args.data)
    frame = pd.read_csv(args.data, index_col=0, parse_dates=True)
    bars = len(history)
    runs = {}
    try:
        import backtesting

        runs[f"backtesting.py {backtesting.__version__}"] = reference_runner(frame)
    except ImportError:
        print("backtesting is not installed: pip install backtesting==0.6.6 (requirements.txt pins it)")
    for mode in ("ideal", "realistic"):
        runs[f"mockbroker {mode}"] = (lambda mode=mode: run_backtest("sma_crossover", history, mode=mode, cash=10_000))
    best = best_of(args.repeat, runs)
    print(f"SMA crossover 10/20 on {history.symbol}: {bars:,} bars, best of {args.repeat}")
    print(f"{'engine':<26} {'seconds':>9} {'bars/s':>10} {'final equity':>14} {'trades':>7}")
    for name, (seconds, result) in best.items():
        final, trades = ((result["Equity Final [$]"], int(result["# Trades"])) if name.startswith("backtesting")
                         else (result.final_equity, result.trade_count))
        print(f"{name:<26} {seconds:>9.4f} {bars / seconds:>10,.0f} {final:>14,.2f} {trades:>7}")
    reference = next((seconds for name, (seconds, _) in best.items() if name.startswith("backtesting")), None)
    if reference:
        for mode in ("ideal", "realistic"):
            print(f"mockbroker {mode} vs backtesting.py (ideal): {reference / best[f'mockbroker {mode}'][0]:.2f}x "
                  f"as fast (target >= 1.0)")
    realistic = best["mockbroker realistic"][1]
    print(f"realistic fills: {len(realistic.fills)}, sha256 {realistic.fills_sha256()}")
    if args.minute_bars:
        long_run(args.minute_bars)
    return 0


LONG_RUN = {"fast": 50, "slow": 200}
"""The long run's crossover: on minute bars 10/20 trades so often that execution costs take nearly all of the
equity within the first 100,000 bars (and the rest of the run has nothing left to trade); 50/200 keeps trading to
the end."""


def long_run(count: int) -> None:
    """A realistic backtest over ``count`` synthetic minute bars, timed once."""
    from mockbroker.backtest.data import random_minute_history

    start = time.perf_counter()
    minutes = random_minute_history(count, seed=2109)
    made = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    result = run_backtest("sma_crossover", minutes, mode="realistic", cash=1_000_000, parameters=LONG_RUN)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"realistic SMA {LONG_RUN['fast']}/{LONG_RUN['slow']} over {count:,} synthetic minute bars: {seconds:,.1f} s "
          f"({cpu:,.1f} s of CPU), {count / seconds:,.0f} bars/s; {result.trade_count:,} trades, {len(result.fills):,} "
          f"fills, the last in bar {result.fills[-1][0] if result.fills else '-':,}, final equity "
          f"{result.final_equity:,.2f} from 1,000,000 (generating and loading the bars took {made:,.1f} s)")


if __name__ == "__main__":
    sys.exit(main())
