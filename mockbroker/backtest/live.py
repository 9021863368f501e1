"""Running a strategy against a live mock instead of history: the same ``on_bar(bar, broker)``, no runner magic.

``run_live`` drives any broker that implements ``Broker`` and ``SimulationControl`` -- the in-process
``MockBroker`` or ``HttpBroker`` over the service -- by letting simulated time pass one bar at a time and handing
the strategy the bar that just completed, read with ``get_bars``. Orders the strategy sends travel and fill as the
mock's time passes, as they would at a real broker; nothing is settled for it. With a real broker's adapter the
same loop runs on the wall clock instead (wait a bar, read the bar, call ``on_bar``).
"""

from __future__ import annotations

from typing import Any

from ..domain import Bar


def run_live(strategy: Any, broker: Any, symbol: str, bars: int, bar_seconds: int = 60) -> list[Bar]:
    """Let ``bars`` bars of ``bar_seconds`` pass on the broker's clock, calling ``strategy.on_bar`` with each
    completed bar; returns the bars seen."""
    seen: list[Bar] = []
    width_ns = bar_seconds * 1_000_000_000
    for _ in range(bars):
        broker.advance(bar_seconds)
        now = broker.now_ns()
        done = [b for b in broker.get_bars(symbol, timeframe_seconds=bar_seconds, limit=3) if b.start_ns + width_ns <= now]
        if done and (not seen or done[-1].start_ns > seen[-1].start_ns):
            seen.append(done[-1])
            strategy.on_bar(done[-1], broker)
    return seen
