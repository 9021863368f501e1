"""One command for a load run: start a service, run Locust headless for a bounded time, check consistency, report.

    .venv/bin/python -m load.run --users 20 --duration 10s                  # as fast as the traders can
    .venv/bin/python -m load.run --users 50 --orders 2000 --duration 10s    # paced: 2,000 orders over 10 s
    .venv/bin/python -m load.run --users 20 --subscribers 50 --duration 30s # plus 50 market-data subscribers
    .venv/bin/python -m load.run --users 40 --duration 30s --workers 3      # one master + 3 workers, 127.0.0.1
    .venv/bin/python -m load.run --host http://127.0.0.1:8000 ...           # a service you started yourself
    .venv/bin/python -m load.run --allow-remote --host http://10.0.0.7:8000 --master-bind-host 0.0.0.0 \
        --master-port 5557 --remote-workers 4 --users 200 --duration 60s    # several hosts (docs/scaling.md)

Without ``--host`` it starts ``python -m mockbroker serve --clock realtime`` on a free 127.0.0.1 port (so orders
reach the simulated venue as wall time passes) with one account per trader (up to ``--accounts``) and a fast
venue (``--venue-latency-ms``, default 1-5 ms simulated). Locust runs in processes of its own (it patches the
interpreter through gevent). Prints a text report; ``--json FILE`` writes the numbers and raw samples, ``--charts
DIR`` the PNG charts. Exits 1 when consistency fails, 2 when the run did not happen (Locust failed to start or
timed out).

Where load may go: by default only to 127.0.0.1 / localhost, and the Locust master binds 127.0.0.1. A target on
another host (``--host``) and a master other machines can reach (``--master-bind-host``) need ``--allow-remote``,
said on purpose. ``--remote-workers N`` makes the master wait for N more workers, started on other machines with
``python -m load.worker MASTER:PORT`` (each worker sends its orders to the master, which merges them).
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mockbroker import progress  # noqa: E402
from mockbroker.perf import charts  # noqa: E402
from mockbroker.perf.consistency import check_consistency  # noqa: E402
from mockbroker.perf.report import key_values, latency_table, table  # noqa: E402
from mockbroker.perf.resources import ResourceSampler  # noqa: E402
from mockbroker.perf.stats import LatencySummary, sustained_rate, throughput_series  # noqa: E402

LOCUSTFILE = ROOT / "load" / "locustfile.py"
QUOTA_GRACE_S = 60
"""Extra run time a run with order quotas may take to finish them (a shared CI box can be several times slower)."""


def seconds(text: str) -> float:
    """``10s``, ``2m``, ``1h`` or a plain number of seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", str(text))
    if not m:
        raise argparse.ArgumentTypeError(f"duration={text!r}: expected e.g. 10s, 2m or 30")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def service_config(accounts: int, symbols: list[str], seed: int, venue_latency: tuple[float, float]) -> dict:
    return {"seed": seed, "symbols": symbols,
            "accounts": [{"id": f"trader-{i:03d}", "cash": "1000000000"} for i in range(1, accounts + 1)],
            "marketConfig": {"updateFrequency": 10},
            "executionConfig": {"latencyMin": venue_latency[0], "latencyMax": venue_latency[1]}}


LOOPBACK = re.compile(r"(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[?::1\]?)$")


def is_loopback(host: str) -> bool:
    return bool(LOOPBACK.match(host.strip().lower()))


def target_host(url: str) -> str:
    """The host name of a base URL, or an ArgumentTypeError naming the right form."""
    m = re.fullmatch(r"https?://(\[[^\]]+\]|[^/:\s]+)(:\d+)?/?", url.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"--host {url!r}: expected a base URL such as http://127.0.0.1:8000")
    return m.group(1)


def check_where_load_goes(args) -> str | None:
    """Why the run must not start (a non-loopback target or bind address without --allow-remote), or None."""
    if args.host:
        try:
            host = target_host(args.host)
        except argparse.ArgumentTypeError as problem:
            return str(problem)
        if not is_loopback(host) and not args.allow_remote:
            return (f"--host {args.host}: load goes only to 127.0.0.1 / localhost unless you pass --allow-remote "
                    f"(for a service on another machine that is yours to load)")
    if not is_loopback(args.master_bind_host) and not args.allow_remote:
        return (f"--master-bind-host {args.master_bind_host}: the Locust master binds 127.0.0.1 unless you pass "
                f"--allow-remote (for workers on other machines)")
    if args.remote_workers < 0 or args.workers < 0:
        return "--workers and --remote-workers: 0 or more"
    return None


