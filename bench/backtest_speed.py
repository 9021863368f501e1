"""Backtest speed: bars per second for the SMA crossover on GOOG, through our runner and through backtesting.py,
in the same process and run.

Usage: .venv/bin/python bench/backtest_speed.py [--repeat R] [--data FILE.csv]

What is timed (best of R runs, wall clock, each run from the same in-memory data):
- backtesting.py 0.6.6: ``Backtest(GOOG, SmaCross, cash=10_000).run()`` -- construction and run, since its
  construction prepares the data; its ``SmaCross`` closes and reverses with all the equity.
- mockbroker ideal: ``run_backtest("sma_crossover", history, mode="ideal")`` -- strategy set-up, the replay, trades
  and statistics; ``history`` is loaded once beforehand (as backtesting.py's DataFrame is).
- mockbroker realistic: the same through a ``MockBroker`` (latency, book, slippage, impact, fees), for scale.
Printed: bars/s = bars / seconds, and our ideal speed as a multiple of backtesting.py's (target: >= 1.0).
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


def best_of(repeat: int, run) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


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
    args = parser.parse_args(argv)

    import pandas as pd

    history = load_history(args.data)
    frame = pd.read_csv(args.data, index_col=0, parse_dates=True)
    bars = len(history)
    rows = []
    try:
        import backtesting

        seconds, stats = best_of(args.repeat, reference_runner(frame))
        rows.append((f"backtesting.py {backtesting.__version__}", seconds, stats["Equity Final [$]"],
                     int(stats["# Trades"])))
        reference_seconds = seconds
    except ImportError:
        reference_seconds = None
        print("backtesting is not installed: pip install backtesting==0.6.6 (requirements.txt pins it)")
    for mode in ("ideal", "realistic"):
        seconds, result = best_of(args.repeat if mode == "ideal" else max(1, args.repeat // 2),
                                  lambda: run_backtest("sma_crossover", history, mode=mode, cash=10_000))
        rows.append((f"mockbroker {mode}", seconds, result.final_equity, result.trade_count))
    print(f"SMA crossover 10/20 on {history.symbol}: {bars:,} bars, best of {args.repeat}")
    print(f"{'engine':<26} {'seconds':>9} {'bars/s':>10} {'final equity':>14} {'trades':>7}")
    for name, seconds, final, trades in rows:
        print(f"{name:<26} {seconds:>9.4f} {bars / seconds:>10,.0f} {final:>14,.2f} {trades:>7}")
    if reference_seconds:
        ideal_seconds = rows[1][1]
        print(f"mockbroker ideal vs backtesting.py: {reference_seconds / ideal_seconds:.2f}x as fast "
              f"(target >= 1.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
