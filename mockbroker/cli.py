"""The ``mockbroker`` command line. ``python -m mockbroker <command> ...``

Each subcommand is one small function pair: ``add_<name>(subparsers)`` declares its arguments and sets
``func``; adding a command means writing one such function and listing it in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Callable, Sequence


def _load_config(path: str) -> dict:
    text = Path(path).read_text(encoding="utf-8")
    if path.endswith((".yaml", ".yml")):
        import yaml

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    if not isinstance(data, dict):
        raise SystemExit(f"--config {path}: the file must hold one object (the /mock/configure body)")
    return data


# ----- serve

def add_serve(subparsers) -> None:
    from .service.guard import Limits

    p = subparsers.add_parser("serve", help="run the broker as an HTTP service (Alpaca v2 API + /mock control)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--config", help="a YAML or JSON file with the /mock/configure body")
    p.add_argument("--seed", type=int, help="master seed (overrides the config file's)")
    p.add_argument("--db", help="SQLite file: the state survives restarts (and kill -9); an existing file's state "
                                "is resumed and --config/--seed are ignored (see docs/state.md)")
    p.add_argument("--recover", action="store_true",
                   help="with --db: a damaged file is moved aside and what verifies is kept; prints what was dropped")
    p.add_argument("--clock", choices=("virtual", "realtime"), default="virtual",
                   help="virtual: time moves only via /mock/advance; realtime: it also follows the wall clock")
    p.add_argument("--admin-key", default=os.environ.get("MOCKBROKER_ADMIN_KEY") or None,
                   help="require this X-Mock-Admin-Key header on /mock/* requests (default: $MOCKBROKER_ADMIN_KEY); "
                        "needed when --host is not loopback")
    p.add_argument("--insecure", action="store_true",
                   help="allow a non-loopback --host without an admin key (the control API is then open to the "
                        "network; a warning is printed)")
    p.add_argument("--seed-keys", action="store_true",
                   help="accounts without configured keys get keys derived from the seed (reproducible, guessable) "
                        "instead of random ones")
    defaults = Limits()
    p.add_argument("--max-body-bytes", type=int, default=defaults.max_body_bytes,
                   help="largest request body; bigger ones get 413 before they are read (default %(default)s)")
    p.add_argument("--ws-auth-timeout", type=float, default=defaults.ws_auth_timeout,
                   help="seconds a WebSocket may stay unauthenticated (default %(default)s)")
    p.add_argument("--max-ws-per-client", type=int, default=defaults.ws_per_client,
                   help="WebSocket connections one client address may hold (default %(default)s)")
    p.add_argument("--max-ws", type=int, default=defaults.ws_total,
                   help="WebSocket connections in total (default %(default)s)")
    p.add_argument("--log-level", default="warning")
    p.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .config import BrokerConfig
    from .service import create_app

    from .service.exposure import exposure_check, insecure_warning
    from .service.state import config_with_keys

    refusal = exposure_check(args.host, args.admin_key, args.insecure)
    if refusal:
        raise SystemExit(refusal)
    limits = _limits(args)
    body = _load_config(args.config) if args.config else {}
    if args.seed is not None:
        body["seed"] = args.seed
    if args.recover and not args.db:
        raise SystemExit("--recover needs --db FILE (the database to recover)")
    config = config_with_keys(BrokerConfig.from_dict(body), args.seed_keys)
    broker = _persistent_broker(args.db, config, args.recover) if args.db else None
    app = create_app(broker=broker, config=config, admin_key=args.admin_key, clock=args.clock,
                     seed_keys=args.seed_keys, limits=limits)
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
    finally:
        if broker is not None:
            broker.close()  # folds the WAL into the file and records the clean close
    return 0


def _limits(args: argparse.Namespace):
    from .service.guard import Limits

    try:
        return Limits(max_body_bytes=args.max_body_bytes, ws_auth_timeout=args.ws_auth_timeout,
                      ws_per_client=args.max_ws_per_client, ws_total=args.max_ws)
    except ValueError as problem:
        raise SystemExit(f"mockbroker serve: {problem}") from None


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
            resumed = False  # the report says what was kept
        else:
            broker, resumed = open_broker(path, config)
    except BrokerError as problem:
        raise SystemExit(f"--db {path}: {problem.message}") from None
    if resumed:
        print(f"--db {path}: resumed the saved state (clock at {iso(broker.now_ns())}); --config/--seed ignored",
              file=sys.stderr)
    return broker


def _exit_cleanly(signum, frame) -> None:
    raise SystemExit(0)


COMMANDS: list[Callable] = [add_serve]
"""Subcommand builders; other modules' commands are added here (``add_simulate``, ``add_backtest``, ...)."""


