"""Snapshot and restore time of a broker holding 10,000 orders (target: under 1 s each).

    .venv/bin/python bench/snapshot.py [--orders 10000] [--repeat 3]

Prints the median of ``--repeat`` runs for: snapshot (state payload + readable summary), restore, the payload
alone, writing and reading a snapshot file, an SQLite checkpoint, and opening a ``--db`` file (load + replay).
A report, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockbroker import MockBroker, OrderRequest, OrderType, Side, TimeInForce  # noqa: E402
from mockbroker import state  # noqa: E402
from mockbroker.persistence import open_broker  # noqa: E402


def build(orders: int) -> MockBroker:
    """Half resting limit orders (open, in the book of the engine), half market orders (filled)."""
    broker = (MockBroker.builder().symbols("ACME", "BOLT").seed(1).account("alice", cash=10**12)
              .account("bob", cash=10**12).build())
    for i in range(orders):
        account = "alice" if i % 2 else "bob"
        symbol = "ACME" if i % 3 else "BOLT"
        if i % 2:
            request = OrderRequest(symbol, 10, Side.BUY, OrderType.LIMIT, TimeInForce.GTC,
                                   limit_price=Decimal("40.00") - Decimal(i % 100) / 100)
        else:
            request = OrderRequest(symbol, 10, Side.BUY)
        broker.submit_order(request, account=account)
        if i % 50 == 0:
            broker.advance(0.1)
    broker.advance(1.0)
    return broker


CPU: list[float] = []


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median wall time (and, in ``CPU``, median CPU time: on a shared machine the two differ)."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU.append(statistics.median(cpu))
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    broker = build(args.orders)
    total = sum(len(broker.list_orders(account=a, status="all")) for a in ("alice", "bob"))
    print(f"broker: {total:,} orders, {len(broker.list_fills('alice')) + len(broker.list_fills('bob')):,} fills, "
          f"{len(broker.events):,} events (built in {time.perf_counter() - start:.1f} s)")

    rows = []
    t, info = timed(lambda: broker.snapshot("bench"), args.repeat)
    rows.append(("snapshot (payload + summary)", t, f"{info.size / 1e6:.1f} MB payload"))
    t, _ = timed(lambda: broker.restore("bench"), args.repeat)
    rows.append(("restore", t, "checksum + unpickle + install"))
    t, payload = timed(lambda: state.dump_state(broker), args.repeat)
    rows.append(("payload only (pickle)", t, f"{len(payload) / 1e6:.1f} MB"))
    t, _ = timed(lambda: state.summarize(broker), args.repeat)
    rows.append(("summary only (for diff)", t, ""))
    t, _ = timed(lambda: broker.diff_snapshots("bench"), args.repeat)
    rows.append(("diff with now", t, ""))
    with tempfile.TemporaryDirectory(prefix="mockbroker-bench-") as folder:
        path = Path(folder) / "bench.mbsnap"
        t, _ = timed(lambda: state.export_file(broker, "bench", path), args.repeat)
        rows.append(("write snapshot file", t, f"{path.stat().st_size / 1e6:.1f} MB, fsync"))
        t, _ = timed(lambda: state.read_file(path), args.repeat)
        rows.append(("read + verify snapshot file", t, ""))
        persistent, _ = open_broker(Path(folder) / "bench.db")
        state.install_state(persistent.inner, state.load_state(broker, state.dump_state(broker)))  # 10,000 orders
        t, _ = timed(lambda: persistent.database.checkpoint(persistent.inner), args.repeat)
        rows.append(("SQLite checkpoint", t, "WAL, synchronous=FULL"))
        t, _ = timed(lambda: persistent.submit_order(OrderRequest("ACME", 1, Side.BUY), account="alice"),
                     args.repeat)
        rows.append(("journaled order (on disk before return)", t, ""))
        persistent.close()
        t, reopened = timed(lambda: open_broker(Path(folder) / "bench.db")[0], 1)
        rows.append(("open --db (load + replay)", t, ""))
        reopened.close()

    width = max(len(r[0]) for r in rows)
    print(f"{'operation':<{width}}  {'wall':>9}  {'cpu':>9}  note")
    for (name, seconds, note), cpu in zip(rows, CPU):
        print(f"{name:<{width}}  {seconds * 1000:>7.1f}ms  {cpu * 1000:>7.1f}ms  {note}")
    snap, restore = rows[0][1], rows[1][1]
    print(f"\ntarget < 1 s each: snapshot {snap:.2f} s, restore {restore:.2f} s (median wall time of "
          f"{args.repeat} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
