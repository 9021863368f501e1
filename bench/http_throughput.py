"""Order-submission throughput and p50/p99 latency over HTTP, next to a bare FastAPI JSON endpoint in the same run.

    .venv/bin/python bench/http_throughput.py [--seconds 12] [--slice 0.25] [--clients 8] [--db]

Both servers run side by side: the mock as ``serve`` runs it (``ServiceProcess``: in memory, as the bare endpoint
keeps nothing), and the bare app, FastAPI's minimal JSON endpoint (a pydantic body in, a dict out), under the
same uvicorn with the same log settings. The same client processes load both, switching target every ``--slice``
seconds on one shared schedule (mock, bare, mock, ...: each gets half of ``--seconds``), so the load other jobs
put on the machine falls on both alike; rounds of seconds on one endpoint at a time moved the ratio between 0.2 and
3.9 on a busy machine. Each client keeps one keep-alive ``http.client`` connection per server (a requests client
tops out near 1,400 req/s per process).

Prints per endpoint req/s, p50/p99 latency, and CPU time per request of the server (from ``/proc``) and of the
clients (the CPU figures move far less with the machine's load than throughput does); then the ratio of the
mock's requests to the bare endpoint's, overall and per quarter of the run. ``--db`` then also measures the mock
with its SQLite journal (``serve --db``: every accepted order persisted) on its own, on a separate line; the
ratio stays the in-memory one. Prints figures; never pass/fail.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mockbroker.harness import ServiceProcess, free_port  # noqa: E402

TARGET = 0.7
BARE_APP = """
from fastapi import FastAPI
from pydantic import BaseModel
app = FastAPI()
class Body(BaseModel):
    symbol: str
    qty: int
    side: str
@app.post("/echo")
async def echo(body: Body):
    return {"id": "x", "symbol": body.symbol, "qty": body.qty, "side": body.side, "status": "accepted"}
"""
ORDER = json.dumps({"symbol": "ACME", "qty": 1, "side": "buy", "type": "limit", "limit_price": "1.00",
                    "time_in_force": "gtc"})
ECHO = json.dumps({"symbol": "ACME", "qty": 1, "side": "buy"})
CONFIG = {"symbols": ["ACME"], "accounts": [{"id": "default", "cash": "1000000000"}], "seed": 1}
QUARTERS = 4


def worker(targets, start, seconds, slice_seconds, out):
    """Requests to ``targets[k]`` during the slices ``k`` of the shared schedule (slice ``i`` is target ``i % n``
    from ``start`` on); puts (target, slice, latency) per request and the CPU seconds spent per target."""
    conns = [http.client.HTTPConnection("127.0.0.1", port) for port, _, _, _ in targets]
    done: list[tuple[int, int, float]] = []
    cpu = [0.0] * len(targets)
    while time.time() < start:
        time.sleep(0.001)  # the shared schedule's start: wall-clock waiting is what is meant here
    end = start + seconds
    while True:
        now = time.time()
        if now >= end:
            break
        slot = int((now - start) / slice_seconds)
        k = slot % len(targets)
        port, path, headers, body = targets[k]
        c0, t = time.process_time(), time.perf_counter()
        conns[k].request("POST", path, body=body, headers=headers)
        r = conns[k].getresponse()
        r.read()
        if r.status >= 400:
            raise SystemExit(f"HTTP {r.status} from {path}")
        done.append((k, slot, time.perf_counter() - t))
        cpu[k] += time.process_time() - c0
    out.put((done, cpu))


def load(targets, seconds, clients, slice_seconds):
    """Every request the clients made: (target index, slice, latency), and the clients' CPU seconds per target."""
    out = mp.Queue()
    start = time.time() + 1.0  # every process started and connected before the schedule begins
    procs = [mp.Process(target=worker, args=(targets, start, seconds, slice_seconds, out)) for _ in range(clients)]
    for p in procs:
        p.start()
    done, cpu = [], [0.0] * len(targets)
    for _ in procs:
        got, used = out.get(timeout=seconds + 60)
        done.extend(got)
        cpu = [a + b for a, b in zip(cpu, used)]
    for p in procs:
        p.join(timeout=10)
    return done, cpu


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mock_target(service: ServiceProcess) -> tuple:
    import requests

    acct = requests.get(service.base_url + "/mock/accounts", timeout=10).json()[0]
    headers = {"Content-Type": "application/json", "APCA-API-KEY-ID": acct["api_key_id"],
               "APCA-API-SECRET-KEY": acct["api_secret_key"]}
    return service.port, "/v2/orders", headers, ORDER


