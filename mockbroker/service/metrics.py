"""Prometheus metrics: request latency (ASGI middleware), orders by status, fills and rejections by reason.

Order, fill and rejection figures are read from the engine when ``/metrics`` is scraped (the engine is the
truth; nothing is double-counted), plus a counter of orders refused at submission (they never become orders).
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter as _Counter

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@contextlib.contextmanager
def _no_faults(broker):
    """A scrape reads the engine without tripping (or counting toward) the injected fault rules."""
    faults = getattr(broker, "faults", None)
    if not faults:
        yield
        return
    broker.faults = type(faults)(None)
    try:
        yield
    finally:
        broker.faults = faults


class EngineCollector:
    def __init__(self, service) -> None:
        self.service = service

    def collect(self):
        state = self.service
        by_status: _Counter = _Counter()
        rejected: _Counter = _Counter()
        fills = 0
        with state.lock, _no_faults(state.broker):
            for account in list(state.accounts):
                try:
                    orders = state.broker.list_orders(account, status="all")
                    fills += len(state.broker.list_fills(account))
                except Exception:  # an account the engine no longer knows: skip it
                    continue
                for order in orders:
                    by_status[order.status.value] += 1
                    if order.reject_reason is not None:
                        rejected[order.reject_reason.value] += 1
        orders_metric = GaugeMetricFamily("mockbroker_orders", "Orders in the broker by status", labels=["status"])
        for status, count in sorted(by_status.items()):
            orders_metric.add_metric([status], count)
        yield orders_metric
        fills_metric = CounterMetricFamily("mockbroker_fills", "Fills (executions) so far")
        fills_metric.add_metric([], fills)
        yield fills_metric
        rej = GaugeMetricFamily("mockbroker_rejected_orders", "Orders rejected by the venue, by reason",
                                labels=["reason"])
        for reason, count in sorted(rejected.items()):
            rej.add_metric([reason], count)
        yield rej
        faults = GaugeMetricFamily("mockbroker_injected_faults", "Injected faults that fired, by outcome",
                                   labels=["outcome"])
        with state.lock:
            engine_faults = getattr(state.broker, "faults", None)
            fired = engine_faults.fired_by_outcome() if engine_faults is not None else {}
        for outcome, count in sorted(fired.items()):
            faults.add_metric([outcome], count)
        yield faults


class Metrics:
    def __init__(self, service) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("mockbroker_http_request_duration_seconds", "HTTP request latency",
                                 ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.refused = Counter("mockbroker_order_refusals", "Order submissions refused before becoming orders",
                               ["reason"], registry=self.registry)
        self.ws_open = Gauge("mockbroker_websocket_connections", "Open WebSocket connections by stream",
                             ["stream"], registry=self.registry)
        self.registry.register(EngineCollector(service))


class LatencyMiddleware:
    """Pure ASGI (cheaper than BaseHTTPMiddleware): times each request, labelled by route template."""

    def __init__(self, app, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._series: dict[tuple[str, str, str], object] = {}  # labels -> child: ``labels()`` costs more than observe

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status_holder = [500]

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            key = (scope.get("method", ""), getattr(route, "path", None) or "unmatched", str(status_holder[0]))
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = self.metrics.latency.labels(*key)
            series.observe(time.perf_counter() - start)
