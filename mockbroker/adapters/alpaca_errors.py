"""What alpaca-py raises, as the typed errors of ``mockbroker.errors``.

alpaca-py raises ``APIError`` for any answer that is not 2xx (status code and Alpaca's body ``{"code", "message"}``),
a pydantic ``ValidationError`` (a ``ValueError``) when a request model refuses its fields before anything is sent
(a limit order without a limit price), and lets ``requests`` exceptions through when the broker cannot be reached.
``broker_error`` turns each into the class the engine would have raised, with the ``RejectReason`` a feature checks.

The mapping reads only what Alpaca itself sends (the HTTP status, and words of the message where one status
covers several refusals); never the extra fields mockbroker's own service adds, so it holds for the real API.
The words are Alpaca's ("insufficient buying power", "client_order_id must be unique", "sub-penny increment",
"asset ... not found", "qty must be > 0", "order is already in \"filled\" state") and the mock's, which
name the same things ("buying power", "already used", "tick size", "not traded here", "qty=0").

| status | operation | class (reason) |
| --- | --- | --- |
| 401 | any | ``AuthenticationFailed`` |
| 403 | any | ``InsufficientFunds`` (buying power), ``TradingHalted`` (halt), ``MarketClosed`` (closed), ``InvalidOrder`` (short sale), else ``PermissionDenied`` |
| 404 | orders | ``OrderNotFound``; positions: ``PositionNotFound``; submitting an order, market data: ``UnknownSymbol`` |
| 400, 422 | submit | ``InvalidOrder`` with the reason its words name (duplicate client order id, quantity, tick, missing or invalid price, short sale), ``UnknownSymbol``, ``InsufficientFunds`` |
| 409, 422 | cancel, replace | ``OrderNotCancelable`` when the order is already done, else as for submit |
| 429 | any | ``RateLimited`` (``Retry-After``) |
| 504 | any | ``Timeout``; other 5xx: ``ServiceUnavailable`` |
| no answer | any | ``ConnectionFailed``; ``requests`` timeout: ``Timeout`` |
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import (AuthenticationFailed, BrokerError, ConnectionFailed, DuplicateClientOrderId, InsufficientFunds,
                      InvalidArgument, InvalidOrder, MarketClosed, OrderNotCancelable, OrderNotFound, PermissionDenied,
                      PositionNotFound, RateLimited, RejectReason, ServiceUnavailable, Timeout, TradingHalted,
                      UnknownSymbol)

SUBMIT, ORDER, CANCEL, REPLACE, POSITION, ACCOUNT, MARKET_DATA = (
    "submit", "order", "cancel", "replace", "position", "account", "market data")
"""Operations, as ``broker_error`` needs them to read a 404 or a 422."""

_REFUSAL_WORDS: tuple[tuple[str, RejectReason], ...] = (
    (r"client[_ ]order[_ ]id.*(unique|already|duplicate)", RejectReason.DUPLICATE_CLIENT_ORDER_ID),
    (r"sub-?penny|tick|increment", RejectReason.PRICE_NOT_ON_TICK),
    (r"(limit|stop)[_ ]price.*(required|missing|needs)|(needs|requires|missing) an? (limit|stop) price",
     RejectReason.MISSING_PRICE),
    (r"\bqty\b|quantity", RejectReason.INVALID_QUANTITY),
    (r"short", RejectReason.SHORT_SALE_NOT_ALLOWED),
    (r"price", RejectReason.INVALID_PRICE),
    (r"time[_ ]in[_ ]force", RejectReason.INVALID_TIME_IN_FORCE),
    (r"\btype\b", RejectReason.INVALID_ORDER_TYPE),
)
_UNKNOWN_SYMBOL = re.compile(r"asset.*not found|could not find|not traded|unknown symbol|symbol.*not found|"
                             r"not (a )?tradable", re.I)
_BUYING_POWER = re.compile(r"buying power|insufficient (funds|balance)", re.I)
_ALREADY_DONE = re.compile(r"already|cannot be (canceled|cancelled|replaced)|not (cancelable|replaceable)|"
                           r"is (filled|canceled|expired|done)", re.I)


def _typed(cls: type[BrokerError], message: str, reason: RejectReason | None = None, **details: Any) -> BrokerError:
    """An instance of ``cls`` whatever its constructor asks for (as ``mockbroker.client`` builds its errors)."""
    error = cls.__new__(cls)
    BrokerError.__init__(error, message, reason=reason, **details)
    return error


def refusal_reason(message: str) -> RejectReason | None:
    """The reason an order refusal's words name, or None."""
    for pattern, reason in _REFUSAL_WORDS:
        if re.search(pattern, message, re.I):
            return reason
    return None


