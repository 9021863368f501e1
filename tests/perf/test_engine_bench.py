"""bench/engine_throughput.py keeps running (tiny size, not timed: the numbers are the bench's to print)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_engine_bench_runs_both_mixes_and_every_market_order_fills():
    done = subprocess.run([sys.executable, "bench/engine_throughput.py", "--orders", "400", "--repeat", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = {mix: next(l for l in done.stdout.splitlines() if l.strip().startswith(mix)) for mix in ("market", "limit")}
    assert all(re.search(r"[\d,]+ orders/s by CPU time", line) for line in lines.values()), done.stdout
    # accepted, new, fill: every market order filled in full (resting limits may still wait)
    assert "(400 orders with fills, 1,200 events" in lines["market"], lines["market"]
