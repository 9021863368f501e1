"""The ``mockbroker`` command line: ``mockbroker <command> ...`` (or ``python -m mockbroker``).

Each subcommand is one small function pair: ``add_<name>(subparsers)`` declares its options (every one with
help text; defaults are shown by the formatter) and an example (the epilog), and ``run_<name>(args)`` does the
work. Adding a command, or an option to one, touches only its own ``add_`` function; commands are listed in
``COMMANDS``.

One error path for every command (``main``):
- exit 0: done; exit 1: a check the command ran failed, or an internal error (one line, no traceback; set
  ``MOCKBROKER_DEBUG=1`` to see it); exit 2: the input is wrong (a bad option, a missing or unreadable file, a
  file that is not YAML/JSON/CSV, a value out of range). Bad input prints one or more lines that name the
  option or file, the bad value and what works, never a traceback; a scenario file's problems are all listed
  at once, each with its path.
- Progress (simulate, backtest, calibrate) is drawn on a terminal only (``mockbroker.progress``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import textwrap
from pathlib import Path
from typing import Callable, Sequence

EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2


class CommandError(Exception):
    """Bad input the user can fix: each line is printed after ``mockbroker <command>:``; exit 2."""

    def __init__(self, *lines: str) -> None:
        super().__init__(lines[0] if lines else "")
        self.lines = lines


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Examples keep their lines; every option shows its default (an option without one says in its help what
    happens when it is left out)."""

    def _get_help_string(self, action) -> str:
        text = action.help or ""
        if action.default in (None, False, [], argparse.SUPPRESS) or "default" in text:
            return text
        return super()._get_help_string(action)


def _command(subparsers, name: str, summary: str, examples: str, description: str = ""):
    """A subcommand parser with its one-line help, a description and an ``examples:`` epilog."""
    return subparsers.add_parser(name, help=summary, description=description or summary,
                                 epilog="examples:\n" + textwrap.indent(textwrap.dedent(examples).strip(), "  "),
                                 formatter_class=_Formatter)


def _choice(kind: str, choices: Sequence[str]) -> Callable[[str], str]:
    """An argparse type: one of ``choices``, else an error with 'did you mean'."""
    from .didyoumean import hint

    def convert(text: str) -> str:
        if text in choices:
            return text
        raise argparse.ArgumentTypeError(f"{text!r} is not a {kind}{hint(text, choices)}; "
                                         f"{kind}s: {', '.join(choices)}")
    convert.__name__ = kind  # argparse names the type in its messages
    return convert


def _whole(minimum: int = 0, maximum: int | None = None) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text.replace(",", "").replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum or (maximum is not None and value > maximum):
            span = f"from {minimum:,} to {maximum:,}" if maximum is not None else f"at least {minimum:,}"
            raise argparse.ArgumentTypeError(f"{text!r}: must be {span}")
        return value
    convert.__name__ = "whole number"
    return convert


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


_number.__name__ = "number"


def _input_file(option: str, path: str, what: str) -> Path:
    """An existing, readable file given to ``option``; otherwise a CommandError saying which and why."""
    file = Path(path)
    if not file.exists():
        raise CommandError(f"{option} {path}: no such file ({what})")
    if not file.is_file():
        raise CommandError(f"{option} {path}: not a file ({what})")
    if not os.access(file, os.R_OK):
        raise CommandError(f"{option} {path}: not readable (permissions)")
    return file


def _output_file(option: str, path: str) -> Path:
    """A file ``option`` may write: its folder must exist (nothing is created behind the user's back)."""
    file = Path(path)
    folder = file.parent
    if file.is_dir():
        raise CommandError(f"{option} {path}: is a folder; give a file name, e.g. {option} {file / 'out.csv'}")
    if not folder.is_dir():
        raise CommandError(f"{option} {path}: the folder {str(folder) or '.'} does not exist "
                           f"(create it first: mkdir -p {folder})")
    if not os.access(folder, os.W_OK):
        raise CommandError(f"{option} {path}: cannot write into {folder} (permissions)")
    return file


def _parameter(text: str) -> tuple[str, object]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise CommandError(f"--param {text!r}: write NAME=VALUE, e.g. --param fast=10")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