def order_refusal(message: str, status: int | None = None) -> BrokerError:
    """The typed refusal of an order, from the broker's (or the request model's) words."""
    if _BUYING_POWER.search(message):
        return InsufficientFunds(message)
    if _UNKNOWN_SYMBOL.search(message):
        return UnknownSymbol(message, reason=RejectReason.UNKNOWN_SYMBOL)
    reason = refusal_reason(message)
    if reason is None:
        return _typed(InvalidOrder, message, http_status=status)
    if reason is RejectReason.DUPLICATE_CLIENT_ORDER_ID:
        return DuplicateClientOrderId(message)
    return InvalidOrder(message, reason=reason)


def _body(error: Any) -> tuple[int | None, str, Any]:
    """(HTTP status, message, Alpaca's numeric code) of an alpaca-py ``APIError``."""
    status = getattr(error, "status_code", None)
    text = str(error)
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        return status, str(body.get("message", text)), body.get("code")
    return status, text or f"HTTP {status}", None


def from_api_error(error: Any, operation: str) -> BrokerError:
    status, message, code = _body(error)
    retry = getattr(getattr(error, "response", None), "headers", {}).get("Retry-After", "1")
    return from_status(status, {"message": message, "code": code}, operation, retry)


def from_status(status: int | None, body: Any, operation: str, retry: Any = "1") -> BrokerError:
    """The typed error for an answer's HTTP status and body (``{"code", "message"}``, as Alpaca sends, or text),
    e.g. one position's part of a 207 multi-status answer."""
    if isinstance(body, dict):
        message, code = str(body.get("message") or f"HTTP {status}"), body.get("code")
    else:
        message, code = (str(body) if body else f"HTTP {status}"), None
    said = f"{message} (HTTP {status}, Alpaca code {code})" if code is not None else f"{message} (HTTP {status})"
    if status == 401:
        return AuthenticationFailed(said)
    if status == 403:
        if _BUYING_POWER.search(message):
            return InsufficientFunds(said)
        if re.search(r"halt", message, re.I):
            return TradingHalted(said)
        if re.search(r"market.*closed|closed market", message, re.I):
            return MarketClosed(said)
        if re.search(r"short", message, re.I):
            return InvalidOrder(said, reason=RejectReason.SHORT_SALE_NOT_ALLOWED)
        return PermissionDenied(said)
    if status == 404:
        if operation == POSITION:
            return PositionNotFound(said)
        if operation in (SUBMIT, MARKET_DATA):
            return UnknownSymbol(said, reason=RejectReason.UNKNOWN_SYMBOL)
        return OrderNotFound(said)
    if status == 429:
        try:
            return RateLimited(said, retry_after=float(retry))
        except ValueError:
            return RateLimited(said, retry_after=1.0)
    if status == 504:
        return Timeout(said)
    if status is not None and status >= 500:
        return ServiceUnavailable(said)
    # An order already done: Alpaca answers 422 ("The order status is not cancelable"), our service 409.
    if status in (400, 409, 422) and operation in (CANCEL, REPLACE) and _ALREADY_DONE.search(message):
        return OrderNotCancelable(said, reason=RejectReason.ORDER_NOT_OPEN)
    if status == 409 and operation in (SUBMIT, REPLACE):  # a conflict with the state: an id already in use
        return order_refusal(said, status)
    if status in (400, 422):
        if operation in (SUBMIT, REPLACE):
            return order_refusal(said, status)
        return InvalidArgument("request", operation, said)
    return _typed(BrokerError, said, http_status=status)


def broker_error(error: BaseException, operation: str) -> BrokerError | None:
    """The typed error for what alpaca-py (or ``requests`` under it) raised during ``operation``; None for anything
    else (a bug of the adapter: let it through as it is)."""
    import requests
    from alpaca.common.exceptions import APIError

    if isinstance(error, BrokerError):
        return error
    if isinstance(error, APIError):
        return from_api_error(error, operation)
    if isinstance(error, requests.Timeout):
        return Timeout(f"no answer from the broker: {error}")
    if isinstance(error, requests.ConnectionError):
        return ConnectionFailed(f"the broker cannot be reached: {error}")
    if isinstance(error, ValueError) and operation in (SUBMIT, REPLACE):
        return order_refusal(_validation_message(error))
    return None


def _validation_message(error: ValueError) -> str:
    """The words of a pydantic validation error without its boilerplate ("1 validation error for ...")."""
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return str(error)
    words = []
    for problem in errors():
        field = ".".join(str(part) for part in problem.get("loc", ()))
        message = str(problem.get("msg", "")).removeprefix("Value error, ")
        if field and problem.get("input", ...) is None:
            words.append(f"{field} is required")  # a field the model needs was left out
        else:
            words.append(f"{field}: {message}" if field else message)
    return "; ".join(words)
