"""Error bodies in Alpaca style, and the handlers that make every failure one.

Body: ``{"code": <Alpaca numeric code>, "message": str, "error": <mockbroker.errors code>, "reason": <RejectReason
or null>}``. The HTTP status comes from the error class (``BrokerError.http_status``); the numeric code follows the
status as Alpaca's own codes do (``docs/http-api.md`` has the table). ``HttpBroker`` maps ``error`` back to the
same class.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import BrokerError, InvalidOrder, RateLimited, RejectReason

log = logging.getLogger("mockbroker.service")

ALPACA_CODES = {
    400: 40010001,  # bad request (malformed JSON, bad query)
    401: 40110000,  # unauthorized
    403: 40310000,  # forbidden: insufficient buying power, market closed, halted
    404: 40410000,  # not found
    405: 40510000,  # method not allowed (ours: Alpaca has no code for it)
    409: 40910000,  # conflict (ours)
    413: 41310000,  # request body over the service's cap (ours)
    422: 42210000,  # unprocessable: invalid order, invalid argument, invalid configuration
    429: 42910000,  # rate limit
    500: 50010000,  # internal server error
    501: 50110000,  # not implemented (ours)
    503: 50310000,  # service unavailable / connection failed (injected)
    504: 50410000,  # timeout (injected)
}

ERROR_BY_STATUS = {400: "invalid_argument", 401: "authentication_failed", 403: "permission_denied",
                   404: "not_found", 405: "method_not_allowed", 413: "payload_too_large", 422: "invalid_argument",
                   429: "rate_limited",
                   500: "broker_error", 503: "service_unavailable", 504: "timeout"}


class ErrorBody(BaseModel):
    """Every 4xx/5xx body."""

    code: int
    message: str
    error: str
    reason: str | None = None
    details: Any = None


def error_response(status: int, message: str, error: str, reason: str | None = None, details: Any = None,
                   headers: dict | None = None) -> JSONResponse:
    body = {"code": ALPACA_CODES.get(status, status * 100_000), "message": message, "error": error,
            "reason": reason}
    if details is not None:
        body["details"] = details
    return JSONResponse(body, status_code=status, headers=headers)


def broker_error_response(exc: BrokerError) -> JSONResponse:
    headers = None
    if isinstance(exc, RateLimited):
        # whole seconds, rounded up and never 0: a client that waits that long finds a token (RFC 9110 allows no
        # fractions, and "0" would invite an immediate retry that fails again)
        headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
    details = exc.to_dict().get("details")
    status = exc.http_status
    fault = getattr(exc, "fault", None)
    if fault is not None:  # an injected fault: FaultTransportMiddleware turns the mark into transport behaviour
        headers = {**(headers or {}), "X-Mock-Fault": fault}
        if fault == "timeout":
            headers["X-Mock-Fault-Hold"] = str(exc.details.get("hold_seconds", 0))
        if fault in ("service_unavailable", "server_error"):
            status = int(exc.details.get("status", status))
    return error_response(status, exc.message, exc.code,
                          exc.reason.value if exc.reason is not None else None, details, headers)


def _describe(errors: list[dict]) -> tuple[int, str, list[dict]]:
    status = 422
    parts = []
    clean = []
    for e in errors[:10]:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body",)]
        where = ".".join(loc) or "body"
        if e.get("type") == "json_invalid":
            status = 400
            where = "body"
        msg = e.get("msg", "invalid")
        parts.append(f"{where}: {msg}")
        clean.append({"loc": where, "type": e.get("type"), "msg": msg})
    return status, "; ".join(parts) or "invalid request", clean


def _engine_refusal(errors: list[dict]) -> InvalidOrder | None:
    """An ``InvalidOrder`` when every problem is a well-typed value out of range (the engine's own refusal)."""
    from .models import RANGE_ERRORS

    if not errors or any(e.get("type") not in RANGE_ERRORS for e in errors):
        return None
    first = next((e for e in errors if e["type"] == "invalid_quantity"), errors[0])
    return InvalidOrder(first.get("msg", "invalid order"), reason=RejectReason(first["type"]))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BrokerError)
    async def _broker_error(request: Request, exc: BrokerError) -> JSONResponse:
        return broker_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        refused = _engine_refusal(errors)
        if refused is not None:  # same code and reason as the engine gives for the same value
            metrics = getattr(request.app.state, "metrics", None)
            if metrics is not None and request.method == "POST" and request.url.path == "/v2/orders":
                metrics.refused.labels(refused.reason.value).inc()
            return broker_error_response(refused)
        status, message, details = _describe(errors)
        return error_response(status, message, "invalid_argument", None, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = ERROR_BY_STATUS.get(exc.status_code, "broker_error")
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:  # Starlette names only the first matching route's methods: name them all
            headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
        return error_response(exc.status_code, str(exc.detail), error, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error serving %s %s", request.method, request.url.path)
        return error_response(500, f"internal error: {type(exc).__name__}", "broker_error")


def _allowed_methods(request: Request) -> list[str]:
    from starlette.routing import Match

    methods: set[str] = set()
    scope = {**request.scope, "method": "GET"}
    for route in request.app.router.routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(scope)[0] in (Match.FULL, Match.PARTIAL):
            methods |= set(route_methods)
    return sorted(methods)


def responses(*statuses: int) -> dict:
    """OpenAPI ``responses`` entries for the error statuses a route can return."""
    return {s: {"model": ErrorBody, "description": _DESCRIPTIONS.get(s, "error")} for s in statuses}


_DESCRIPTIONS = {400: "malformed request (bad JSON)", 401: "missing or wrong API keys",
                 403: "refused: insufficient buying power, market closed or halted, permission denied",
                 404: "no such order, position, symbol, account or snapshot (another account's ids are 404 too)",
                 413: "the request body is over the service's cap (serve --max-body-bytes)",
                 422: "invalid argument, invalid order or invalid configuration", 429: "rate limited (injected)",
                 503: "service unavailable (injected)", 504: "timeout (injected)"}
