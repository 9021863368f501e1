"""In-process engine throughput: order submissions matched per second, for a market-order mix and a limit mix.

Usage: .venv/bin/python bench/engine_throughput.py [--orders N] [--repeat R] [--profile]

What is timed, per mix: submitting N orders through ``MockBroker.submit_order`` (validation, buying power,
reservation, the accepted event), then running the virtual clock until every order has reached the venue
(latency event -> matching against the book -> fill -> ledger -> event log). Market updates (every 100 ms of
market time) run too, as they would. Printed: orders/s = N / seconds, the best of R runs, both by the wall clock
and by this process's CPU time (on a shared machine the CPU figure is the one to compare; the wall figure counts
the time other processes had the CPU). Reading the event log the first time builds its Order snapshots (the
hot path keeps fills and events as flat lists); that cost is printed separately. Target (issue 4): at least
50,000 orders/s for the market mix.

The market is the default one (the realistic model since issue 16; its update costs about 0.4 us more per symbol
than a random walk's, a few percent of a market update).

- market mix: alternating buy and sell market orders of 1-300 shares, day, on two symbols.
- limit mix: limit orders of 1-300 shares priced around the touch (half marketable, half resting a few ticks
  away), day; resting ones keep working at later market updates until the end of the run.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockbroker.broker import MockBroker  # noqa: E402
from mockbroker.config import AccountConfig, BrokerConfig, MarketConfig, SymbolConfig  # noqa: E402
from mockbroker.domain import OrderRequest, OrderType, Side  # noqa: E402

SYMBOLS = ("ACME", "BOLT")


def make_broker(seed: int = 7) -> MockBroker:
    """Two symbols with a deep book (a million shares at the touch), so the mix measures the engine, not a book
    that ran dry: 20,000 orders of ~150 shares within one simulated second would empty the default book."""
    return MockBroker(BrokerConfig(market=MarketConfig(liquidity=1_000_000),
                                   symbols=tuple(SymbolConfig(symbol=s, price=Decimal("50")) for s in SYMBOLS),
                                   accounts=(AccountConfig(id="default", cash=Decimal("10000000000")),), seed=seed))


def market_requests(n: int) -> list[OrderRequest]:
    return [OrderRequest(SYMBOLS[i % 2], 1 + (i * 37) % 300, Side.BUY if (i // 2) % 2 == 0 else Side.SELL)
            for i in range(n)]


def limit_requests(n: int, broker: MockBroker) -> list[OrderRequest]:
    out = []
    for i in range(n):
        symbol = SYMBOLS[i % 2]
        bid, ask = broker.market[symbol].touch()
        side = Side.BUY if (i // 2) % 2 == 0 else Side.SELL
        ticks = Decimal("0.01") * ((i * 7) % 5)
        if i % 4 < 2:  # marketable
            price = ask + ticks if side is Side.BUY else bid - ticks
        else:  # resting a few ticks away
            price = bid - ticks - Decimal("0.01") if side is Side.BUY else ask + ticks + Decimal("0.01")
        out.append(OrderRequest(symbol, 1 + (i * 37) % 300, side, OrderType.LIMIT, limit_price=price))
    return out


def run(kind: str, n: int) -> tuple[float, int, int]:
    broker = make_broker()
    requests = market_requests(n) if kind == "market" else limit_requests(n, broker)
    submit = broker.submit_order
    gc.collect()  # the previous run's broker is cyclic garbage: collect it now, not on this run's clock
    start, cpu = time.perf_counter(), time.process_time()
    for request in requests:
        submit(request)
    broker.advance(1.0)  # every order has arrived (latency <= 60 ms) and matched
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    filled = sum(1 for o in broker.engine.orders.values() if o.filled_qty)
    assert broker.reconciles()
    start = time.perf_counter()
    events = len(broker.events)  # the log's Order snapshots are built when it is first read
    return elapsed, cpu, filled, events, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per mix; the best is printed (filters a busy host)")
    parser.add_argument("--profile", action="store_true", help="profile one market-mix run instead")
    args = parser.parse_args()
    if args.profile:
        cProfile.runctx("run('market', args.orders)", globals(), {"run": run, "args": args}, "/tmp/engine.prof")
        pstats.Stats("/tmp/engine.prof").sort_stats("tottime").print_stats(25)
        return
    print(f"engine throughput, {args.orders:,} orders per run, best of {args.repeat} (python {sys.version.split()[0]})")
    for kind in ("market", "limit"):
        runs = [run(kind, args.orders) for _ in range(args.repeat)]
        elapsed = min(r[0] for r in runs)
        cpu = min(r[1] for r in runs)
        _, _, filled, events, reading = runs[0]
        print(f"  {kind:<6} mix: {args.orders / cpu:>9,.0f} orders/s by CPU time, {args.orders / elapsed:>9,.0f} by "
              f"the wall clock  ({filled:,} orders with fills, {events:,} events; reading the event log once: "
              f"{reading * 1000:,.0f} ms more)")


if __name__ == "__main__":
    main()
