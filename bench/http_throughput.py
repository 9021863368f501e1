"""Order-submission throughput and p50/p99 latency over HTTP, next to a bare FastAPI JSON endpoint in the same run.

    .venv/bin/python bench/http_throughput.py [--seconds 5] [--clients 8]

Load comes from several processes with keep-alive http.client connections (a requests client tops out near
1,400 req/s per process). Prints figures; never pass/fail.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mockbroker.harness import ServiceProcess, free_port  # noqa: E402

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


def worker(port, path, headers, body, seconds, out):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    lat = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        if r.status >= 400:
            raise SystemExit(f"HTTP {r.status}")
        lat.append(time.perf_counter() - t)
    out.put(lat)


def load(port, path, headers, body, seconds, clients):
    out = mp.Queue()
    procs = [mp.Process(target=worker, args=(port, path, headers, body, seconds, out)) for _ in range(clients)]
    for p in procs:
        p.start()
    lat = []
    for _ in procs:
        lat.extend(out.get(timeout=seconds + 30))
    for p in procs:
        p.join(timeout=10)
    lat.sort()
    return len(lat) / seconds, lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--clients", type=int, default=8)
    args = ap.parse_args()
    order = json.dumps({"symbol": "ACME", "qty": 1, "side": "buy", "type": "limit", "limit_price": "1.00",
                        "time_in_force": "gtc"})
    config = {"symbols": ["ACME"], "accounts": [{"id": "default", "cash": "1000000000"}], "seed": 1}
    with ServiceProcess(config=config) as service:
        import requests
        acct = requests.get(service.base_url + "/mock/accounts", timeout=10).json()[0]
        headers = {"Content-Type": "application/json", "APCA-API-KEY-ID": acct["api_key_id"],
                   "APCA-API-SECRET-KEY": acct["api_secret_key"]}
        mock = load(service.port, "/v2/orders", headers, order, args.seconds, args.clients)
    port = free_port()
    app_file = Path("/tmp") / f"bare_app_{os.getpid()}.py"
    app_file.write_text(BARE_APP)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", "/tmp", f"{app_file.stem}:app",
                             "--port", str(port), "--log-level", "warning", "--no-access-log"])
    try:
        import requests
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/docs", timeout=1)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise SystemExit("bare app did not start within 20 s")
                time.sleep(0.05)
        bare = load(port, "/echo", {"Content-Type": "application/json"},
                    json.dumps({"symbol": "ACME", "qty": 1, "side": "buy"}), args.seconds, args.clients)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        app_file.unlink(missing_ok=True)
    print(f"{'endpoint':32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    print(f"{'mockbroker POST /v2/orders':32} {mock[0]:8.0f} {mock[1]:8.2f} {mock[2]:8.2f}")
    print(f"{'bare FastAPI POST /echo':32} {bare[0]:8.0f} {bare[1]:8.2f} {bare[2]:8.2f}")
    print(f"ratio: {mock[0] / bare[0]:.2f} of the bare endpoint's throughput (target >= 0.5)")


if __name__ == "__main__":
    main()
