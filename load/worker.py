"""Locust workers for a ``python -m load.run`` master on another machine: the other half of a multi-host run.

    .venv/bin/python -m load.worker MASTER_HOST:PORT [--processes N] [--allow-remote]

Run it from a checkout of this project (with its ``.venv``) on each machine that should generate load, after the
master was started with ``--remote-workers`` (docs/scaling.md). It starts N Locust worker processes (default: one
per CPU) that connect to the master, take their share of the traders, send their requests to the master's
``--host`` and, at the end, send what they saw (accepted order ids, latencies) back to the master, which merges
them and checks consistency. It ends when the master ends the run (or after ``--timeout`` seconds).

Like ``load.run``, it talks only to 127.0.0.1 / localhost unless ``--allow-remote`` says otherwise. Exit status:
0 when every worker ended normally, 2 otherwise.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from load.run import LOCUSTFILE, is_loopback  # noqa: E402 - load.run imports no locust


def master_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: write the master as HOST:PORT, e.g. 127.0.0.1:5557")
    return host.strip("[]"), int(port)


def worker_command(host: str, port: int, loglevel: str = "WARNING") -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker", "--master-host", host,
            "--master-port", str(port), "--loglevel", loglevel]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m load.worker", description=__doc__.split("\n\n")[0])
    ap.add_argument("master", type=master_address, help="the load.run master, HOST:PORT")
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="worker processes (default: one per CPU)")
    ap.add_argument("--allow-remote", action="store_true", help="allow a master (and so a target) on another machine")
    ap.add_argument("--timeout", type=float, default=3600.0, help="stop the workers after this many seconds")
    ap.add_argument("--loglevel", default="WARNING")
    args = ap.parse_args(argv)
    host, port = args.master
    if not is_loopback(host) and not args.allow_remote:
        ap.error(f"master {host}:{port}: workers join a master on 127.0.0.1 / localhost unless you pass --allow-remote")
    if args.processes < 1:
        ap.error("--processes must be at least 1")
    env = dict(os.environ)
    env.pop("COVERAGE_PROCESS_START", None)  # gevent-patched load generators are not what coverage measures
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    procs = [subprocess.Popen(worker_command(host, port, args.loglevel), cwd=str(ROOT), env=env)
             for _ in range(args.processes)]
    print(f"{args.processes} Locust worker(s) joining {host}:{port}", file=sys.stderr, flush=True)
    deadline = time.monotonic() + args.timeout
    codes = []
    try:
        for p in procs:
            codes.append(p.wait(timeout=max(0.1, deadline - time.monotonic())))
    except subprocess.TimeoutExpired:
        print(f"error: the workers did not end within {args.timeout:g} s: stopped", file=sys.stderr)
        codes.append(124)
    except KeyboardInterrupt:
        codes.append(130)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
    return 0 if all(c == 0 for c in codes) else 2


if __name__ == "__main__":
    sys.exit(main())
