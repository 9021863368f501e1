"""Order-submission throughput and p50/p99 latency over HTTP, next to a bare FastAPI JSON endpoint in the same run.

    .venv/bin/python bench/http_throughput.py [--seconds 3] [--rounds 3] [--clients 8] [--db]

Both servers run side by side (the mock as ``serve`` does it, the bare app under the same uvicorn with the same
log settings), and the same client loads them in alternating rounds (mock, bare, bare, mock, ...), so a busy
machine slows both alike; the ratio is the median of the rounds' ratios. The CPU time per request of each server (from
``/proc``) and of the clients is printed too: it moves far less with the machine's load than throughput does. Load comes from several processes with
keep-alive ``http.client`` connections (a requests client tops out near 1,400 req/s per process). The bare
endpoint is FastAPI's minimal JSON endpoint: a pydantic body in, a dict out. ``--db`` also measures the mock with
its SQLite journal (``serve --db``: every accepted order persisted), on its own line; the ratio stays the
in-memory one, as the bare endpoint persists nothing. Prints figures; never pass/fail.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import statistics
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
CONFIG = {"symbols": ["ACME"], "accounts": [{"id": "default", "cash": "1000000000"}], "seed": 1}


def worker(port, path, headers, body, seconds, out):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    lat = []
    cpu = time.process_time()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        if r.status >= 400:
            raise SystemExit(f"HTTP {r.status}")
        lat.append(time.perf_counter() - t)
    out.put((lat, time.process_time() - cpu))


def load(target, seconds, clients) -> tuple[list[float], float]:
    """Latencies of every request ``clients`` processes made to ``target`` = (port, path, headers, body), and the
    CPU seconds the clients used."""
    out = mp.Queue()
    procs = [mp.Process(target=worker, args=(*target, seconds, out)) for _ in range(clients)]
    for p in procs:
        p.start()
    lat, cpu = [], 0.0
    for _ in procs:
        got, used = out.get(timeout=seconds + 30)
        lat.extend(got)
        cpu += used
    for p in procs:
        p.join(timeout=10)
    return lat, cpu


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(pid: int, target, seconds, clients) -> tuple[list[float], float, float]:
    """The latencies of a round, the server's CPU seconds during it, and the clients'."""
    before = cpu_seconds(pid)
    latencies, client_cpu = load(target, seconds, clients)
    return latencies, cpu_seconds(pid) - before, client_cpu


def summary(latencies: list[float], seconds: float) -> tuple[float, float, float]:
    lat = sorted(latencies)
    return len(lat) / seconds, lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3, help="length of one round of load on one endpoint")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per endpoint, alternating between them")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--db", action="store_true", help="also measure the mock with an SQLite journal (serve --db)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="http-bench-"))
    app_file = tmp / f"bare_app_{os.getpid()}.py"
    lat: dict[str, list[float]] = {"mock": [], "bare": []}
    cpu = {"mock": 0.0, "bare": 0.0}
    client_cpu = {"mock": 0.0, "bare": 0.0}
    ratios = []
    with ServiceProcess(config=CONFIG) as service:
        mock = mock_target(service)
        proc, port = start_bare(app_file)
        bare = (port, "/echo", {"Content-Type": "application/json"},
                json.dumps({"symbol": "ACME", "qty": 1, "side": "buy"}))
        try:
            load(mock, 0.5, args.clients)  # warm-up: imports, first-call caches, connection set-up
            load(bare, 0.5, args.clients)
            servers = {"mock": (service.proc.pid, mock), "bare": (proc.pid, bare)}
            for n in range(args.rounds):
                done = {}
                for name in ("mock", "bare") if n % 2 == 0 else ("bare", "mock"):
                    pid, target = servers[name]
                    done[name], used, by_clients = measured(pid, target, args.seconds, args.clients)
                    lat[name] += done[name]
                    cpu[name] += used
                    client_cpu[name] += by_clients
                ratios.append(len(done["mock"]) / len(done["bare"]))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    persisted = None
    if args.db:
        with ServiceProcess(config=CONFIG, extra_args=["--db", str(tmp / "bench.db")]) as service:
            target = mock_target(service)
            load(target, 0.5, args.clients)
            got, used, by_clients = measured(service.proc.pid, target, args.seconds * args.rounds, args.clients)
            persisted = summary(got, args.seconds * args.rounds), used / len(got), by_clients / len(got)
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    total = args.seconds * args.rounds
    rows = [("mockbroker POST /v2/orders", *summary(lat[name], total), cpu[name] / len(lat[name]),
             client_cpu[name] / len(lat[name])) for name in ("mock", "bare")]
    rows[1] = ("bare FastAPI POST /echo", *rows[1][1:])
    if persisted is not None:
        rows.append(("mockbroker POST /v2/orders --db", *persisted[0], persisted[1], persisted[2]))
    print(f"{'endpoint':34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req: server':>19} {'clients':>8}")
    for name, rate, p50, p99, cpu_per, client_per in rows:
        print(f"{name:34} {rate:8.0f} {p50:8.2f} {p99:8.2f} {cpu_per * 1e6:19.0f} {client_per * 1e6:8.0f}")
    print("rounds (mock/bare): " + ", ".join(f"{r:.2f}" for r in ratios))
    print(f"ratio: {statistics.median(ratios):.2f} of the bare endpoint's throughput, median of {len(ratios)} "
          f"rounds (target >= {TARGET})")


if __name__ == "__main__":
    main()
