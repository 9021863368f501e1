"""The ``mockbroker`` command line. ``python -m mockbroker <command> ...``

Each subcommand is one small function pair: ``add_<name>(subparsers)`` declares its arguments and sets
``func``; adding a command means writing one such function and listing it in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import json
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
    p = subparsers.add_parser("serve", help="run the broker as an HTTP service (Alpaca v2 API + /mock control)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--config", help="a YAML or JSON file with the /mock/configure body")
    p.add_argument("--seed", type=int, help="master seed (overrides the config file's)")
    p.add_argument("--db", help="SQLite file: the state survives restarts (and kill -9); an existing file's state "
                                "is resumed and --config/--seed are ignored (see docs/state.md)")
    p.add_argument("--clock", choices=("virtual", "realtime"), default="virtual",
                   help="virtual: time moves only via /mock/advance; realtime: it also follows the wall clock")
    p.add_argument("--admin-key", help="require this X-Mock-Admin-Key header on /mock/* requests")
    p.add_argument("--log-level", default="warning")
    p.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .config import BrokerConfig
    from .service import create_app

    body = _load_config(args.config) if args.config else {}
    if args.seed is not None:
        body["seed"] = args.seed
    broker = _persistent_broker(args.db, BrokerConfig.from_dict(body)) if args.db else None
    app = create_app(broker=broker, config=BrokerConfig.from_dict(body), admin_key=args.admin_key, clock=args.clock)
    # uvicorn handles SIGINT/SIGTERM: it stops accepting, finishes in-flight requests, runs the lifespan exit,
    # then re-raises the signal. These handlers turn that into a normal exit (atexit hooks such as coverage run).
    signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    except KeyboardInterrupt:
        pass
    return 0


def _persistent_broker(path: str, config):
    """``serve --db``: the broker saved in ``path`` (resumed), or a new one from ``config`` saved there."""
    from .clock import iso
    from .errors import BrokerError
    from .persistence import open_broker

    try:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockbroker", description="A deterministic mock broker")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
