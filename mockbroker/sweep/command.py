"""``python -m mockbroker sweep``: the seed sweep's command line (registered in ``mockbroker.cli``).

Exit status: 0 every scenario at or above its required pass rate, 1 some scenario below it, 2 the sweep could
not run (a bad path or option, no scenario selected, the Dask cluster not reachable).
"""

from __future__ import annotations

import argparse
import sys

EPILOG = """examples:
  python -m mockbroker sweep features/orders/market_orders.feature --seeds 200 --workers 2 --json reports/sweep.json
  python -m mockbroker sweep features --tags @orders --seeds 50 --min-pass-rate 0.99
  python -m mockbroker sweep features/orders --seeds 1000 --scheduler tcp://10.0.0.5:8786   (see docs/scaling.md)
"""


def add_sweep(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep", help="run scenarios under many seeds (on Dask) and report each one's pass rate",
        description="Run every selected scenario under N master seeds, spread over Dask workers, and report per "
                    "scenario: runs, passed, failed, pass rate with its Wilson 95% interval, and the failing seeds "
                    "with the command that reruns each. A scenario tagged @pass_rate:0.95 needs that rate; others "
                    "need --min-pass-rate.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", metavar="PATH", help="feature files, directories or file:line (default: features)")
    p.add_argument("--seeds", type=int, default=100, metavar="N", help="master seeds to run each scenario under "
                                                                      "(default 100)")
    p.add_argument("--first-seed", type=int, default=None, metavar="S",
                   help="the first master seed; the sweep runs S, S+1, ..., S+N-1 (default 2109, the suite's)")
    p.add_argument("--workers", type=int, default=None, metavar="K",
                   help="local Dask worker processes (default: one per CPU; 0: in this process, without Dask)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="use this running Dask cluster instead (default: none, a local cluster of --workers processes)")
    p.add_argument("--tags", action="append", default=[], metavar="EXPR",
                   help="behave tag expression, e.g. --tags @orders or --tags 'not @performance' (repeatable: all must hold)")
    p.add_argument("--min-pass-rate", default="1.0", metavar="RATE",
                   help="pass rate a scenario without a @pass_rate tag needs: 1.0 (default: every seed), 0.99 or 99%%")
    p.add_argument("-D", "--define", action="append", default=[], metavar="NAME=VALUE",
                   help="behave userdata for every run, e.g. -D target=http (not seed)")
    p.add_argument("--json", metavar="FILE", help="write the numbers and every failing seed as JSON (default: none)")
    p.add_argument("--allure", default="reports/sweep/allure-results", metavar="DIR",
                   help="write one Allure result per scenario here (default reports/sweep/allure-results; '' for none)")
    p.set_defaults(func=run_sweep_command)


def run_sweep_command(args: argparse.Namespace) -> int:
    from ..distributed import ClusterError, terminal_progress
    from ..seeds import DEFAULT_SEED
    from . import SweepError, parse_rate, run_sweep
    from .allure_results import write_allure_results

    try:
        min_rate = parse_rate(args.min_pass_rate)
        defines = {}
        for item in args.define:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise SweepError(f"-D {item!r}: write NAME=VALUE, e.g. -D target=http")
            defines[name] = value
        if args.workers is not None and args.workers < 0:
            raise SweepError(f"--workers {args.workers}: use 0 (this process) or more")
        with terminal_progress(max(args.seeds, 0), f"sweeping {args.seeds} seeds") as advance:
            result = run_sweep(args.paths, args.seeds, first_seed=DEFAULT_SEED if args.first_seed is None
                               else args.first_seed, workers=args.workers, scheduler=args.scheduler,
                               tags=args.tags, min_pass_rate=min_rate, defines=defines, progress=advance)
    except (SweepError, ClusterError) as problem:
        print(f"mockbroker sweep: {problem}", file=sys.stderr)
        return 2
    print(result.text())
    if args.json:
        print(f"JSON: {result.save_json(args.json)}")
    if args.allure:
        print(f"Allure results: {write_allure_results(result, args.allure)} "
              f"(report: npx allure generate {args.allure} -o reports/sweep/allure-report)")
    return 0 if result.ok else 1