def locust_commands(args, host: str, results: str, per_trader: int, rate: float) -> list[list[str]]:
    """The Locust command lines: one local run, or a master with ``--workers`` local workers (and room for
    ``--remote-workers`` started elsewhere); the master binds ``--master-bind-host`` (127.0.0.1 by default)."""
    py = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    # paced traders finish their quota a little after the duration's end (the last order is due at its end); the
    # run ends as soon as every quota is done (locustfile: _end_when_quotas_are_done), so the grace for a busy
    # machine (Locust's own start can take seconds there) costs nothing on a quiet one
    run_time = max(1, math.ceil(args.duration * 1.1 + 1 + QUOTA_GRACE_S if per_trader else args.duration))
    users = args.users + args.subscribers
    classes = ["Trader"] + (["MarketDataSubscriber"] if args.subscribers else [])  # fixed_count 0 would be weighted
    common = ["--headless", "-u", str(users), "-r", str(users * 10), "-t", f"{run_time}s",  # all start within 0.1 s
              "--host", host, "--only-summary", "--loglevel", args.loglevel, "--stop-timeout", "3",
              "--results-dir", results, "--order-rate", f"{rate:g}", "--orders-per-trader", str(per_trader),
              "--poll-ms", f"{args.poll_ms:g}", "--mix-seed", str(args.seed), "--fills-from", args.fills_from,
              "--subscribers", str(args.subscribers)]
    remote = getattr(args, "remote_workers", 0)
    if args.workers <= 0 and remote <= 0:
        return [py + common + classes]
    port = args.master_port or _free_port()
    bind = getattr(args, "master_bind_host", "127.0.0.1")
    wait = getattr(args, "remote_wait", 30)
    master = py + common + ["--master", "--master-bind-host", bind, "--master-bind-port", str(port),
                            "--expect-workers", str(args.workers + remote),
                            "--expect-workers-max-wait", f"{wait:g}"] + classes
    worker = py + ["--worker", "--master-host", _reachable_here(bind), "--master-port", str(port), "--loglevel",
                   args.loglevel] + classes
    return [master] + [list(worker) for _ in range(args.workers)]


def _reachable_here(bind_host: str) -> str:
    """Where local workers find the master: loopback when it binds every interface, else its address."""
    return "127.0.0.1" if bind_host in ("0.0.0.0", "::", "*") else bind_host


def _reachable(bind_host: str) -> str:
    """The address to tell workers: the bind address, or this machine's name when it binds every interface."""
    return socket.gethostname() if bind_host in ("0.0.0.0", "::", "*") else bind_host


def _free_port() -> int:
    from mockbroker.harness import free_port
    return free_port()


def run_locust(commands: list[list[str]], timeout: float, status: Callable[[float], None] | None = None) \
        -> tuple[int, str]:
    """Start the processes (master first), wait for all within ``timeout`` seconds, kill stragglers. ``status``
    is called with the seconds elapsed about twice a second while they run (the progress display)."""
    env = dict(os.environ)
    env.pop("COVERAGE_PROCESS_START", None)  # the load generator is not what coverage measures (and it runs on gevent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    logs = [tempfile.TemporaryFile() for _ in commands]
    procs = [subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT)
             for cmd, log in zip(commands, logs)]
    started = time.monotonic()
    deadline = started + timeout
    rc = 0
    try:
        for i, p in enumerate(procs):
            try:
                while True:  # bounded by the deadline
                    try:
                        code = p.wait(timeout=max(0.01, min(0.5, deadline - time.monotonic())))
                        break
                    except subprocess.TimeoutExpired:
                        if time.monotonic() >= deadline:
                            raise
                        if status is not None:
                            status(time.monotonic() - started)
            except subprocess.TimeoutExpired:
                rc = 124
                break
            if i == 0:
                rc = code
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
    out = []
    for i, log in enumerate(logs):
        log.seek(0)
        text = log.read().decode(errors="replace")
        out.append(f"--- locust process {i} ({'master' if i == 0 and len(procs) > 1 else 'worker' if i else 'local'})"
                   f" exit {procs[i].returncode}\n{text[-6000:]}")
        log.close()
    return rc, "\n".join(out)


