"""Faults over HTTP: the engine's injected errors turned into real transport behaviour, and the control endpoints.

The engine decides (``mockbroker.faults``): a call that a rule hits raises a typed error carrying ``fault`` (the
outcome). The error handler answers it like any error, marked with the ``X-Mock-Fault`` header, and
``FaultTransportMiddleware`` (pure ASGI) turns the marked answer into what a client would meet on the wire:

| outcome | on the wire | ``HttpBroker`` raises |
| --- | --- | --- |
| connection_reset | the TCP connection is aborted (RST), no answer | ``ConnectionFailed`` |
| empty_response | the connection is closed without an answer | ``ConnectionFailed`` |
| service_unavailable / server_error | 503 (or the rule's ``status``) with the error body | ``ServiceUnavailable`` |
| timeout | the answer (504) is held ``hold_seconds``; a client with a shorter timeout gives up first | ``Timeout`` |
| auth_failure | 401 | ``AuthenticationFailed`` |
| rate_limit | 429 with ``Retry-After`` (seconds of simulated time) | ``RateLimited(retry_after)`` |
| invalid_order | 422 ``invalid_order`` with the rule's reason | ``InvalidOrder`` |

Without a uvicorn transport (the in-memory test client) a reset or an empty answer falls back to the 503 body.
After every request the stream hub is told that the engine may have moved (``StreamHub.notify``).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Optional

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from ..errors import ERROR_CLASSES, BrokerError
from .deps import get_state
from .errors import responses
from .state import ServiceState

FAULT_HEADER = b"x-mock-fault"

router = APIRouter(prefix="/mock", tags=["control"])
State = Annotated[ServiceState, Depends(get_state)]


def _transport(send, depth: int = 6):
    """The connection's transport, found behind ``send``: uvicorn's ``send`` is a bound method of its request
    cycle, which holds the transport; middlewares (Starlette's own included) wrap it in closures, so look through
    their cells too. None when there is no such transport (the in-memory test client)."""
    seen: set[int] = set()
    todo = [(send, 0)]
    while todo:
        fn, level = todo.pop()
        if id(fn) in seen or level > depth:
            continue
        seen.add(id(fn))
        owner = getattr(fn, "__self__", None)
        transport = getattr(owner, "transport", None)
        if transport is not None and hasattr(transport, "abort"):
            return transport
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if callable(value):
                todo.append((value, level + 1))
    return None


class FaultTransportMiddleware:
    def __init__(self, app, hub=None) -> None:
        self.app = app
        self.hub = hub

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: dict = {}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                headers = message.get("headers") or []
                fault = None
                for name, value in headers:
                    if name == FAULT_HEADER:
                        fault = value.decode()
                        break
                if fault is not None:
                    held["fault"] = fault
                    held["hold"] = float(next((v.decode() for k, v in headers if k == b"x-mock-fault-hold"), "0"))
                    transport = _transport(send)
                    if fault in ("connection_reset", "empty_response") and transport is not None:
                        held["dropped"] = True
                        if fault == "connection_reset":
                            transport.abort()
                        else:
                            transport.close()
                        return
                    if fault == "timeout" and held["hold"] > 0:
                        await asyncio.sleep(held["hold"])  # the client's wall-clock timeout is what is tested
            elif held.get("dropped"):
                return
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if self.hub is not None:
                self.hub.notify()


@router.get("/faults", responses=responses(401, 422))
async def list_faults(state: State):
    """Every fault rule with how often it matched and fired, and the stream limits."""
    with state.lock:
        faults = getattr(state.broker, "faults", None)
        rules = state.broker.fault_rules() if hasattr(state.broker, "fault_rules") else []
        limits = {"max_symbols": getattr(faults, "max_symbols", None),
                  "max_connections": getattr(faults, "max_connections", None)}
    return JSONResponse({"rules": rules, "stream_limits": limits})


class FaultRuleNotFound(BrokerError):
    """``DELETE /mock/faults?name=`` named no rule (404)."""

    code = "fault_rule_not_found"
    http_status = 404


ERROR_CLASSES.setdefault(FaultRuleNotFound.code, FaultRuleNotFound)


@router.delete("/faults", responses=responses(401, 404, 422))
async def clear_faults(state: State, name: Annotated[Optional[str], Query(min_length=1, max_length=64)] = None):
    """Remove the rule called ``name`` (404 when there is none), or every rule."""
    with state.lock:
        if name is not None and name not in {r.get("name") for r in state.broker.fault_rules()}:
            raise FaultRuleNotFound(f"name={name!r}: no fault rule by this name", name=name)
        result = state.broker.inject({"type": "clear_faults", **({"name": name} if name is not None else {})})
    return JSONResponse({"removed": result["applied"]["removed"]})


@router.get("/streams", responses=responses(401, 422))
async def list_streams(request: Request):
    """The open WebSocket connections: stream, account, subscriptions, messages sent, backlog."""
    return JSONResponse({"connections": [c.info() for c in request.app.state.hub.connections.values()]})


@router.post("/streams/flush", responses=responses(401, 422))
async def flush_streams(request: Request, timeout: Annotated[float, Query(gt=0, le=30)] = 5.0):
    """Deliver everything the engine has published to every open stream connection and wait (bounded) until it
    is written; answers each connection with the count of messages it has been sent."""
    return JSONResponse({"connections": await request.app.state.hub.flush(timeout)})
