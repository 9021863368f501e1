"""Parameter grid speed and agreement: the SMA crossover's fast x slow grid on GOOG, through backtesting.py's
``Backtest.optimize`` and through ``mockbroker.backtest.grid.optimize`` (ideal and realistic, here and on Dask).

Usage: .venv/bin/python bench/grid_speed.py [--fast 5:30:5] [--slow 20:80:10] [--maximize return] [--workers 2]
                                            [--skip-realistic]

What is timed (wall clock, one run each, everything from the same in-memory data):
- backtesting.py 0.6.6: ``optimize(n1=..., n2=..., maximize=..., constraint=n1 < n2)`` with its own process pool
  (one process per CPU, forked);
- mockbroker ideal and realistic: ``optimize(...)`` in this process (``workers=0``) and on a fresh LocalCluster of
  ``--workers`` processes (its start-up, a few seconds of imports in each worker, is included: that is what a
  user waits for).
Printed: each engine's best parameters, objective and seconds; whether the ideal grid's best parameters and
objective equal backtesting.py's. Not a pass/fail test (tests/backtest/test_grid.py is); numbers depend on the
machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mockbroker.backtest import load_history  # noqa: E402
from mockbroker.backtest.grid import optimize, parse_grid  # noqa: E402

DATA = ROOT / "tests" / "fixtures" / "market-data" / "GOOG.csv"
THEIR_KEYS = {"return": "Return [%]", "equity": "Equity Final [$]", "sqn": "SQN", "win_rate": "Win Rate [%]",
              "drawdown": "Max. Drawdown [%]"}


def _reference_strategy():
    """backtesting.py's SmaCross as a module-level class, so its process pool can pickle it."""
    from mockbroker.backtest.peers import backtesting_py_sma_cross

    cls = backtesting_py_sma_cross()
    cls.__qualname__ = cls.__name__ = "SmaCross"
    cls.__module__ = __name__
    globals()["SmaCross"] = cls
    return cls


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", default="5:30:5")
    parser.add_argument("--slow", default="20:80:10")
    parser.add_argument("--maximize", default="return", choices=sorted(THEIR_KEYS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-realistic", action="store_true")
    args = parser.parse_args(argv)
    grid = parse_grid([f"fast={args.fast}", f"slow={args.slow}"])
    history = load_history(DATA)
    size = len(grid["fast"]) * len(grid["slow"])
    print(f"SMA crossover on GOOG ({len(history):,} bars): fast {args.fast} x slow {args.slow} = {size} "
          f"combinations, maximize {args.maximize}")
    rows = []

    import pandas as pd
    from backtesting import Backtest

    frame = pd.read_csv(DATA, index_col=0, parse_dates=True)
    strategy = _reference_strategy()
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = Backtest(frame, strategy, cash=10_000).optimize(
            n1=grid["fast"], n2=grid["slow"], maximize=THEIR_KEYS[args.maximize], constraint=lambda p: p.n1 < p.n2)
    theirs = ({"fast": stats._strategy.n1, "slow": stats._strategy.n2}, float(stats[THEIR_KEYS[args.maximize]]))
    rows.append(("backtesting.py optimize (process pool)", time.perf_counter() - started, *theirs))

    modes = ["ideal"] + ([] if args.skip_realistic else ["realistic"])
    ideal_best = None
    for mode in modes:
        for workers in (0, args.workers):
            started = time.perf_counter()
            found = optimize(history, "sma_crossover", grid, maximize=args.maximize, mode=mode, workers=workers)
            seconds = time.perf_counter() - started
            where = "this process" if workers == 0 else f"LocalCluster x{workers}"
            rows.append((f"mockbroker {mode}, {where}", seconds, found.best.parameters, found.best.objective))
            if mode == "ideal" and workers == 0:
                ideal_best = (found.best.parameters, found.best.objective)

    print(f"{'engine':<42} {'seconds':>8}  best parameters          objective")
    for name, seconds, params, objective in rows:
        text = ", ".join(f"{k}={v}" for k, v in params.items())
        print(f"{name:<42} {seconds:>8.2f}  {text:<24} {objective:,.6f}")
    same = ideal_best[0] == theirs[0] and abs(ideal_best[1] - theirs[1]) <= 1e-9 * max(1.0, abs(theirs[1]))
    print(f"ideal grid vs backtesting.py: {'same best parameters and objective' if same else 'DIFFERENT'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