def merge(results: str) -> dict:
    """Merge every process's files: accepted ids, submit latencies, round trips, Locust's stats."""
    accepted: dict[str, list[str]] = {}
    submits, round_trips = [], []
    unfilled = rejected = 0
    failures: dict[str, int] = {}
    stream_errors: dict[str, int] = {}
    md = {"subscribers": 0, "messages": {}, "delays": [], "first": None, "last": None}
    files = sorted(glob.glob(os.path.join(results, "orders-*.json")))
    for path in files:
        data = json.load(open(path))
        for account, ids in data["accepted"].items():
            accepted.setdefault(account, []).extend(ids)
        submits += data["submits"]
        round_trips += data["round_trips"]
        unfilled += data["unfilled_market_orders"]
        rejected += data["rejected"]
        for k, v in data["failures"].items():
            failures[k] = failures.get(k, 0) + v
        for k, v in data.get("stream_errors", {}).items():
            stream_errors[k] = stream_errors.get(k, 0) + v
        m = data.get("market_data") or {}
        md["subscribers"] += m.get("subscribers", 0)
        for k, v in (m.get("messages") or {}).items():
            md["messages"][k] = md["messages"].get(k, 0) + v
        md["delays"] += m.get("delays") or []
        for key, pick in (("first", min), ("last", max)):
            if m.get(key) is not None:
                md[key] = m[key] if md[key] is None else pick(md[key], m[key])
    stats = {}
    for path in sorted(glob.glob(os.path.join(results, "stats-*.json"))):
        stats = json.load(open(path))
    return {"processes": len(files), "accepted": accepted, "submits": submits, "round_trips": round_trips,
            "unfilled_market_orders": unfilled, "rejected": rejected, "failures": failures, "locust": stats,
            "stream_errors": stream_errors, "market_data": md}


def summarize(merged: dict, consistency, samples, args) -> dict:
    submit_times = [t for t, _ in merged["submits"]]
    sub = LatencySummary.of("submit order (HTTP)", [lat for _, lat in merged["submits"]])
    rt = LatencySummary.of("order round trip (submit to fill seen)", [lat for _, lat in merged["round_trips"]])
    return {
        "users": args.users, "workers": args.workers, "duration_s": args.duration, "target_orders": args.orders,
        "orders_accepted": sum(len(v) for v in merged["accepted"].values()),
        "orders_submitted": len(merged["submits"]),
        "orders_per_second": round(sustained_rate(submit_times), 1),
        "submit_latency": sub.to_dict(), "round_trip": rt.to_dict(),
        "unfilled_market_orders": merged["unfilled_market_orders"], "rejected": merged["rejected"],
        "fills_from": args.fills_from, "stream_errors": merged["stream_errors"],
        "market_data": _market_data(merged["market_data"]),
        "failures": merged["failures"], "locust": merged["locust"], "locust_processes": merged["processes"],
        "consistency": consistency.to_dict() if consistency is not None else None,
        "service_rss_mb": [round(s.rss_bytes / 2**20, 2) for s in samples],
        "service_fds": [s.fds for s in samples], "sample_times_s": [round(s.t, 2) for s in samples],
        "samples": {"submits": merged["submits"], "round_trips": merged["round_trips"]},
        "accepted": merged["accepted"],
    }


def _market_data(md: dict) -> dict:
    data_messages = sum(v for k, v in md["messages"].items() if k in ("q", "t", "b"))
    span = (md["last"] - md["first"]) if md["first"] is not None and md["last"] is not None else 0.0
    return {"subscribers": md["subscribers"], "messages": md["messages"], "data_messages": data_messages,
            "messages_per_second": round(data_messages / span, 1) if span > 0 else 0.0,
            "delay": LatencySummary.of("market-data delay (simulated time to receipt)", md["delays"]).to_dict(),
            "delays": md["delays"][:50_000]}


