"""The error hierarchy: every failure the broker reports is a ``BrokerError``.

Rules:
- Each class has a stable machine-readable ``code`` (a string; steps and tests check codes, never message text)
  and the HTTP status the service maps it to. ``HttpBroker`` maps the status and code back to the same class.
- Order rejections carry a ``RejectReason`` so a feature can say *why* an order was refused.
- Argument errors name the argument and the bad value.
"""

from __future__ import annotations

from enum import Enum


class RejectReason(str, Enum):
    """Why an order was refused, in the words a trader would use."""

    INVALID_QUANTITY = "invalid_quantity"
    INVALID_PRICE = "invalid_price"
    MISSING_PRICE = "missing_price"
    PRICE_NOT_ON_TICK = "price_not_on_tick"
    UNKNOWN_SYMBOL = "unknown_symbol"
    UNKNOWN_ACCOUNT = "unknown_account"
    INVALID_ORDER_TYPE = "invalid_order_type"
    INVALID_TIME_IN_FORCE = "invalid_time_in_force"
    INSUFFICIENT_BUYING_POWER = "insufficient_buying_power"
    INSUFFICIENT_POSITION = "insufficient_position"
    SHORT_SALE_NOT_ALLOWED = "short_sale_not_allowed"
    TRADING_HALTED = "trading_halted"
    MARKET_CLOSED = "market_closed"
    RANDOM_REJECTION = "random_rejection"
    NO_LIQUIDITY = "no_liquidity"
    ORDER_NOT_OPEN = "order_not_open"
    TOO_LATE_TO_CANCEL = "too_late_to_cancel"
    DUPLICATE_CLIENT_ORDER_ID = "duplicate_client_order_id"
    INJECTED_FAULT = "injected_fault"
    CORPORATE_ACTION = "corporate_action"
    FRACTIONAL_NOT_ALLOWED = "fractional_not_allowed"
    """A fractional quantity or a dollar amount where the asset, the account, the order type or the time in force
    does not allow it."""
    NOTIONAL_TOO_SMALL = "notional_too_small"
    INVALID_ORDER_CLASS = "invalid_order_class"
    """A bracket, OCO or OTO order missing a leg, with a leg it may not have, or with a type or time in force its
    class does not allow."""
    INVALID_LEG_PRICE = "invalid_leg_price"
    """A take-profit or stop-loss price on the wrong side of the entry or of the market."""
    EXTENDED_HOURS_NOT_ALLOWED = "extended_hours_not_allowed"
    TRADING_SUSPENDED = "trading_suspended"


class BrokerError(Exception):
    """Root of every error the mock broker raises."""

    code: str = "broker_error"
    http_status: int = 500

    def __init__(self, message: str, *, reason: RejectReason | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.details = details

    def to_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.reason is not None:
            body["reason"] = self.reason.value
        if self.details:
            body["details"] = {k: (v if isinstance(v, (int, float, str, bool, type(None))) else str(v))
                               for k, v in self.details.items()}
        return body

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class InvalidArgument(BrokerError, ValueError):
    """A value passed to the broker is malformed (names the argument and the bad value)."""

    code = "invalid_argument"
    http_status = 422

    def __init__(self, argument: str, value: object, problem: str, **details: object) -> None:
        super().__init__(f"{argument}={value!r}: {problem}", argument=argument, value=value, **details)
        self.argument = argument
        self.value = value


class InvalidOrder(BrokerError):
    """The order was refused; ``reason`` says why."""

    code = "invalid_order"
    http_status = 422

    def __init__(self, message: str, *, reason: RejectReason, **details: object) -> None:
        super().__init__(message, reason=reason, **details)


class AlreadyExists(InvalidArgument):
    """What the request would create exists already (an account id, a key id): a conflict with the state, not a
    malformed request (HTTP 409; the same code, so clients still see ``InvalidArgument``)."""

    http_status = 409


class DuplicateClientOrderId(InvalidOrder):
    """An order's ``client_order_id`` is already used by one of the account's orders (HTTP 409)."""

    http_status = 409

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message, reason=RejectReason.DUPLICATE_CLIENT_ORDER_ID, **details)


