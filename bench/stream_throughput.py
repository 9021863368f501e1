"""Stream throughput: market-data messages per second delivered to 1, 10 and 50 WebSocket subscribers.

    .venv/bin/python bench/stream_throughput.py [--symbols 10] [--rounds 10] [--seconds-per-round 60]

One service process (uvicorn); subscribers are ``HttpStream`` clients (mockbroker's own: a thread each, msgpack
decoded into Quote/Trade/Bar) in this process, each subscribed to quotes, trades and bars of every symbol. Each
round advances the simulated clock; the run ends when every subscriber has read everything the service sent
(``POST /mock/streams/flush``). "Delivered" counts messages read by subscribers; "published" counts the engine's
distinct messages. Prints figures; never pass/fail. Client and server share the machine's cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mockbroker.client import HttpBroker  # noqa: E402
from mockbroker.harness import ServiceProcess  # noqa: E402


def run(service: ServiceProcess, subscribers: int, symbols: int, rounds: int, seconds: float) -> dict:
    broker = HttpBroker(service.base_url, timeout=120)
    names = [f"S{i:02d}" for i in range(symbols)]
    broker.configure({"seed": 7, "symbols": names, "accounts": [{"id": "bench", "cash": "1000000"}]})
    broker.inject({"type": "stream_limits", "max_symbols": max(30, symbols)})
    streams = [broker.open_stream("market_data", "bench", quotes=["*"], trades=["*"], bars=["*"], timeout=120)
               for _ in range(subscribers)]
    start = time.perf_counter()
    for _ in range(rounds):
        broker.advance(seconds)
    counts = [len(s.messages()) for s in streams]
    elapsed = time.perf_counter() - start
    for s in streams:
        s.close()
    broker.close()
    delivered = sum(counts)
    return {"subscribers": subscribers, "published": counts[0], "delivered": delivered, "seconds": elapsed,
            "per_second": delivered / elapsed, "per_subscriber_per_second": delivered / elapsed / subscribers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds-per-round", type=float, default=60.0)
    parser.add_argument("--subscribers", type=int, nargs="*", default=[1, 10, 50])
    args = parser.parse_args()
    print(f"market data stream: {args.symbols} symbols, quotes+trades+bars of all, "
          f"{args.rounds} x {args.seconds_per_round:g} s of simulated time (updates every 100 ms)")
    print(f"{'subscribers':>11} {'published':>10} {'delivered':>10} {'wall s':>8} {'msgs/s total':>13} "
          f"{'msgs/s each':>12}")
    with ServiceProcess() as service:
        for n in args.subscribers:
            r = run(service, n, args.symbols, args.rounds, args.seconds_per_round)
            print(f"{r['subscribers']:>11} {r['published']:>10,} {r['delivered']:>10,} {r['seconds']:>8.2f} "
                  f"{r['per_second']:>13,.0f} {r['per_subscriber_per_second']:>12,.0f}")


if __name__ == "__main__":
    main()