def _scenario(path: str, option: str = "--config"):
    """A scenario file, validated as a whole: every problem is listed, each with its path."""
    from .scenarios import load_scenario_file
    from .validation import scenario_file_problems

    _input_file(option, path, "a scenario file: YAML or JSON, see docs/market-simulation.md")
    problems = scenario_file_problems(path)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        raise CommandError(f"{option} {path}: {count} (see docs/market-simulation.md for the format):",
                           *(f"  - {' '.join(p.split())}" for p in problems))
    return load_scenario_file(path)


# ----- serve

def add_serve(subparsers) -> None:
    from .service.guard import Limits

    p = _command(subparsers, "serve", "run the broker as an HTTP service (Alpaca v2 API + /mock control)", """
        mockbroker serve --port 8000
        mockbroker serve --config tests/fixtures/market-data/scenarios/choppy-open.yaml --seed 7
        mockbroker serve --db broker.db --clock realtime --admin-key s3cret
        """)
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)")
    p.add_argument("--port", type=_whole(0, 65535), default=8000, help="TCP port to listen on (0: any free port)")
    p.add_argument("--config", metavar="FILE",
                   help="a scenario file (YAML or JSON: the /mock/configure body plus name, description and events), "
                        "the same files simulate --config takes (default: ACME and the account 'default')")
    p.add_argument("--seed", type=_whole(0, 2**63 - 1), help="master seed (overrides the config file's; default 2109)")
    p.add_argument("--db", metavar="FILE",
                   help="SQLite file: the state survives restarts (and kill -9); an existing file's state is resumed "
                        "and --config/--seed are ignored (see docs/state.md; default: none, the state lives in memory)")
    p.add_argument("--clock", choices=("virtual", "realtime"), default="virtual",
                   help="virtual: time moves only via /mock/advance; realtime: it also follows the wall clock")
    p.add_argument("--recover", action="store_true",
                   help="with --db: a damaged file is moved aside and what verifies is kept; prints what was dropped")
    p.add_argument("--admin-key", metavar="KEY", default=os.environ.get("MOCKBROKER_ADMIN_KEY") or None,
                   help="require this X-Mock-Admin-Key header on /mock/* requests (default: $MOCKBROKER_ADMIN_KEY, "
                        "else none: /mock/* is open); needed when --host is not loopback")
    p.add_argument("--insecure", action="store_true",
                   help="allow a non-loopback --host without an admin key (the control API is then open to the "
                        "network; a warning is printed and logged)")
    p.add_argument("--seed-keys", action="store_true",
                   help="accounts without configured keys get keys derived from the seed (reproducible, guessable) "
                        "instead of random ones")
    defaults = Limits()
    p.add_argument("--max-body-bytes", type=_whole(1, 2**31), default=defaults.max_body_bytes,
                   help="largest request body in bytes; bigger ones get 413 before they are read")
    p.add_argument("--ws-auth-timeout", type=_number, default=defaults.ws_auth_timeout,
                   help="seconds a WebSocket may stay unauthenticated")
    p.add_argument("--max-ws-per-client", type=_whole(1, 1_000_000), default=defaults.ws_per_client,
                   help="WebSocket connections one client address may hold")
    p.add_argument("--max-ws", type=_whole(1, 1_000_000), default=defaults.ws_total,
                   help="WebSocket connections in total")
    p.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"), default="warning",
                   help="uvicorn's log level (info logs every request)")
    p.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from dataclasses import replace

    import uvicorn

    from .config import BrokerConfig
    from .scenarios import ScenarioSpec
    from .service import create_app
    from .service.exposure import exposure_check, insecure_warning
    from .service.state import config_with_keys

    refusal = exposure_check(args.host, args.admin_key, args.insecure)
    if refusal:
        raise CommandError(refusal)
    if args.recover and not args.db:
        raise CommandError("--recover needs --db FILE (the database to recover)")
    limits = _limits(args)
    spec = _scenario(args.config) if args.config else ScenarioSpec(BrokerConfig())
    config = spec.config if args.seed is None else replace(spec.config, seed=args.seed)
    config = config_with_keys(config, args.seed_keys)
    resumed = False
    if args.db:
        broker, resumed = _persistent_broker(args.db, config, args.recover)
    else:
        from .broker import MockBroker

        broker = MockBroker(config)
    app = create_app(broker=broker, config=config, admin_key=args.admin_key, clock=args.clock,
                     seed_keys=args.seed_keys, limits=limits)
    if not resumed:
        for event in spec.events:  # a resumed (or recovered) state already holds what its events did
            broker.inject(dict(event))
    warning = insecure_warning(args.host, args.admin_key, args.insecure)
    if warning:
        print(warning, file=sys.stderr)
        logging.getLogger("mockbroker.service").warning("serving on %s with no admin key (--insecure)", args.host)
    # uvicorn handles SIGINT/SIGTERM: it stops accepting, finishes in-flight requests, runs the lifespan exit,
    # then re-raises the signal. These handlers turn that into a normal exit (atexit hooks such as coverage run).
    signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        # no per-message deflate: a zlib state per WebSocket was most of a connection's memory
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
                    ws_max_size=limits.ws_max_frame, ws_per_message_deflate=False)
    except KeyboardInterrupt:
        pass
    except SystemExit as stop:  # uvicorn exits 1 when it cannot bind: say why in one line
        if stop.code not in (0, None):
            raise CommandError(f"--host {args.host} --port {args.port}: could not listen there (in use, or not "
                               "an address of this machine); try another --port") from None
    finally:
        if args.db:
            broker.close()  # folds the WAL into the file and records the clean close
    return 0


