"""Latency without load, one client at a time: order round trip over the trade-updates stream, market-data delay,
and injected network latency (fault rules) as clients see it. Prints numbers; never pass/fail.

    .venv/bin/python bench/latency.py [--orders 200] [--hold-ms 100,250] [--seconds 5]

- Order round trip: submit a market order, wait for its ``fill`` on ``/stream``; one at a time, so nothing queues.
- Market-data delay: one ``/v2/iex`` subscriber to every quote and trade for ``--seconds``; delay = receipt wall time
  - the message's simulated time mapped to wall time (the real-time clock runs simulated time at wall speed; the
  offset is read from ``GET /mock/state``).
- Injected network latency: a fault rule ``{"type": "fault", "outcome": "timeout", "hold_seconds": H}`` on
  ``get_account`` holds each answer H seconds (then 504); the client's observed time minus H is the overhead.
For the same numbers under load use ``python -m load.run`` (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import msgpack
import requests
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from load.run import service_config  # noqa: E402  (load.run never imports locust)
from mockbroker.perf.report import latency_table, table  # noqa: E402
from mockbroker.perf.stats import LatencySummary  # noqa: E402
from mockbroker.harness import ServiceProcess  # noqa: E402


def round_trips(base: str, account: dict, n: int) -> list[float]:
    headers = {"APCA-API-KEY-ID": account["api_key_id"], "APCA-API-SECRET-KEY": account["api_secret_key"]}
    out = []
    session = requests.Session()
    with connect(base.replace("http://", "ws://") + "/stream") as ws:
        ws.send(json.dumps({"action": "authenticate", "data": {"key_id": account["api_key_id"],
                                                              "secret_key": account["api_secret_key"]}}))
        ws.recv(timeout=5)
        ws.send(json.dumps({"action": "listen", "data": {"streams": ["trade_updates"]}}))
        ws.recv(timeout=5)
        for i in range(n):
            t = time.perf_counter()
            r = session.post(f"{base}/v2/orders", headers=headers, timeout=5, json={
                "symbol": "ACME", "qty": 1, "side": "buy" if i % 2 == 0 else "sell", "type": "market",
                "time_in_force": "day"})
            order_id = r.json()["id"]
            deadline = time.perf_counter() + 5
            while time.perf_counter() < deadline:
                msg = json.loads(ws.recv(timeout=5))
                if msg.get("stream") == "trade_updates" and msg["data"]["event"] == "fill" \
                        and msg["data"]["order"]["id"] == order_id:
                    out.append(time.perf_counter() - t)
                    break
    return out


def market_data_delays(base: str, account: dict, seconds: float) -> tuple[list[float], int]:
    before = time.time()
    now_ns = requests.get(f"{base}/mock/state", timeout=10).json()["now_ns"]
    offset = (before + time.time()) / 2 - now_ns / 1e9
    delays, count = [], 0
    with connect(base.replace("http://", "ws://") + "/v2/iex") as ws:
        ws.recv(timeout=5)
        ws.send(msgpack.packb({"action": "auth", "key": account["api_key_id"], "secret": account["api_secret_key"]}))
        ws.send(msgpack.packb({"action": "subscribe", "quotes": ["*"], "trades": ["*"]}))
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                raw = ws.recv(timeout=max(0.01, end - time.monotonic()))
            except TimeoutError:
                break
            wall = time.time()
            for item in msgpack.unpackb(raw):
                if item.get("T") in ("q", "t", "b"):
                    count += 1
                    delays.append(wall - (item["t"].to_unix_nano() / 1e9 + offset))
    return delays, count


def held_answers(base: str, account: dict, hold: float, n: int) -> list[float]:
    headers = {"APCA-API-KEY-ID": account["api_key_id"], "APCA-API-SECRET-KEY": account["api_secret_key"]}
    name = f"bench-hold-{int(hold * 1000)}"
    requests.post(f"{base}/mock/inject", timeout=10, json={"type": "fault", "name": name, "operation": "get_account",
                                                          "outcome": "timeout", "hold_seconds": hold, "times": n})
    out = []
    session = requests.Session()
    for _ in range(n):
        t = time.perf_counter()
        r = session.get(f"{base}/v2/account", headers=headers, timeout=hold + 10)
        if r.status_code == 504:
            out.append(time.perf_counter() - t)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=5.0, help="market-data listening time")
    ap.add_argument("--hold-ms", default="100,250", help="injected holds to measure, ms")
    ap.add_argument("--held", type=int, default=20, help="requests per injected hold")
    args = ap.parse_args(argv)
    config = service_config(2, ["ACME", "BETA", "GAMA"], 2109, (1.0, 5.0))
    with ServiceProcess(config=config, clock="realtime") as service:
        base = service.base_url
        accounts = requests.get(f"{base}/mock/accounts", timeout=10).json()
        rt = round_trips(base, accounts[0], args.orders)
        md, count = market_data_delays(base, accounts[1], args.seconds)
        normal = []
        session = requests.Session()
        headers = {"APCA-API-KEY-ID": accounts[1]["api_key_id"], "APCA-API-SECRET-KEY": accounts[1]["api_secret_key"]}
        for _ in range(args.held):
            t = time.perf_counter()
            session.get(f"{base}/v2/account", headers=headers, timeout=10)
            normal.append(time.perf_counter() - t)
        holds = {float(h) / 1000: held_answers(base, accounts[1], float(h) / 1000, args.held)
                 for h in args.hold_ms.split(",")}
    print(latency_table([LatencySummary.of("order round trip (stream, unloaded)", rt),
                         LatencySummary.of("market-data delay (one subscriber)", md)]))
    print(f"\nmarket-data messages: {count:,} in {args.seconds:g} s ({count / args.seconds:,.0f}/s to one subscriber)\n")
    rows = [["no fault (GET /v2/account)", len(normal), 0.0, LatencySummary.of("", normal).p50_ms,
             LatencySummary.of("", normal).p99_ms, LatencySummary.of("", normal).p50_ms]]
    for hold, seen in holds.items():
        s = LatencySummary.of("", seen)
        rows.append([f"injected hold {hold * 1000:g} ms (504)", len(seen), hold * 1000, s.p50_ms, s.p99_ms,
                     s.p50_ms - hold * 1000])
    print(table(["injected network latency", "requests", "hold ms", "p50 ms", "p99 ms", "p50 - hold ms"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