def text_report(summary: dict) -> str:
    sub = LatencySummary(**summary["submit_latency"])
    rt = LatencySummary(**summary["round_trip"])
    lines = [key_values([
        ("traders", summary["users"]), ("locust workers", summary["workers"] or "local"),
        ("duration (s)", summary["duration_s"]), ("orders submitted", summary["orders_submitted"]),
        ("orders accepted (with replacements)", summary["orders_accepted"]), ("orders/s sustained", summary["orders_per_second"]),
        ("market orders without a fill seen", summary["unfilled_market_orders"]),
        ("refused by broker rules", summary["rejected"]),
    ]), "", latency_table([sub, rt] + ([LatencySummary(**summary["market_data"]["delay"])]
                                        if summary["market_data"]["subscribers"] else []))]
    md = summary["market_data"]
    if md["subscribers"]:
        lines += ["", key_values([("market-data subscribers", md["subscribers"]),
                                  ("market-data messages delivered", md["data_messages"]),
                                  ("market-data messages/s (all subscribers)", md["messages_per_second"])])]
    if summary["stream_errors"]:
        lines += [f"  stream problem: {k} x{v}" for k, v in summary["stream_errors"].items()]
    reqs = (summary["locust"] or {}).get("requests", {})
    if reqs:
        lines += ["", table(["request (Locust)", "requests", "failures", "req/s", "p50 ms", "p99 ms", "max ms"],
                            [[k, v["requests"], v["failures"], float(v["rps"]), float(v["p50_ms"]),
                              float(v["p99_ms"]), float(v["max_ms"])] for k, v in reqs.items()])]
    c = summary["consistency"]
    if c is not None:
        lines += ["", key_values([("accepted orders accounted for", f"{c['accounted_for']:,} of {c['accepted']:,}"),
                                  ("order ids duplicated", len(c["duplicated_by_clients"]) +
                                   len(c["duplicated_in_service"])),
                                  ("accounts reconciled", f"{c['accounts_reconciled']} of {c['accounts']}"),
                                  ("fills in the service", c["fills_in_service"]),
                                  ("consistency", "ok" if c["ok"] else "FAILED")])]
        lines += [f"  problem: {p}" for p in c["problems"][:20]]
    if summary["service_rss_mb"]:
        lines += ["", f"service RSS: {summary['service_rss_mb'][0]:.1f} MB at start, "
                      f"{summary['service_rss_mb'][-1]:.1f} MB at the end; open fds {summary['service_fds'][-1]}"]
    return "\n".join(lines)


