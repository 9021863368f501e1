"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from ..config import BrokerConfig
from ..errors import BrokerError, InvalidOrder
from .deps import require_admin
from .errors import broker_error_response, install_error_handlers
from .metrics import LatencyMiddleware, Metrics
from . import faults, streams
from .faults import FaultTransportMiddleware
from .ratelimit import RateLimitHeadersMiddleware
from .guard import Limits, RequestGuard
from .routers import control, health, market_data, trading
from .streams import StreamHub
from .state import ServiceState, config_with_keys

log = logging.getLogger("mockbroker.service")

DESCRIPTION = """A mock broker speaking the Alpaca Trading API v2 and Market Data v2 wire format (a documented
subset, see docs/http-api.md and docs/differences.md), plus a control API under /mock. Orders reach the simulated
venue only as the virtual clock advances (POST /mock/advance)."""


def _make_engine(config: BrokerConfig):
    from ..broker import MockBroker  # the engine; imported late so the service module loads without it

    return MockBroker(config)


def create_app(broker: Any = None, admin_key: str | None = None, config: BrokerConfig | dict | None = None,
               clock: str = "virtual", *, seed_keys: bool = False, limits: Limits | None = None) -> FastAPI:
    """Build the app around ``broker`` (a ``Broker`` + ``SimulationControl``), or around a new ``MockBroker``
    built from ``config`` (a ``BrokerConfig`` or a ``/mock/configure`` body; defaults otherwise).

    Accounts configured without API keys get random keys (``GET /mock/accounts`` lists them), or keys derived
    from the seed with ``seed_keys=True``; a ``broker`` handed in keeps the keys it has. ``limits`` caps request
    bodies and WebSocket connections (``guard.Limits``). With ``clock="realtime"`` a background task advances the
    virtual clock by wall time at the market's update frequency.
    """
    if clock not in ("virtual", "realtime"):
        raise ValueError(f"clock={clock!r}: must be 'virtual' or 'realtime'")
    limits = limits or Limits()
    if isinstance(config, dict):
        config = BrokerConfig.from_dict(config)
    if broker is None:
        config = config_with_keys(config or BrokerConfig(), seed_keys)
        broker = _make_engine(config)
    config = getattr(broker, "config", None) or config
    if isinstance(config, BrokerConfig):
        keyed = config_with_keys(config)
        if keyed != config:  # the broker holds accounts without keys: give them the seed's keys
            broker.configure(keyed)
        config = keyed
    else:
        config = None
    service = ServiceState(broker, config, admin_key, seed_keys)
    metrics = Metrics(service)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        task = asyncio.create_task(_realtime(service, app.state.hub)) if clock == "realtime" else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(title="mockbroker", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.service = service
    app.state.metrics = metrics
    app.state.clock_mode = clock
    install_error_handlers(app)

    @app.exception_handler(BrokerError)
    async def _broker_error(request: Request, exc: BrokerError) -> JSONResponse:
        if isinstance(exc, InvalidOrder) and request.method == "POST" and request.url.path == "/v2/orders":
            metrics.refused.labels(exc.reason.value if exc.reason is not None else "unknown").inc()
        return broker_error_response(exc)

    app.include_router(trading.router)
    app.include_router(market_data.router)
    app.include_router(control.router, dependencies=[Depends(require_admin)] if admin_key is not None else [])
    app.include_router(health.router)
    # streams and faults (mockbroker/service/streams.py, faults.py)
    hub = StreamHub(service, metrics, limits)
    app.state.hub = hub
    app.state.limits = limits
    app.include_router(streams.router)
    app.include_router(faults.router, dependencies=[Depends(require_admin)] if admin_key is not None else [])
    app.add_middleware(RateLimitHeadersMiddleware, service=service)
    app.add_middleware(FaultTransportMiddleware, hub=hub)
    app.add_middleware(RequestGuard, service=service, limits=limits)  # before any body byte is read
    app.add_middleware(LatencyMiddleware, metrics=metrics)
    return app


async def _realtime(service: ServiceState, hub: StreamHub | None = None) -> None:
    """Advance the virtual clock by the wall time that passed, every market update interval (then the streams
    deliver what that tick published)."""
    last = time.monotonic()
    while True:
        config = service.config
        interval = (config.market.update_frequency if config is not None else 100) / 1000.0
        await asyncio.sleep(max(interval, 0.01))
        now = time.monotonic()
        elapsed, last = now - last, now
        try:
            with service.lock:
                service.broker.advance(elapsed)
            if hub is not None:
                hub.notify()
        except Exception:  # keep ticking; the error is logged once per tick
            log.exception("realtime clock: advance failed")
