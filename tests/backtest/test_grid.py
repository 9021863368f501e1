"""Parameter grids: the same best parameters and objective as backtesting.py 0.6.6's ``Backtest.optimize`` on its
GOOG sample (ideal mode), the grid syntax, and the command line on a local Dask cluster in realistic mode."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from mockbroker.backtest import load_history
from mockbroker.backtest.grid import GridError, combinations, optimize, parse_grid, parse_values

ROOT = Path(__file__).resolve().parents[2]
GOOG = ROOT / "tests" / "fixtures" / "market-data" / "GOOG.csv"


def reference_optimize(maximize: str, n1, n2):
    """backtesting.py's grid search; its process pool swapped for threads (a local strategy class cannot be
    pickled, and a test process should not fork)."""
    import multiprocessing.dummy

    import backtesting
    from backtesting import Backtest
    from backtesting.test import GOOG as frame

    from mockbroker.backtest.peers import backtesting_py_sma_cross

    pool, backtesting.Pool = backtesting.Pool, multiprocessing.dummy.Pool
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Backtest(frame, backtesting_py_sma_cross(), cash=10_000).optimize(
                n1=n1, n2=n2, maximize=maximize, constraint=lambda p: p.n1 < p.n2, return_heatmap=True)
    finally:
        backtesting.Pool = pool


@pytest.mark.parametrize("ours, theirs, fast, slow", [
    ("return", "Return [%]", "5:30:5", "20:80:10"),   # the grid
    ("sqn", "SQN", "5:15:5", "20:40:10"),             # backtesting.py's default objective, a smaller grid
])
def test_an_ideal_grid_finds_what_backtesting_py_optimize_finds(ours, theirs, fast, slow):
    pytest.importorskip("backtesting", minversion="0.6.6")
    grid = parse_grid([f"fast={fast}", f"slow={slow}"])
    found = optimize(GOOG, "sma_crossover", grid, maximize=ours, mode="ideal", workers=0)
    stats, heatmap = reference_optimize(theirs, grid["fast"], grid["slow"])
    assert found.best.parameters == {"fast": stats._strategy.n1, "slow": stats._strategy.n2}
    assert found.best.objective == pytest.approx(stats[theirs], rel=1e-9)
    # not only the winner: every admissible combination has the same objective
    mine = {(r.parameters["fast"], r.parameters["slow"]): r.objective for r in found.rows if r.objective is not None}
    assert mine == pytest.approx(dict(heatmap.dropna().items()), rel=1e-9)
    assert found.refused == len(found.rows) - len(heatmap)  # fast >= slow: refused by the strategy, as the constraint
    assert found.best_result.return_pct == pytest.approx(stats["Return [%]"], rel=1e-9)


@pytest.mark.parametrize("spec, values", [
    ("5:30:5", [5, 10, 15, 20, 25, 30]),
    ("20:80:10", [20, 30, 40, 50, 60, 70, 80]),
    ("5:7", [5, 6, 7]),
    ("0.01:0.03:0.01", [0.01, 0.02, 0.03]),
    ("5,10,20", [5, 10, 20]),
    ("7", [7]),
    ("fast,slow", ["fast", "slow"]),
])
def test_grid_values(spec, values):
    assert parse_values("x", spec) == values


@pytest.mark.parametrize("options, message", [
    (["fast"], "NAME=START:STOP:STEP"),
    (["fast=5:1"], "STOP must not be below START"),
    (["fast=5:30:0"], "STEP must be above 0"),
    (["fast=a:b"], "must be numbers"),
    (["fast=1:2:3:4"], "START:STOP or START:STOP:STEP"),
    (["fast=5", "fast=6"], "given twice"),
    (["fast="], "give values"),
])
def test_bad_grids_say_how_to_write_them(options, message):
    with pytest.raises(GridError, match=message):
        parse_grid(options)


def test_combinations_are_in_backtesting_py_order():
    assert combinations({"a": [1, 2], "b": [3, 4]}) == [{"a": 1, "b": 3}, {"a": 1, "b": 4}, {"a": 2, "b": 3},
                                                         {"a": 2, "b": 4}]


def test_a_grid_refuses_a_strategy_instance_and_an_unknown_objective():
    from mockbroker.backtest import SmaCrossover

    with pytest.raises(GridError, match="not an instance"):
        optimize(GOOG, SmaCrossover(), {"fast": [5]}, workers=0)
    with pytest.raises(GridError, match="maximize='alpha'"):
        optimize(GOOG, "sma_crossover", {"fast": [5]}, maximize="alpha", workers=0)
    with pytest.raises(GridError, match="both a fixed --param and a --grid"):
        optimize(GOOG, "sma_crossover", {"fast": [5]}, parameters={"fast": 5}, workers=0)


def test_a_realistic_grid_on_dask_from_the_command_line(tmp_path):
    """Four combinations over 400 bars on a 2-worker LocalCluster: the same numbers as the same grid run in this
    process."""
    data = tmp_path / "GOOG.csv"
    pd.read_csv(GOOG).iloc[:400].to_csv(data, index=False)
    out, heatmap = tmp_path / "grid.json", tmp_path / "heat.png"
    done = subprocess.run([sys.executable, "-m", "mockbroker", "backtest", "--strategy", "sma_crossover",
                           "--data", str(data), "--mode", "realistic", "--grid", "fast=5,10", "--grid", "slow=20,30",
                           "--maximize", "equity", "--workers", "2", "--out", str(out), "--heatmap", str(heatmap)],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    grid = json.loads(out.read_text())
    assert grid["mode"] == "realistic" and grid["combinations"] == 4 and "of 2 workers" in grid["where"]
    assert heatmap.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    here = optimize(load_history(data), "sma_crossover", {"fast": [5, 10], "slow": [20, 30]}, maximize="equity",
                    mode="realistic", workers=0)
    assert [r["objective"] for r in grid["rows"]] == [r.objective for r in here.rows]
    assert grid["best"]["parameters"] == here.best.parameters
    best = max((r for r in grid["rows"] if r["objective"] is not None), key=lambda r: r["objective"])
    assert grid["best"]["objective"] == best["objective"] and not math.isnan(best["objective"])
    assert grid["best_result"]["final_equity"] == pytest.approx(best["objective"])
    assert f"best: fast={here.best.parameters['fast']}, slow={here.best.parameters['slow']}" in done.stdout
    assert grid["best_result"]["fees"] > 0  # realistic: fees and slippage were paid


def test_grid_command_errors_exit_2(capsys):
    from mockbroker.cli import main

    assert main(["backtest", "--strategy", "sma_crossover", "--data", str(GOOG), "--grid", "fast=9:1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockbroker backtest: --grid fast=9:1") and "Traceback" not in err


@pytest.mark.parametrize("command", ["backtest", "sweep"])
def test_the_help_of_the_commands_prints(capsys, command):
    from mockbroker.cli import main

    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0 and "--scheduler" in capsys.readouterr().out