# ----- fixtures (test data: see docs/fixtures.md)

def add_fixtures(subparsers) -> None:
    p = subparsers.add_parser("fixtures", help="generate test data fixtures, or load one into a running service")
    sub = p.add_subparsers(dest="fixtures_command", required=True)
    gen = sub.add_parser("generate", help="seeded fake accounts, positions and order histories (YAML or JSON)")
    gen.add_argument("--seed", type=int, default=None, help="the same seed gives the same people and orders")
    gen.add_argument("--accounts", type=int, default=3)
    gen.add_argument("--orders", type=int, default=5, help="orders per account")
    gen.add_argument("--symbols", default="ACME", help="comma-separated, e.g. ACME,BOLT")
    gen.add_argument("-o", "--output", help="file to write (.yaml, .yml or .json); stdout when omitted")
    load = sub.add_parser("load", help="configure a running service from a fixture file (replaces its state)")
    load.add_argument("fixture", help="a fixture file, or the name of one in tests/fixtures/")
    load.add_argument("--url", default="http://127.0.0.1:8000", help="the service's base URL")
    load.add_argument("--admin-key", help="the service's X-Mock-Admin-Key, if it has one")
    load.add_argument("--seed", type=int, help="seed to use when the fixture names none")
    check = sub.add_parser("check", help="validate fixture files")
    check.add_argument("files", nargs="+")
    p.set_defaults(func=run_fixtures)


def run_fixtures(args: argparse.Namespace) -> int:
    from . import fixtures
    from .errors import BrokerError

    try:
        if args.fixtures_command == "generate":
            from .fakes import FakeData
            from .seeds import DEFAULT_SEED

            symbols = tuple(s.strip() for s in args.symbols.split(",") if s.strip())
            fixture = FakeData(DEFAULT_SEED if args.seed is None else args.seed).fixture(
                accounts=args.accounts, symbols=symbols, orders=args.orders)
            text = fixtures.dump(fixture, args.output)
            if args.output is None:
                sys.stdout.write(text)
            else:
                print(f"wrote {args.output}: {len(fixture.accounts)} accounts", file=sys.stderr)
            return 0
        if args.fixtures_command == "check":
            for name in args.files:
                fixture = fixtures.load(name)
                print(f"{name}: ok ({len(fixture.accounts)} accounts, "
                      f"{sum(len(a.orders) for a in fixture.accounts)} orders)")
            return 0
        from .client import HttpBroker

        fixture = fixtures.load(args.fixture)
        with HttpBroker(args.url, admin_key=args.admin_key) as broker:
            summary = fixtures.apply(fixture, broker, seed=args.seed)
        print(json.dumps(summary))
        return 0
    except BrokerError as problem:
        print(f"mockbroker fixtures {args.fixtures_command}: {problem}", file=sys.stderr)
        return 2


COMMANDS.append(add_fixtures)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockbroker", description="A deterministic mock broker")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


# ----- backtest (see docs/backtesting.md)

def add_backtest(subparsers) -> None:
    p = subparsers.add_parser("backtest", help="run a strategy over history (CSV bars) with ideal or realistic execution")
    p.add_argument("--strategy", required=True,
                   help="a built-in strategy name (sma_crossover) or module:Class with on_bar(bar, broker)")
    p.add_argument("--data", required=True, help="CSV of bars: a date/time column, open, high, low, close[, volume]")
    p.add_argument("--mode", choices=("ideal", "realistic"), default="ideal",
                   help="ideal: fills at the next bar's open, commission only; realistic: the mock's execution")
    p.add_argument("--cash", type=float, default=10_000.0, help="starting cash (default 10,000)")
    p.add_argument("--commission", type=float, default=0.0, help="commission rate per fill (0.002 = 0.2%%)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a strategy parameter, e.g. --param fast=10 --param slow=20 (repeatable)")
    p.add_argument("--symbol", help="the symbol's name (default: the file name, e.g. GOOG.csv -> GOOG)")
    p.add_argument("--seed", type=int, help="seed of the realistic mode's broker (latency draws)")
    p.add_argument("--compare", action="store_true", help="also run the ideal mode and show it beside (realistic)")
    p.add_argument("--out", help="write the result as JSON to this file")
    p.add_argument("--chart", help="write a PNG chart (price and trades, equity, drawdown) to this file")
    p.set_defaults(func=run_backtest_command)


def _parameter(text: str) -> tuple[str, object]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise SystemExit(f"--param {text!r}: write NAME=VALUE, e.g. --param fast=10")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


