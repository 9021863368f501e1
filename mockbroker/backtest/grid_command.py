"""``python -m mockbroker backtest ... --grid NAME=SPEC``: a parameter grid from the command line (see ``grid``).

Prints the grid's size, the best combinations and the best one's full summary; ``--out`` writes the whole grid as
JSON (every combination's numbers, the best result), ``--chart`` the best run's chart, ``--heatmap`` the objective
over two parameters. Exit 2 on a bad grid or option, or a cluster that cannot be reached.
"""

from __future__ import annotations

import argparse
import sys


def add_grid_arguments(parser) -> None:
    """The grid's options on the ``backtest`` subcommand."""
    from .grid import OBJECTIVES

    parser.add_argument("--grid", action="append", default=[], metavar="NAME=SPEC",
                        help="search a strategy parameter: START:STOP[:STEP] (both ends included), A,B,C or VALUE, "
                             "e.g. --grid fast=5:30:5 --grid slow=20:80:10 (repeatable; like backtesting.py's optimize)")
    parser.add_argument("--maximize", choices=list(OBJECTIVES), default="sharpe",
                        help=("the objective of --grid: " + "; ".join(f"{k}: {v[1]}" for k, v in OBJECTIVES.items())
                              + " (default sharpe)").replace("%", "%%"))
    parser.add_argument("--workers", type=int, default=None, metavar="K",
                        help="--grid: local Dask worker processes (default: one per CPU; 0: in this process)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="--grid: use this running Dask cluster (default: none, a local cluster)")
    parser.add_argument("--heatmap", metavar="PNG",
                        help="--grid: write the objective over the first two parameters (default: none)")
    parser.add_argument("--top", type=int, default=10, metavar="N", help="--grid: show the N best (default 10)")


def run_grid_command(args: argparse.Namespace, history, realistic, parameters: dict) -> int:
    from ..distributed import ClusterError, terminal_progress
    from .grid import GridError, combinations, optimize, parse_grid

    try:
        grid = parse_grid(args.grid)
        if args.workers is not None and args.workers < 0:
            raise GridError(f"--workers {args.workers}: use 0 (this process) or more")
        with terminal_progress(len(combinations(grid)), "backtesting the grid") as advance:
            found = optimize(history, args.strategy, grid, maximize=args.maximize, mode=args.mode, cash=args.cash,
                             commission=args.commission, parameters=parameters, realistic=realistic,
                             workers=args.workers, scheduler=args.scheduler, progress=advance)
    except (GridError, ClusterError) as problem:
        print(f"mockbroker backtest: {problem}", file=sys.stderr)
        return 2
    except ValueError as problem:  # a setting the backtest refuses (cash, commission, strategy)
        print(f"mockbroker backtest: {problem}", file=sys.stderr)
        return 2
    print(found.text(args.top))
    if found.best_result is not None:
        print()
        print(found.best_result.summary_table())
    if args.out:
        print(f"grid: {found.save_json(args.out)}")
    if args.chart and found.best_result is not None:
        print(f"chart (best): {found.best_result.save_chart(args.chart)}")
    if args.heatmap:
        print(f"heatmap: {found.save_heatmap(args.heatmap)}")
    return 0 if found.best is not None else 1