def start_bare(app_file: Path) -> tuple[subprocess.Popen, int]:
    import requests

    port = free_port()
    app_file.write_text(BARE_APP)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", str(app_file.parent),
                             f"{app_file.stem}:app", "--port", str(port), "--log-level", "warning",
                             "--no-access-log"])
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/docs", timeout=1)
            return proc, port
        except requests.RequestException:
            if time.monotonic() > deadline:
                proc.terminate()
                raise SystemExit("bare app did not start within 20 s")
            time.sleep(0.05)  # polling a real process's readiness


def measure(servers: list[tuple[int, tuple]], seconds: float, clients: int, slice_seconds: float):
    """Load ``servers`` [(pid, target)] on the shared schedule: per server its requests, its CPU seconds and the
    clients' CPU seconds."""
    before = [cpu_seconds(pid) for pid, _ in servers]
    done, client_cpu = load([target for _, target in servers], seconds, clients, slice_seconds)
    server_cpu = [cpu_seconds(pid) - b for (pid, _), b in zip(servers, before)]
    return done, server_cpu, client_cpu


def row(name: str, done: list, seconds: float, server_cpu: float, client_cpu: float) -> str:
    lat = sorted(latency for _, _, latency in done)
    n = len(lat)
    return (f"{name:34} {n / seconds:8.0f} {lat[n // 2] * 1000:8.2f} {lat[int(n * 0.99)] * 1000:8.2f} "
            f"{server_cpu / n * 1e6:19.0f} {client_cpu / n * 1e6:8.0f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=12, help="length of the run (each endpoint gets half)")
    ap.add_argument("--slice", type=float, default=0.25, help="seconds on one endpoint before switching")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--db", action="store_true", help="also measure the mock with an SQLite journal (serve --db)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="http-bench-"))
    with ServiceProcess(config=CONFIG) as service:
        mock = mock_target(service)
        proc, port = start_bare(tmp / f"bare_app_{os.getpid()}.py")
        try:
            bare = (port, "/echo", {"Content-Type": "application/json"}, ECHO)
            servers = [(service.proc.pid, mock), (proc.pid, bare)]
            measure(servers, 1.0, args.clients, args.slice)  # warm-up: first-call caches, connection set-up
            done, server_cpu, client_cpu = measure(servers, args.seconds, args.clients, args.slice)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    persisted = None
    if args.db:
        with ServiceProcess(config=CONFIG, extra_args=["--db", str(tmp / "bench.db")]) as service:
            servers = [(service.proc.pid, mock_target(service))]
            measure(servers, 1.0, args.clients, args.slice)
            persisted = measure(servers, args.seconds / 2, args.clients, args.slice)
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    half = args.seconds / 2
    by = [[d for d in done if d[0] == k] for k in (0, 1)]
    print(f"{'endpoint':34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req: server':>19} {'clients':>8}")
    print(row("mockbroker POST /v2/orders", by[0], half, server_cpu[0], client_cpu[0]))
    print(row("bare FastAPI POST /echo", by[1], half, server_cpu[1], client_cpu[1]))
    if persisted is not None:
        print(row("mockbroker POST /v2/orders --db", *[persisted[0], half, persisted[1][0], persisted[2][0]]))
    slices = int(args.seconds / args.slice)
    quarters = []
    for q in range(QUARTERS):
        lo, hi = q * slices // QUARTERS, (q + 1) * slices // QUARTERS
        counts = [sum(1 for _, slot, _ in part if lo <= slot < hi) for part in by]
        quarters.append(counts[0] / counts[1] if counts[1] else float("nan"))
    cpu_ratio = ((server_cpu[1] + client_cpu[1]) / len(by[1])) / ((server_cpu[0] + client_cpu[0]) / len(by[0]))
    print(f"per quarter of the run: " + ", ".join(f"{r:.2f}" for r in quarters))
    print(f"CPU per request (server + clients), bare / mock: {cpu_ratio:.2f}")
    print(f"ratio: {len(by[0]) / len(by[1]):.2f} of the bare endpoint's throughput, same clients, interleaved every "
          f"{args.slice:g} s (target >= {TARGET})")


if __name__ == "__main__":
    main()