class OrderForbidden(InvalidOrder):
    """Refused by what the account, the asset or the position allows (short selling, fractional trading, the shares
    held, the order's minimum cost): HTTP 403, as Alpaca answers these (code 40310000); the same ``code``, so clients
    still see ``InvalidOrder`` with its reason."""

    http_status = 403


class OrderConflict(InvalidOrder):
    """A well-formed request that conflicts with the market, with the order it changes or with another price in it
    (a stop loss on the wrong side of the market or of the entry, a price off a symbol's coarser tick, a change the
    order's type does not take): HTTP 409. Alpaca answers 422, but no request schema can state these rules (they
    depend on the state, or relate two values), and a request the published schema accepts is never a 422 here
    (docs/http-api.md). The same ``code``, so clients still see ``InvalidOrder`` with its reason."""

    http_status = 409


class InsufficientFunds(InvalidOrder):
    code = "insufficient_funds"
    http_status = 403

    def __init__(self, message: str, *, reason: RejectReason = RejectReason.INSUFFICIENT_BUYING_POWER,
                 **details: object) -> None:
        super().__init__(message, reason=reason, **details)


class MarketClosed(InvalidOrder):
    code = "market_closed"
    http_status = 403

    def __init__(self, message: str, *, reason: RejectReason = RejectReason.MARKET_CLOSED, **details: object) -> None:
        super().__init__(message, reason=reason, **details)


class TradingHalted(MarketClosed):
    code = "trading_halted"
    http_status = 403

    def __init__(self, message: str, *, reason: RejectReason = RejectReason.TRADING_HALTED, **details: object) -> None:
        super().__init__(message, reason=reason, **details)


class UnknownSymbol(BrokerError):
    code = "unknown_symbol"
    http_status = 404


class UnknownAccount(BrokerError):
    code = "unknown_account"
    http_status = 404


class OrderNotFound(BrokerError):
    code = "order_not_found"
    http_status = 404


class PositionNotFound(BrokerError):
    code = "position_not_found"
    http_status = 404


class OrderNotCancelable(BrokerError):
    """A cancel or replace reached an order that was already done (it lost the race with a fill): HTTP 409, a
    conflict with the order's state (Alpaca answers 422; see ``OrderConflict``)."""

    code = "order_not_cancelable"
    http_status = 409


class AuthenticationFailed(BrokerError):
    code = "authentication_failed"
    http_status = 401


class PermissionDenied(BrokerError):
    code = "permission_denied"
    http_status = 403


class RateLimited(BrokerError):
    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, *, retry_after: float, **details: object) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class ConnectionFailed(BrokerError):
    code = "connection_failed"
    http_status = 503


class Timeout(BrokerError):
    code = "timeout"
    http_status = 504


class ServiceUnavailable(BrokerError):
    code = "service_unavailable"
    http_status = 503


class ConfigurationError(BrokerError):
    """A configuration, scenario file or snapshot is invalid; the message says which field and why."""

    code = "invalid_configuration"
    http_status = 422


class NameInUse(ConfigurationError):
    """A configuration names something that exists already (a fault rule's name): HTTP 409, the same code."""

    http_status = 409


ERROR_CLASSES: dict[str, type[BrokerError]] = {
    cls.code: cls
    for cls in (
        BrokerError, InvalidArgument, InvalidOrder, InsufficientFunds, MarketClosed, TradingHalted,
        UnknownSymbol, UnknownAccount, OrderNotFound, PositionNotFound, OrderNotCancelable,
        AuthenticationFailed, PermissionDenied, RateLimited, ConnectionFailed, Timeout, ServiceUnavailable,
        ConfigurationError,
    )
}
"""Maps an error ``code`` to its class, so a client can raise the same class the engine raised."""