def _limits(args: argparse.Namespace):
    from .service.guard import Limits

    try:
        return Limits(max_body_bytes=args.max_body_bytes, ws_auth_timeout=args.ws_auth_timeout,
                      ws_per_client=args.max_ws_per_client, ws_total=args.max_ws)
    except ValueError as problem:
        raise CommandError(str(problem)) from None


def _persistent_broker(path: str, config, recover: bool = False):
    """``serve --db``: the broker saved in ``path`` (resumed), or a new one from ``config`` saved there;
    ``--recover``: what verifies of a damaged file (the report goes to stderr)."""
    from .clock import iso
    from .errors import BrokerError
    from .persistence import open_broker, recover_broker

    try:
        if recover:
            broker, report = recover_broker(path, config)
            print(report, file=sys.stderr)
            return broker, True  # the report said what was kept
        else:
            broker, resumed = open_broker(path, config)
    except BrokerError as problem:
        raise CommandError(f"--db {path}: {problem.message}") from None
    if resumed:
        print(f"--db {path}: resumed the saved state (clock at {iso(broker.now_ns())}); --config/--seed ignored",
              file=sys.stderr)
    return broker, resumed


def _exit_cleanly(signum, frame) -> None:
    raise SystemExit(0)


# ----- fixtures (test data: see docs/fixtures.md)

def add_fixtures(subparsers) -> None:
    p = _command(subparsers, "fixtures", "generate test data fixtures, check them, or load one into a service", """
        mockbroker fixtures generate --seed 7 --accounts 3 --orders 5 --symbols ACME,BOLT -o people.yaml
        mockbroker fixtures check people.yaml
        mockbroker fixtures load people.yaml --url http://127.0.0.1:8000
        """)
    sub = p.add_subparsers(dest="fixtures_command", required=True, metavar="{generate,check,load}")
    gen = _command(sub, "generate", "seeded fake accounts, positions and order histories (YAML or JSON)", """
        mockbroker fixtures generate --seed 7 --accounts 3 -o people.yaml
        mockbroker fixtures generate --symbols ACME,BOLT --orders 20 > people.yaml
        """)
    gen.add_argument("--seed", type=_whole(0, 2**63 - 1), default=None,
                     help="the same seed gives the same people and orders (default: 2109)")
    gen.add_argument("--accounts", type=_whole(1, 10_000), default=3, help="how many accounts to make")
    gen.add_argument("--orders", type=_whole(0, 100_000), default=5, help="orders per account")
    gen.add_argument("--symbols", default="ACME", help="symbols to trade, comma-separated, e.g. ACME,BOLT")
    gen.add_argument("-o", "--output", metavar="FILE",
                     help="file to write (.yaml, .yml or .json; default: YAML on standard output)")
    load = _command(sub, "load", "configure a running service from a fixture file (replaces its state)", """
        mockbroker fixtures load people.yaml --url http://127.0.0.1:8000
        mockbroker fixtures load accounts/alice-and-bob --url http://127.0.0.1:8000 --admin-key s3cret
        """)
    load.add_argument("fixture", help="a fixture file, or the name of one in tests/fixtures/")
    load.add_argument("--url", default="http://127.0.0.1:8000", help="the service's base URL")
    load.add_argument("--admin-key", metavar="KEY", help="the service's X-Mock-Admin-Key, if it has one (default: "
                                                        "none sent)")
    load.add_argument("--seed", type=_whole(0, 2**63 - 1), help="seed to use when the fixture names none (default: "
                                                                 "2109)")
    check = _command(sub, "check", "validate fixture files (each problem with its file)", """
        mockbroker fixtures check tests/fixtures/accounts/*.yaml
        """)
    check.add_argument("files", nargs="+", metavar="FILE", help="fixture files to check")
    p.set_defaults(func=run_fixtures)