def write_charts(summary: dict, directory: str, samples) -> list[str]:
    os.makedirs(directory, exist_ok=True)
    rt = [lat * 1000 for _, lat in summary["samples"]["round_trips"]]
    sub = [lat * 1000 for _, lat in summary["samples"]["submits"]]
    out = {
        "round-trip-histogram.png": charts.latency_histogram(
            rt, "order round trip (submit to fill seen)",
            {"p50": summary["round_trip"]["p50_ms"], "p99": summary["round_trip"]["p99_ms"]} if rt else None),
        "submit-latency-histogram.png": charts.latency_histogram(
            sub, "order submission latency (HTTP)",
            {"p50": summary["submit_latency"]["p50_ms"], "p99": summary["submit_latency"]["p99_ms"]} if sub else None),
        "throughput.png": charts.throughput_over_time(
            {"orders accepted": throughput_series([t for t, _ in summary["samples"]["submits"]]),
             "fills seen": throughput_series([t for t, _ in summary["samples"]["round_trips"]])},
            "throughput over time"),
    }
    if samples:
        out["service-memory.png"] = charts.memory_over_time(samples, "service memory over the run")
    paths = []
    for name, png in out.items():
        path = os.path.join(directory, name)
        Path(path).write_bytes(png)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m load.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=20, help="simulated traders (default 20)")
    ap.add_argument("--duration", type=seconds, default=10.0, help="how long, e.g. 10s or 2m (default 10s)")
    ap.add_argument("--orders", type=int, default=0, help="submit this many orders in all, paced over the duration "
                                                          "(default 0: as fast as the traders can)")
    ap.add_argument("--workers", type=int, default=0, help="Locust workers under one master (default 0: local)")
    ap.add_argument("--master-port", type=int, default=0, help="the master's port (default: a free one)")
    ap.add_argument("--host", help="a running service's base URL (default: start one); only 127.0.0.1 / localhost "
                                   "unless --allow-remote")
    ap.add_argument("--allow-remote", action="store_true",
                    help="allow a --host on another machine and a --master-bind-host other machines can reach")
    ap.add_argument("--master-bind-host", default="127.0.0.1",
                    help="where the Locust master listens (default 127.0.0.1; another address needs --allow-remote)")
    ap.add_argument("--remote-workers", type=int, default=0,
                    help="Locust workers you start on other machines (python -m load.worker MASTER:PORT); the "
                         "master waits for them beside --workers")
    ap.add_argument("--remote-wait", type=float, default=60.0,
                    help="seconds the master waits for all workers to join (default 60)")
    ap.add_argument("--accounts", type=int, default=50, help="accounts when starting a service (at most one a trader)")
    ap.add_argument("--symbols", default="ACME,BETA,GAMA", help="symbols when starting a service")
    ap.add_argument("--venue-latency-ms", default="1,5", help="simulated venue latency min,max in ms (default 1,5)")
    ap.add_argument("--subscribers", type=int, default=0, help="market-data stream subscribers besides the traders")
    ap.add_argument("--fills-from", choices=("stream", "events"), default="stream",
                    help="time fills on the trade-updates stream (default) or by polling the event log")
    ap.add_argument("--poll-ms", type=float, default=10.0, help="fill watcher poll interval (default 10 ms, the realtime tick)")
    ap.add_argument("--seed", type=int, default=2109)
    ap.add_argument("--json", help="write the numbers and raw samples to this file")
    ap.add_argument("--charts", help="write PNG charts into this folder")
    ap.add_argument("--no-consistency", action="store_true", help="skip the consistency check")
    ap.add_argument("--loglevel", default="WARNING")
    ap.add_argument("--show-locust-output", action="store_true")
    args = ap.parse_args(argv)
    if args.users < 1:
        ap.error("--users must be at least 1")
    refusal = check_where_load_goes(args)
    if refusal:
        ap.error(refusal)
    per_trader = math.ceil(args.orders / args.users) if args.orders else 0
    rate = per_trader / args.duration if args.orders else 0.0
    lo, _, hi = args.venue_latency_ms.partition(",")
    venue = (float(lo), float(hi or lo))

    service = None
    results = tempfile.mkdtemp(prefix="mockbroker-load-")
    try:
        if args.host:
            host = args.host.rstrip("/")
            sampler = None
        else:
            from mockbroker.harness import ServiceProcess
            config = service_config(min(args.accounts, args.users), args.symbols.split(","), args.seed, venue)
            service = ServiceProcess(config=config, clock="realtime").start()
            host = service.base_url
            sampler = ResourceSampler(service.proc.pid, interval=0.5).start()
        started = time.monotonic()
        commands = locust_commands(args, host, results, per_trader, rate)
        if args.remote_workers:
            port = commands[0][commands[0].index("--master-bind-port") + 1]
            print(f"waiting up to {args.remote_wait:g} s for {args.remote_workers} remote worker(s); on each worker "
                  f"machine, from a checkout of this project:\n  .venv/bin/python -m load.worker "
                  f"{_reachable(args.master_bind_host)}:{port}{' --allow-remote' if args.allow_remote else ''}",
                  file=sys.stderr, flush=True)
        if progress.enabled():
            print(f"service up on :{host.rsplit(':', 1)[-1]}, running {args.duration:g} s with {args.users} traders"
                  + (f" and {args.subscribers} subscribers" if args.subscribers else "")
                  + (f" on {args.workers} Locust workers" if args.workers else "") + " ...", file=sys.stderr)
        with progress.task(f"load on {host}", total=args.duration, unit="s", delay=0) as bar:
            def status(elapsed: float) -> None:
                rss = f", service RSS {sampler.samples[-1].rss_bytes / 2**20:.0f} MB" \
                    if sampler is not None and sampler.samples else ""
                bar.update(completed=min(elapsed, args.duration))
                bar.describe(f"load: {args.users} traders{rss}" if elapsed <= args.duration
                             else "load: the last orders are coming back")
            rc, output = run_locust(commands, timeout=args.duration * 1.2 + 90
                                    + (args.remote_wait if args.remote_workers else 0), status=status)
        samples = sampler.stop() if sampler is not None else []
        merged = merge(results)
        if rc == 124 or not merged["processes"]:
            print(output, file=sys.stderr)
            print(f"error: the Locust run {'timed out' if rc == 124 else 'wrote no results'} (exit {rc})",
                  file=sys.stderr)
            return 2
        if args.show_locust_output:
            print(output)
        consistency = None
        if not args.no_consistency:
            import requests
            accounts = requests.get(f"{host}/mock/accounts", timeout=10).json()
            keys = {a["id"]: {"APCA-API-KEY-ID": a["api_key_id"], "APCA-API-SECRET-KEY": a["api_secret_key"]}
                    for a in accounts}
            consistency = check_consistency(host, merged["accepted"], keys)
        summary = summarize(merged, consistency, samples, args)
        summary["wall_s"] = round(time.monotonic() - started, 2)
        summary["locust_exit"] = rc
        print(text_report(summary))
        if args.charts:
            for path in write_charts(summary, args.charts, samples):
                print(f"chart: {path}")
        if args.json:
            Path(args.json).write_text(json.dumps(summary))
        return 1 if consistency is not None and not consistency.ok else 0
    finally:
        if service is not None:
            service.stop()
        shutil.rmtree(results, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
