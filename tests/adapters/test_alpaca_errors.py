"""What alpaca-py raises becomes the typed error the engine would raise: from Alpaca's own answers (status, numeric
code, message) and from the mock service's, which name the same refusals in other words."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import requests
from alpaca.common.exceptions import APIError
from alpaca.trading.requests import LimitOrderRequest, StopOrderRequest

from mockbroker.adapters import alpaca_errors as errors
from mockbroker.errors import (AuthenticationFailed, DuplicateClientOrderId, InsufficientFunds, InvalidOrder,
                               MarketClosed,
                               OrderNotCancelable, OrderNotFound, PermissionDenied, PositionNotFound, RateLimited,
                               RejectReason, ServiceUnavailable, Timeout, UnknownSymbol, ConnectionFailed)


def api_error(status: int, message: str, code: int = 40010001, headers: dict | None = None) -> APIError:
    response = SimpleNamespace(status_code=status, headers=headers or {})
    return APIError(json.dumps({"code": code, "message": message}), SimpleNamespace(response=response))


ALPACA_ANSWERS = [
    # (status, Alpaca's message, operation, class, reason)
    (403, "insufficient buying power", errors.SUBMIT, InsufficientFunds, RejectReason.INSUFFICIENT_BUYING_POWER),
    (422, "client_order_id must be unique", errors.SUBMIT, DuplicateClientOrderId, RejectReason.DUPLICATE_CLIENT_ORDER_ID),
    (422, "invalid limit_price 11.055. sub-penny increment does not fulfill minimum pricing criteria",
     errors.SUBMIT, InvalidOrder, RejectReason.PRICE_NOT_ON_TICK),
    (422, "qty must be > 0", errors.SUBMIT, InvalidOrder, RejectReason.INVALID_QUANTITY),
    (422, 'asset "ZZZZ" not found', errors.SUBMIT, UnknownSymbol, RejectReason.UNKNOWN_SYMBOL),
    (422, "could not find us_equity 'b0b6dd9d'", errors.SUBMIT, UnknownSymbol, RejectReason.UNKNOWN_SYMBOL),
    (403, "account is not allowed to short", errors.SUBMIT, InvalidOrder, RejectReason.SHORT_SALE_NOT_ALLOWED),
    (422, 'order is already in "filled" state', errors.CANCEL, OrderNotCancelable, RejectReason.ORDER_NOT_OPEN),
    (404, "order not found", errors.ORDER, OrderNotFound, None),
    (404, "position does not exist", errors.POSITION, PositionNotFound, None),
    (401, "request is not authorized", errors.ACCOUNT, AuthenticationFailed, None),
    (403, "trading is blocked for this account", errors.SUBMIT, PermissionDenied, None),
    (403, "market is closed", errors.SUBMIT, MarketClosed, RejectReason.MARKET_CLOSED),
    (503, "service unavailable", errors.ORDER, ServiceUnavailable, None),
    (504, "gateway timeout", errors.ORDER, Timeout, None),
]

MOCK_ANSWERS = [
    (422, "qty=0.0: must be a whole number from 1 to 10000000", errors.SUBMIT, InvalidOrder,
     RejectReason.INVALID_QUANTITY),
    (404, "symbol 'ZZZZ' is not traded here (symbols: ACME)", errors.SUBMIT, UnknownSymbol, RejectReason.UNKNOWN_SYMBOL),
    (422, "client_order_id 'x1' is already used", errors.SUBMIT, DuplicateClientOrderId, RejectReason.DUPLICATE_CLIENT_ORDER_ID),
    (403, "the order needs about $2,500,000.00 of buying power; account 'primary' has $99,975.00", errors.SUBMIT,
     InsufficientFunds, RejectReason.INSUFFICIENT_BUYING_POWER),
    (422, "limit_price=25.005: not on the tick size 0.01", errors.SUBMIT, InvalidOrder, RejectReason.PRICE_NOT_ON_TICK),
    (422, "price=0.0: must be a positive number up to 1000000", errors.SUBMIT, InvalidOrder, RejectReason.INVALID_PRICE),
    (422, "order 7 is canceled and cannot be replaced", errors.REPLACE, OrderNotCancelable, RejectReason.ORDER_NOT_OPEN),
    (409, "order 7 is already canceled", errors.CANCEL, OrderNotCancelable, RejectReason.ORDER_NOT_OPEN),
    (409, "order 7 is filled and cannot be replaced", errors.REPLACE, OrderNotCancelable, RejectReason.ORDER_NOT_OPEN),
    (422, "price=24.985: at most 2 decimals", errors.SUBMIT, InvalidOrder, RejectReason.PRICE_NOT_ON_TICK),
]


@pytest.mark.parametrize("status, message, operation, cls, reason", ALPACA_ANSWERS + MOCK_ANSWERS)
def test_an_answer_becomes_the_typed_error(status, message, operation, cls, reason):
    error = errors.broker_error(api_error(status, message), operation)
    assert type(error) is cls, f"{message!r} -> {type(error).__name__}"
    assert error.reason is reason
    assert message in error.message and f"HTTP {status}" in error.message


def test_a_rate_limit_carries_its_retry_after():
    error = errors.broker_error(api_error(429, "rate limit exceeded", 42910000, {"Retry-After": "12"}), errors.ORDER)
    assert isinstance(error, RateLimited) and error.retry_after == 12.0


@pytest.mark.parametrize("build, reason", [
    (lambda: LimitOrderRequest(symbol="SPY", qty=1, side="buy", time_in_force="day"), RejectReason.MISSING_PRICE),
    (lambda: StopOrderRequest(symbol="SPY", qty=1, side="buy", time_in_force="day"), RejectReason.MISSING_PRICE),
])
def test_a_request_model_that_refuses_its_fields_is_a_refusal(build, reason):
    with pytest.raises(ValueError) as refused:
        build()
    error = errors.broker_error(refused.value, errors.SUBMIT)
    assert isinstance(error, InvalidOrder) and error.reason is reason


def test_an_unreachable_broker_is_a_connection_failure_and_a_slow_one_a_timeout():
    assert isinstance(errors.broker_error(requests.ConnectionError("refused"), errors.ORDER), ConnectionFailed)
    assert isinstance(errors.broker_error(requests.ReadTimeout("slow"), errors.ORDER), Timeout)


def test_anything_else_is_left_alone():
    assert errors.broker_error(KeyError("a bug"), errors.ORDER) is None


@pytest.mark.parametrize("status", [409, 422])
def test_a_client_order_id_in_use_is_the_same_typed_refusal_whatever_the_status(status):
    """Alpaca answers "client_order_id must be unique"; mockbroker's service answers 409 (a conflict with the state):
    either way the adapter raises DuplicateClientOrderId."""
    from mockbroker.adapters.alpaca_errors import SUBMIT, from_status

    error = from_status(status, {"code": 40010001, "message": "client_order_id must be unique"}, SUBMIT)
    assert isinstance(error, DuplicateClientOrderId) and error.reason.value == "duplicate_client_order_id"