def run_fixtures(args: argparse.Namespace) -> int:
    from . import fixtures

    if args.fixtures_command == "generate":
        from .fakes import FakeData
        from .seeds import DEFAULT_SEED

        symbols = tuple(s.strip() for s in args.symbols.split(",") if s.strip())
        if not symbols:
            raise CommandError(f"--symbols {args.symbols!r}: name at least one symbol, e.g. --symbols ACME,BOLT")
        if args.output:
            _output_file("--output", args.output)
        fixture = FakeData(DEFAULT_SEED if args.seed is None else args.seed).fixture(
            accounts=args.accounts, symbols=symbols, orders=args.orders)
        text = fixtures.dump(fixture, args.output)
        if args.output is None:
            sys.stdout.write(text)
        else:
            print(f"wrote {args.output}: {len(fixture.accounts)} accounts", file=sys.stderr)
        return 0
    if args.fixtures_command == "check":
        from .validation import fixture_file_problems

        problems = []
        for name in args.files:
            found = fixture_file_problems(name)
            if found:
                problems.append(f"{name}: {len(found)} problem{'s' if len(found) != 1 else ''}:")
                problems += [f"  - {' '.join(p.split())}" for p in found]
                continue
            fixture = fixtures.load(name)
            print(f"{name}: ok ({len(fixture.accounts)} accounts, "
                  f"{sum(len(a.orders) for a in fixture.accounts)} orders)")
        if problems:
            raise CommandError(*problems)
        return 0
    from .client import HttpBroker

    fixture = fixtures.load(args.fixture)
    with HttpBroker(args.url, admin_key=args.admin_key) as broker:
        summary = fixtures.apply(fixture, broker, seed=args.seed)
    print(json.dumps(summary))
    return 0


# ----- backtest (see docs/backtesting.md)

def add_backtest(subparsers) -> None:
    p = _command(subparsers, "backtest", "run a strategy over history (CSV bars) with ideal or realistic execution",
                 """
        mockbroker backtest --strategy sma_crossover --data tests/fixtures/market-data/GOOG.csv
        mockbroker backtest --strategy sma_crossover --data GOOG.csv --mode realistic --compare \\
            --param fast=10 --param slow=20 --out goog.json --chart goog.png
        mockbroker simulate --days 250 --update-ms 60000 --bars 1day --out sim.csv && \\
            mockbroker backtest --strategy sma_crossover --data sim.csv --symbol SIM
        """)
    p.add_argument("--strategy", required=True,
                   help="a built-in strategy (sma_crossover) or package.module:Class with on_bar(bar, broker)")
    p.add_argument("--data", required=True, metavar="CSV",
                   help="CSV of bars: a date or time column, open, high, low, close and optionally volume "
                        "(what simulate --bars writes)")
    p.add_argument("--mode", choices=("ideal", "realistic"), default="ideal",
                   help="ideal: fills at the next bar's open, commission only; realistic: the mock's latency, book, "
                        "slippage, impact and fees")
    p.add_argument("--cash", type=_number, default=10_000.0, help="starting cash, in dollars")
    p.add_argument("--commission", type=_number, default=0.0, help="commission rate per fill (0.002 = 0.2%%)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a strategy parameter, e.g. --param fast=10 --param slow=20 (repeatable; default: the "
                        "strategy's own)")
    p.add_argument("--symbol", help="the symbol's name (default: the file name in capitals, GOOG.csv -> GOOG)")
    p.add_argument("--seed", type=_whole(0, 2**63 - 1), help="seed of the realistic mode's broker (latency draws; "
                                                              "default 2109)")
    p.add_argument("--compare", action="store_true", help="also run the ideal mode and show it beside (realistic)")
    p.add_argument("--out", metavar="FILE", help="write the result as JSON to this file (default: none, the summary is "
                                                 "printed)")
    p.add_argument("--chart", metavar="PNG", help="write a PNG chart (price and trades, equity, drawdown) to this file "
                                                 "(default: none)")
    from .backtest.grid_command import add_grid_arguments

    add_grid_arguments(p)  # --grid, --maximize, --workers, --scheduler, --heatmap, --top
    p.set_defaults(func=run_backtest_command)


