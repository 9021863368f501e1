"""Recovery after an injected outage: a probe that keeps submitting, an outage drill, and the recovery times.

    drill = OutageDrill(base_url, probe_headers, outage_s=1.0, at_s=5.0).start()
    ...                                   # the load runs meanwhile
    drill.stop()
    times = recovery(drill.probe.results, submit_wall_times, *drill.window)

The outage is a fault rule (``POST /mock/inject {"type": "fault", "operation": "*", "outcome":
"service_unavailable", "until_seconds": outage_s}``): every broker call answers 503 for ``outage_s`` seconds of
simulated time, which the real-time clock runs at wall speed. Recovery time = the first accepted probe order after
the outage's end - the outage's end; and the time until the order rate is back at 90 % of the rate before.
"""

from __future__ import annotations

import statistics
import threading
import time

import requests

from .stats import throughput_series

PROBE_ORDER = {"symbol": "ACME", "qty": 1, "side": "buy", "type": "market", "time_in_force": "day"}


class Probe:
    """Submits one small market order every ``interval`` seconds (for at most ``limit_s``); records
    (wall time, HTTP status; 0 when the connection failed)."""

    def __init__(self, base_url: str, headers: dict, interval: float = 0.05, limit_s: float = 600.0,
                 order: dict | None = None) -> None:
        self.base_url, self.headers, self.interval, self.limit_s = base_url, headers, interval, limit_s
        self.order = order or PROBE_ORDER
        self.results: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="probe")

    def _run(self) -> None:
        session = requests.Session()
        end = time.monotonic() + self.limit_s
        while not self._stop.is_set() and time.monotonic() < end:
            try:
                status = session.post(f"{self.base_url}/v2/orders", json=self.order, headers=self.headers,
                                      timeout=5).status_code
            except requests.RequestException:
                status = 0
                session = requests.Session()
            self.results.append((time.time(), status))
            self._stop.wait(self.interval)

    def start(self) -> "Probe":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def inject_outage(base_url: str, seconds: float, name: str = "outage", admin_headers: dict | None = None) -> tuple:
    """Every broker call fails with 503 for ``seconds`` from now; returns the (start, end) wall times."""
    start = time.time()
    r = requests.post(f"{base_url}/mock/inject", headers=admin_headers, timeout=10, json={
        "type": "fault", "name": name, "operation": "*", "outcome": "service_unavailable",
        "from_seconds": 0, "until_seconds": seconds})
    r.raise_for_status()
    return start, start + seconds


class OutageDrill:
    """A probe from now on, and an outage of ``outage_s`` seconds ``at_s`` seconds from now (a timer thread)."""

    def __init__(self, base_url: str, headers: dict, outage_s: float, at_s: float, probe_interval: float = 0.05,
                 limit_s: float = 600.0) -> None:
        self.base_url, self.outage_s = base_url, outage_s
        self.probe = Probe(base_url, headers, probe_interval, limit_s)
        self.window: tuple[float, float] | None = None
        self._timer = threading.Timer(at_s, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.window = inject_outage(self.base_url, self.outage_s)

    def start(self) -> "OutageDrill":
        self.probe.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        self._timer.cancel()
        self.probe.stop()


def recovery(probe: list[tuple[float, int]], submits: list[float], outage_start: float, outage_end: float,
             bucket_s: float = 0.5) -> dict:
    """Seconds from the outage's end to the first accepted probe order, and to 90 % of the prior order rate."""
    failed = sum(1 for t, s in probe if outage_start <= t < outage_end and s != 200)
    first_ok = next((t for t, s in probe if t >= outage_start and s == 200), None)
    out = {"outage_s": round(outage_end - outage_start, 3), "probe_failures_during_outage": failed,
           "first_success_after_end_s": None if first_ok is None else round(max(first_ok - outage_end, 0.0), 3),
           "throughput_back_after_end_s": None, "orders_per_s_before": None}
    series = throughput_series(submits, bucket_s)
    if series:
        t0 = min(submits)
        before = [c / bucket_s for off, c in series if outage_start - 10 <= t0 + off < outage_start - bucket_s]
        if before:
            base = statistics.mean(before)
            out["orders_per_s_before"] = round(base, 1)
            back = next((t0 + off for off, c in series if t0 + off >= outage_end and c / bucket_s >= 0.9 * base),
                        None)
            out["throughput_back_after_end_s"] = None if back is None else round(max(back - outage_end, 0.0), 3)
    return out