def run_backtest_command(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from .backtest import Backtest, HistoryError, RealisticExecution, load_history

    try:
        history = load_history(args.data, args.symbol)
    except HistoryError as problem:
        print(f"mockbroker backtest: {problem}", file=sys.stderr)
        return 2
    realistic = RealisticExecution() if args.seed is None else replace(RealisticExecution(), seed=args.seed)
    parameters = dict(_parameter(p) for p in args.param)

    def run(mode: str):
        return Backtest(history, args.strategy, mode=mode, cash=args.cash, commission=args.commission,
                        parameters=parameters, realistic=realistic).run()

    from .errors import BrokerError

    try:
        result = run(args.mode)
        baseline = run("ideal") if args.compare and args.mode != "ideal" else None
    except (ValueError, BrokerError) as problem:
        print(f"mockbroker backtest: {problem}", file=sys.stderr)
        return 2
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


COMMANDS.append(add_backtest)


# ----- simulate and calibrate (market data outside of tests: see docs/market-simulation.md)

def add_simulate(subparsers) -> None:
    p = subparsers.add_parser("simulate", help="generate market data (time,bid,ask,last,volume) to a CSV file")
    p.add_argument("--model", choices=("random_walk", "mean_reversion", "momentum", "garch", "historical"),
                   help="price model (default: the config's, else random_walk; --from-csv implies historical)")
    p.add_argument("--symbol", help="symbol to generate (default: the config's first, else ACME)")
    p.add_argument("--steps", type=int, default=10_000, help="number of market updates (default 10,000)")
    p.add_argument("--seed", type=int, help="master seed (default: the config's, else 2109)")
    p.add_argument("--out", required=True, help="CSV file to write")
    p.add_argument("--scenario", help="a named scenario: normal, volatile, trending, range, flash_crash, "
                                      "no_liquidity, failure")
    p.add_argument("--config", help="a scenario file (YAML or JSON; the /mock/configure body plus events)")
    p.add_argument("--from-csv", dest="from_csv", help="replay this history (bars or ticks) instead of a model")
    p.add_argument("--volatility", type=float, help="daily volatility in %%")
    p.add_argument("--drift", type=float, help="expected daily return in %%")
    p.add_argument("--spread", type=float, help="bid-ask spread in bps")
    p.add_argument("--update-ms", dest="update_ms", type=int, help="milliseconds between updates")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a model parameter, e.g. --param half_life=0.5 (repeatable)")
    p.add_argument("--plot", help="also write a PNG chart of the generated prices")
    p.set_defaults(func=run_simulate)


def run_simulate(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from .config import SymbolConfig
    from .errors import ConfigurationError
    from .market.charts import price_chart_png
    from .market.generator import generate
    from .scenarios import ScenarioSpec, load_scenario_file

    try:
        spec = load_scenario_file(args.config) if args.config else ScenarioSpec(__import__(
            "mockbroker.config", fromlist=["BrokerConfig"]).BrokerConfig())
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
        ticks = generate(config, args.steps, args.symbol, events)
    except ConfigurationError as problem:
        print(f"mockbroker simulate: {problem.message}", file=sys.stderr)
        return 2
    ticks.write_csv(args.out)
    print(f"{len(ticks):,} updates of {ticks.symbol} (model {config.market.model}, scenario {config.scenario}, "
          f"seed {config.seed}) -> {args.out}")
    if args.plot:
        Path(args.plot).write_bytes(price_chart_png(
            ticks.time_ns, ticks.bid, ticks.ask, ticks.last, ticks.volume,
            f"{ticks.symbol}: {config.market.model}, scenario {config.scenario}, seed {config.seed}"))
        print(f"chart: {args.plot}")
    return 0


def add_calibrate(subparsers) -> None:
    p = subparsers.add_parser("calibrate", help="fit a scenario file (GARCH-t, spread, volume profile) to a history")
    p.add_argument("--from-csv", dest="from_csv", required=True, help="CSV of bars or ticks")
    p.add_argument("--out", required=True, help="scenario file to write (YAML)")
    p.add_argument("--symbol", default="ACME", help="the symbol's name in the scenario (default ACME)")
    p.add_argument("--seed", type=int, default=2109, help="the scenario's seed (default 2109)")
    p.set_defaults(func=run_calibrate)


def run_calibrate(args: argparse.Namespace) -> int:
    from .errors import ConfigurationError
    from .market.calibration import calibrate_file

    try:
        document = calibrate_file(args.from_csv, args.out, args.symbol, args.seed)
    except ConfigurationError as problem:
        print(f"mockbroker calibrate: {problem.message}", file=sys.stderr)
        return 2
    print(document["description"])
    print(f"scenario: {args.out}")
    return 0


COMMANDS.append(add_simulate)
COMMANDS.append(add_calibrate)


if __name__ == "__main__":
    sys.exit(main())