def _strategy_parameters(spec: str, raw: list[str]) -> dict:
    """``--param`` values checked against the strategy's own parameters: names it takes, values of its types."""
    import inspect

    from .backtest.strategies import STRATEGIES, load_strategy
    from .didyoumean import hint

    parameters = dict(_parameter(p) for p in raw)
    if spec not in STRATEGIES and ":" not in spec:
        raise CommandError(f"--strategy {spec!r}: not a built-in strategy{hint(spec, STRATEGIES)} nor "
                           f"package.module:Class (built-in: {', '.join(STRATEGIES)})")
    try:
        factory = STRATEGIES.get(spec) or load_strategy(spec).__class__
    except (ValueError, TypeError) as problem:
        raise CommandError(f"--strategy {spec!r}: {problem}") from None
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return parameters
    takes = {n: p for n, p in signature.parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    problems = []
    for name, value in parameters.items():
        if name not in takes:
            if not accepts_any:
                problems.append(f"--param {name}: {spec} has no parameter {name!r}{hint(name, takes)} "
                                f"(it takes: {', '.join(takes) or 'none'})")
            continue
        default = takes[name].default
        if isinstance(default, bool) and not isinstance(value, bool):
            problems.append(f"--param {name}={value!r}: must be true or false")
        elif isinstance(default, int) and not isinstance(default, bool) and not (
                isinstance(value, int) and not isinstance(value, bool)):
            problems.append(f"--param {name}={value!r}: must be a whole number, e.g. --param {name}={default}")
        elif isinstance(default, float) and not isinstance(value, (int, float)):
            problems.append(f"--param {name}={value!r}: must be a number, e.g. --param {name}={default}")
    if problems:
        raise CommandError(*problems)
    try:
        load_strategy(spec, **parameters)
    except (ValueError, TypeError) as problem:
        raise CommandError(f"--param: {problem}") from None
    return parameters


def _history(path: str, symbol: str | None):
    """The bars of ``--data``, with the symbol checked; a file that is not CSV bars says so."""
    import re

    from .backtest import HistoryError, load_history

    file = _input_file("--data", path, "a CSV file of bars")
    symbol_ok = re.compile(r"[A-Z][A-Z0-9.]{0,9}").fullmatch
    if symbol is not None and not symbol_ok(symbol):
        raise CommandError(f"--symbol {symbol!r}: must be 1-10 capital letters or digits, starting with a letter")
    named = symbol or file.stem.upper()
    try:
        history = load_history(str(file), named if symbol_ok(named) else "DATA")
    except HistoryError as problem:
        raise CommandError(f"--data {path}: {problem}") from None
    except (UnicodeDecodeError, ValueError) as problem:
        raise CommandError(f"--data {path}: not a CSV file of bars ({str(problem).splitlines()[0][:120]}); expected a "
                           "header row such as date,open,high,low,close,volume") from None
    if not symbol_ok(named):
        raise CommandError(f"--data {path}: the file name {file.stem!r} is not a symbol (1-10 capital letters or "
                           "digits, starting with a letter): name it with --symbol, e.g. --symbol ACME")
    return history


class _CountingStrategy:
    """Passes every bar to the strategy and ticks the progress display."""

    def __init__(self, strategy, reporter) -> None:
        self._strategy, self._reporter = strategy, reporter
        self.name = getattr(strategy, "name", None) or type(strategy).__name__

    @property
    def parameters(self) -> dict:
        return dict(getattr(self._strategy, "parameters", None) or {})

    def on_bar(self, bar, broker) -> None:
        self._strategy.on_bar(bar, broker)
        self._reporter.advance(1)


def run_backtest_command(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from . import progress
    from .backtest import Backtest, RealisticExecution
    from .backtest.strategies import load_strategy

    if not args.cash > 0:
        raise CommandError(f"--cash {args.cash:g}: must be above 0")
    if not 0 <= args.commission < 0.1:
        raise CommandError(f"--commission {args.commission:g}: a rate from 0 to 0.1 (0.002 = 0.2%)")
    for option, path in (("--out", args.out), ("--chart", args.chart)):
        if path:
            _output_file(option, path)
    parameters = _strategy_parameters(args.strategy, args.param)
    history = _history(args.data, args.symbol)
    realistic = RealisticExecution() if args.seed is None else replace(RealisticExecution(), seed=args.seed)
    if args.grid:
        from .backtest.grid_command import run_grid_command

        return run_grid_command(args, history, realistic, parameters)

    def run(mode: str):
        with progress.task(f"backtest {history.symbol} ({mode})", total=max(0, len(history.bars) - 1),
                           unit="bars") as reporter:
            strategy = _CountingStrategy(load_strategy(args.strategy, **parameters), reporter)
            return Backtest(history, strategy, mode=mode, cash=args.cash, commission=args.commission,
                            realistic=realistic).run()

    result = run(args.mode)
    baseline = run("ideal") if args.compare and args.mode != "ideal" else None
    rows = result.summary_rows()
    if baseline is None:
        print(result.summary_table())
    else:
        width = max(len(label) for label, _ in rows)
        print(f"{'':<{width}}  {'ideal':>14}  {args.mode:>14}")
        for (label, value), (_, ideal) in zip(rows, baseline.summary_rows()):
            print(f"{label:<{width}}  {ideal:>14}  {value:>14}")
    if args.out:
        print(f"result: {result.save_json(args.out)}")
    if args.chart:
        print(f"chart: {result.save_chart(args.chart, compare=baseline)}")
    return 0


# ----- simulate and calibrate (market data outside of tests: see docs/market-simulation.md)

def add_simulate(subparsers) -> None:
    from .config import MARKET_MODELS
    from .market.ohlcv import BAR_SIZES
    from .scenarios import SCENARIOS

    p = _command(subparsers, "simulate", "generate market data (ticks or OHLCV bars) to a CSV file", """
        mockbroker simulate --symbol ACME --steps 100000 --seed 7 --out acme.csv --plot acme.png
        mockbroker simulate --scenario flash_crash --steps 20000 --out crash.csv
        mockbroker simulate --config tests/fixtures/market-data/scenarios/choppy-open.yaml --out choppy.csv
        mockbroker simulate --days 250 --update-ms 60000 --bars 1day --out sim.csv
        """, description="Generate market data: by default one row per update (time,bid,ask,last,volume); with "
                         "--bars, OHLCV bars (time or date,open,high,low,close,volume) that backtest --data reads.")
    p.add_argument("--model", type=_choice("model", MARKET_MODELS),
                   help=f"price model: {', '.join(MARKET_MODELS)} (default: the config's, else realistic; "
                        "--from-csv implies historical)")
    p.add_argument("--symbol", help="symbol to generate (default: the config's first, else ACME)")
    p.add_argument("--steps", type=_whole(1, 100_000_000), default=10_000, help="number of market updates")
    p.add_argument("--days", type=_whole(1, 100_000),
                   help="instead of --steps: this many full sessions (6.5 h each at --update-ms; default: use --steps)")
    p.add_argument("--seed", type=_whole(0, 2**63 - 1), help="master seed (default: the config's, else 2109)")
    p.add_argument("--out", required=True, metavar="CSV", help="CSV file to write")
    p.add_argument("--bars", type=_choice("bar size", BAR_SIZES),
                   help="write OHLCV bars of this size (1min or 1day) instead of every update (default: every update)")
    p.add_argument("--scenario", type=_choice("scenario", SCENARIOS),
                   help=f"a named scenario: {', '.join(SCENARIOS)} (default: the config's, else normal)")
    p.add_argument("--config", metavar="FILE", help="a scenario file (YAML or JSON; the /mock/configure body plus "
                                                     "name, description and events), as serve --config takes "
                                                     "(default: ACME and the normal market)")
    p.add_argument("--from-csv", dest="from_csv", metavar="CSV",
                   help="replay this history (bars or ticks) instead of a model (default: none, a model)")
    p.add_argument("--volatility", type=_number, help="daily volatility in %% (default: the model's, 1.5)")
    p.add_argument("--drift", type=_number, help="expected daily return in %% (default 0)")
    p.add_argument("--spread", type=_number, help="bid-ask spread in bps (default 4)")
    p.add_argument("--update-ms", dest="update_ms", type=_whole(1, 3_600_000),
                   help="milliseconds between updates (default 100; 60000 for daily bars)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a model parameter, e.g. --param half_life=0.5 (repeatable)")
    p.add_argument("--plot", metavar="PNG", help="also write a PNG chart of the generated prices (closed sessions "
                                                  "skipped; default: none)")
    p.set_defaults(func=run_simulate)


def run_simulate(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from . import progress
    from .config import BrokerConfig, SymbolConfig
    from .market import session
    from .market.charts import price_chart_png
    from .market.generator import generate
    from .market.ohlcv import write_bars_csv
    from .scenarios import ScenarioSpec

    _output_file("--out", args.out)
    if args.plot:
        _output_file("--plot", args.plot)
    if args.from_csv:
        _input_file("--from-csv", args.from_csv, "a CSV file of bars or ticks")
    spec = _scenario(args.config) if args.config else ScenarioSpec(BrokerConfig())
    config, events = spec.config, list(spec.events)
    market = config.market
    changes: dict = {}
    if args.from_csv:
        changes.update(model="historical", params={**market.params, "path": args.from_csv})
    if args.model:
        changes["model"] = args.model
        if args.model != market.model and not args.from_csv:
            changes["params"] = {}
    for name, value in (("volatility", args.volatility), ("drift", args.drift), ("spread", args.spread),
                        ("update_frequency", args.update_ms)):
        if value is not None:
            changes[name] = value
    if args.param:
        changes["params"] = {**changes.get("params", market.params), **dict(_parameter(p) for p in args.param)}
    market = market.with_changes(**changes)
    symbols = config.symbols
    if args.symbol and args.symbol not in [s.symbol for s in symbols]:
        symbols = (SymbolConfig(symbol=args.symbol),) if not args.config else symbols + (SymbolConfig(symbol=args.symbol),)
    config = replace(config, market=market, symbols=symbols, scenario=args.scenario or config.scenario,
                     seed=config.seed if args.seed is None else args.seed)
    steps = args.steps
    if args.days:
        steps = args.days * int(session.SESSION_SECONDS * 1000 // market.update_frequency)
    with progress.task(f"simulating {steps:,} updates") as reporter:
        ticks = generate(config, steps, args.symbol, events)
        reporter.describe(f"writing {args.out}")
        if args.bars:
            count = write_bars_csv(ticks, args.bars, args.out)
            written = f"{count:,} {args.bars} bars of {ticks.symbol} from {len(ticks):,} updates"
        else:
            ticks.write_csv(args.out)
            written = f"{len(ticks):,} updates of {ticks.symbol}"
        if args.plot:
            reporter.describe(f"drawing {args.plot}")
            Path(args.plot).write_bytes(price_chart_png(
                ticks.time_ns, ticks.bid, ticks.ask, ticks.last, ticks.volume,
                f"{ticks.symbol}: {config.market.model}, scenario {config.scenario}, seed {config.seed}"))
    print(f"{written} (model {config.market.model}, scenario {config.scenario}, seed {config.seed}) -> {args.out}")
    if args.plot:
        print(f"chart: {args.plot}")
    return 0


def add_calibrate(subparsers) -> None:
    p = _command(subparsers, "calibrate", "fit a scenario file (the realistic model: daily variance, intraday "
                                          "shapes, spread, volume) to a history", """
        mockbroker calibrate --from-csv history.csv --out more-like-this.yaml
        mockbroker simulate --config more-like-this.yaml --steps 100000 --out like-it.csv
        """)
    p.add_argument("--from-csv", dest="from_csv", required=True, metavar="CSV", help="CSV of bars or ticks to fit")
    p.add_argument("--out", required=True, metavar="YAML", help="scenario file to write (YAML)")
    p.add_argument("--symbol", default="ACME", help="the symbol's name in the scenario")
    p.add_argument("--seed", type=_whole(0, 2**63 - 1), default=2109, help="the scenario's seed")
    p.set_defaults(func=run_calibrate)


def run_calibrate(args: argparse.Namespace) -> int:
    from . import progress
    from .market.calibration import calibrate_file

    _input_file("--from-csv", args.from_csv, "a CSV file of bars or ticks")
    _output_file("--out", args.out)
    try:
        with progress.task(f"calibrating on {args.from_csv}"):
            document = calibrate_file(args.from_csv, args.out, args.symbol, args.seed)
    except (UnicodeDecodeError, ValueError) as problem:
        if type(problem).__module__.startswith("mockbroker"):
            raise
        raise CommandError(f"--from-csv {args.from_csv}: not a CSV file of bars or ticks "
                           f"({str(problem).splitlines()[0][:120]})") from None
    print(document["description"])
    print(f"scenario: {args.out}")
    return 0


COMMANDS: list[Callable] = [add_serve, add_fixtures, add_backtest, add_simulate, add_calibrate]
"""Subcommand builders, in the order ``mockbroker --help`` lists them."""


# ----- the parser and the one error path

def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="mockbroker", formatter_class=_Formatter,
        description="A deterministic mock stock broker: in process, as a service (Alpaca v2 + /mock), and tools "
                    "for market data and backtests.",
        epilog=textwrap.dedent("""
            examples:
              mockbroker serve --port 8000
              mockbroker simulate --steps 100000 --out acme.csv --plot acme.png
              mockbroker backtest --strategy sma_crossover --data GOOG.csv --mode realistic --compare
              mockbroker <command> --help        (each command's options and examples)

            exit status: 0 done, 1 a check failed (or an internal error), 2 bad input.
            """))
    parser.add_argument("--version", action="version", version=f"mockbroker {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for add in COMMANDS:
        add(subparsers)
    return parser


def _command_name(args: argparse.Namespace | None) -> str:
    if args is None:
        return "mockbroker"
    words = [getattr(args, "command", None), getattr(args, "fixtures_command", None)]
    return " ".join(["mockbroker"] + [w for w in words if w])


def _say(name: str, lines: Sequence[str]) -> None:
    """Each line after the command's name; indented lines (a list under the first) as they are."""
    for line in lines:
        print(line if line.startswith("  ") else f"{name}: {line}", file=sys.stderr)


EXTRAS = {"service": ("fastapi", "uvicorn", "pydantic", "prometheus_client", "httpx", "starlette"),
          "client": ("requests", "websockets", "msgpack"),
          "backtest": ("pandas", "matplotlib", "arch"), "fixtures": ("faker",), "load": ("locust", "psutil")}
"""Which optional part of the package (pyproject.toml's extras) brings which module."""


def explain(error: BaseException) -> tuple[int, list[str]]:
    """The exit status and the lines for an error that ended a command (never a traceback)."""
    from .errors import BrokerError

    if isinstance(error, CommandError):
        return EXIT_BAD_INPUT, list(error.lines)
    if isinstance(error, ModuleNotFoundError) and error.name:
        extra = next((e for e, modules in EXTRAS.items() if error.name.split(".")[0] in modules), "all")
        return EXIT_BAD_INPUT, [f"this needs {error.name}, which is not installed: pip install "
                                f"'mockbroker[{extra}]' (or, in this checkout, make bootstrap)"]
    if isinstance(error, BrokerError):
        return EXIT_BAD_INPUT, [error.message]
    if isinstance(error, (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)):
        return EXIT_BAD_INPUT, [f"{error.filename}: {error.strerror}"]
    if isinstance(error, UnicodeDecodeError):
        return EXIT_BAD_INPUT, ["a file given is not text (expected CSV, YAML or JSON)"]
    if isinstance(error, (ValueError, OSError)):
        return EXIT_BAD_INPUT, [str(error) or type(error).__name__]
    return EXIT_CHECK_FAILED, [f"internal error: {type(error).__name__}: {error} (a bug in mockbroker; "
                               "MOCKBROKER_DEBUG=1 shows the traceback)"]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv:
        parser.print_help()
        return 0
    args = parser.parse_args(argv)  # bad options: argparse prints the usage and the problem, exit 2
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"{_command_name(args)}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (mockbroker ... | head): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # noqa: BLE001 - the one error path: every error becomes lines and a status
        if os.environ.get("MOCKBROKER_DEBUG"):
            raise
        status, lines = explain(error)
        _say(_command_name(args), lines)
        return status


# ----- sweep (scenarios under many seeds, on Dask: see docs/scaling.md)

def add_sweep(subparsers) -> None:
    from .sweep.command import add_sweep as add

    add(subparsers)


COMMANDS.append(add_sweep)


if __name__ == "__main__":
    sys.exit(main())
