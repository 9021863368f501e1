"""Market-data generation speed: the vectorized generator (model path + spread + tape + tick rounding) for
1,000,000 updates of one symbol and 10,000 updates of each of 100 symbols, per model; and the live simulator
advancing 10 minutes of 100 ms updates (6,000 updates) for one symbol.

Usage: .venv/bin/python bench/market_generation.py [--repeat R] [--models random_walk,garch,...]

What is timed (best of R runs, wall clock, after one warm-up run):
- one symbol: ``generate(config, 1_000_000)`` -- arrays of time, mid, bid, ask, last, volume (no CSV writing);
- 100 symbols: ``generate_many(config, 10_000)`` with 100 symbols (a seed bank, a model and the arrays each);
- live: ``MockBroker(config).advance(600)`` at the default 100 ms update frequency (construction not timed).
Targets (issue 3; issue 16 for the realistic model): under 1 s and under 2 s; the live 10 minutes "well under a
second". Not a pass/fail test:
numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mockbroker.broker import MockBroker  # noqa: E402
from mockbroker.config import BrokerConfig, MarketConfig  # noqa: E402
from mockbroker.market.generator import generate, generate_many  # noqa: E402

MODELS = ("realistic", "random_walk", "mean_reversion", "momentum", "garch", "historical")
FIXTURE = ROOT / "tests" / "fixtures" / "market-data" / "ACME-1min.csv"


def _market(model: str) -> MarketConfig:
    params = {"path": str(FIXTURE), "loop": True} if model == "historical" else {}
    return MarketConfig(model=model, params=params)


def best(fn, repeat: int) -> float:
    fn()  # warm-up: imports, first allocations
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args()
    print(f"{'model':<16}{'1 x 1,000,000 (s)':>20}{'100 x 10,000 (s)':>20}{'live 10 min (s)':>18}")
    for model in args.models.split(","):
        one = BrokerConfig(market=_market(model), seed=1)
        many = BrokerConfig(market=_market(model), symbols=tuple(f"S{i:03d}" for i in range(100)), seed=1)
        single = best(lambda: generate(one, 1_000_000), args.repeat)
        hundred = best(lambda: generate_many(many, 10_000), args.repeat)

        def live() -> float:
            broker = MockBroker(one)
            start = time.perf_counter()
            broker.advance(600)
            return time.perf_counter() - start

        live()
        live_s = min(live() for _ in range(args.repeat))
        flag = lambda value, target: " " if value < target else "!"  # noqa: E731
        print(f"{model:<16}{single:>19.3f}{flag(single, 1.0)}{hundred:>19.3f}{flag(hundred, 2.0)}{live_s:>17.3f}")
    print("targets: 1 x 1,000,000 < 1 s; 100 x 10,000 < 2 s; live 10 minutes well under 1 s ('!' = over target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
