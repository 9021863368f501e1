"""Request models with strict types.

A quantity is a whole number of shares given as a JSON integer, an integral JSON number (alpaca-py sends 10.0) or
a numeric string ("10"); booleans, NaN, infinities, fractions, zero, negatives and numbers above
``MAX_QTY`` are refused with 422. Prices are positive finite numbers or numeric strings up to ``MAX_PRICE``.

Parity with the engine: a value of the right type but out of range (qty 0, -5, 1.5, above ``MAX_QTY``; a price of
0 or above ``MAX_PRICE``) fails with the error types ``invalid_quantity`` / ``invalid_price``, which the error
handler answers as the engine does (``invalid_order`` with that reason), so ``HttpBroker`` raises the same
``InvalidOrder`` the in-process broker raises. Wrong types stay ``invalid_argument``.
Unknown fields are refused, so a misspelt field never silently changes an order's meaning.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Annotated, Any, Literal, Optional, Union

from pydantic_core import PydanticCustomError
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr,
                      WithJsonSchema)

MAX_QTY = 10_000_000
MAX_NOTIONAL = 1_000_000_000
MAX_PRICE = 1_000_000
MAX_ADVANCE_SECONDS = 3600
SYMBOL_PATTERN = r"^[A-Z][A-Z0-9.]{0,9}$"
ACCOUNT_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"


RANGE_ERRORS = ("invalid_quantity", "invalid_price")
"""Validation error types that mean "well typed, out of range": answered as the engine's ``InvalidOrder``."""


def _out_of_range(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, "{problem}", {"problem": message})


QTY_STRING = re.compile(r"(0|[1-9][0-9]{0,7})(\.[0-9]{1,9})?")
"""A plain decimal string: digits, at most 9 places; no sign, exponent, spaces or underscores ("1_000", "1e3")."""


def _exact_number(name: str, value: Any, limit: int) -> Decimal:
    """A JSON number or a plain decimal string as an exact Decimal (a JSON number, which alpaca-py sends as a float,
    is read by its shortest repr: 0.1 is 0.1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{name}={value!r}: must be a number or a decimal string")
    if isinstance(value, str):
        if len(value) > 20 or not QTY_STRING.fullmatch(value):
            raise ValueError(f"{name}={value[:20]!r}: not a plain decimal number (digits, at most 9 places)")
        number = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{name}={value!r}: must be finite")
        number = Decimal(repr(value))
    else:
        number = Decimal(value)
    if number <= 0 or number > limit:
        raise _out_of_range("invalid_quantity", f"{name}={value!r}: must be above 0 and at most {limit}")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -9:
        raise _out_of_range("invalid_quantity", f"{name}={value!r}: at most 9 decimal places")
    return number


def _to_qty(value: Any) -> Any:
    """Whole shares as an int (the fast path), fractional shares as a Decimal."""
    number = _exact_number("qty", value, MAX_QTY)
    return int(number) if number == number.to_integral_value() else number.normalize()


def _to_notional(value: Any) -> Decimal:
    return _exact_number("notional", value, MAX_NOTIONAL)


def _to_price(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"price={value!r}: must be a number or a numeric string")
    if isinstance(value, str) and len(value) > 24:
        raise ValueError(f"price={value[:24]!r}...: too long")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise ValueError(f"price={value!r}: not a number") from None
    if not number.is_finite():
        raise ValueError(f"price={value!r}: must be a positive number up to {MAX_PRICE}")
    if number <= 0 or number > MAX_PRICE:
        raise _out_of_range("invalid_price", f"price={value!r}: must be a positive number up to {MAX_PRICE}")
    return number


def _seconds(limit: float, allow_zero: bool):
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{value!r}: must be a number of seconds")
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")) or number < 0 or number > limit \
                or (number == 0 and not allow_zero):
            raise ValueError(f"{value!r}: must be a number of seconds {'from 0' if allow_zero else 'above 0'} "
                             f"up to {limit:g}")
        return number
    return check


_QTY_SCHEMA = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_QTY},
                         {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_QTY, "multipleOf": 1e-9},
                         {"type": "string", "pattern": r"^(0|[1-9][0-9]{0,7})(\.[0-9]{1,9})?$"}],
               "description": "shares: whole, or fractional with at most 9 decimal places (a number or a plain "
                              "decimal string)"}
_NOTIONAL_SCHEMA = {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": MAX_NOTIONAL},
                              {"type": "string", "pattern": r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,9})?$"}],
                    "description": "a dollar amount (at least 1): a number or a plain decimal string"}
_PRICE_SCHEMA = {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": MAX_PRICE},
                           {"type": "string", "pattern": r"^[1-9][0-9]{0,5}(\.[0-9]{1,6})?$"}],
                 "description": "a positive price: a number or a numeric string"}

Quantity = Annotated[Any, BeforeValidator(_to_qty), WithJsonSchema(_QTY_SCHEMA)]
Notional = Annotated[Any, BeforeValidator(_to_notional), WithJsonSchema(_NOTIONAL_SCHEMA)]
Price = Annotated[Any, BeforeValidator(_to_price), WithJsonSchema(_PRICE_SCHEMA)]
Seconds = Annotated[Any, BeforeValidator(_seconds(MAX_ADVANCE_SECONDS, True)),
                    WithJsonSchema({"type": "number", "minimum": 0, "maximum": MAX_ADVANCE_SECONDS})]
PositiveSeconds = Annotated[Any, BeforeValidator(_seconds(MAX_ADVANCE_SECONDS, False)),
                            WithJsonSchema({"type": "number", "exclusiveMinimum": 0,
                                            "maximum": MAX_ADVANCE_SECONDS})]


class SideIn(str, Enum):
    buy = "buy"
    sell = "sell"


class TypeIn(str, Enum):
    market = "market"
    limit = "limit"
    stop = "stop"
    stop_limit = "stop_limit"
    trailing_stop = "trailing_stop"


class TifIn(str, Enum):
    day = "day"
    gtc = "gtc"
    ioc = "ioc"
    fok = "fok"


class TakeProfitIn(BaseModel):
    """A bracket, OCO or OTO order's take-profit leg."""

    model_config = ConfigDict(extra="forbid")

    limit_price: Price


class StopLossIn(BaseModel):
    """A bracket, OCO or OTO order's stop-loss leg (a stop-limit order with ``limit_price``)."""

    model_config = ConfigDict(extra="forbid")

    stop_price: Price
    limit_price: Optional[Price] = None


class OrderIn(BaseModel):
    """``POST /v2/orders`` (Alpaca's fields; options legs are not supported). ``qty`` (whole or fractional shares)
    or ``notional`` (dollars), not both."""

    model_config = ConfigDict(extra="forbid")

    symbol: Annotated[StrictStr, Field(pattern=SYMBOL_PATTERN)]
    qty: Optional[Quantity] = None
    notional: Optional[Notional] = None
    side: SideIn
    type: TypeIn = TypeIn.market
    time_in_force: TifIn = TifIn.day
    limit_price: Optional[Price] = None
    stop_price: Optional[Price] = None
    trail_price: Optional[Price] = None
    trail_percent: Optional[Price] = None
    extended_hours: Optional[StrictBool] = None
    client_order_id: Optional[Annotated[StrictStr, Field(min_length=1, max_length=128)]] = None
    order_class: Optional[Literal["simple", "bracket", "oco", "oto", ""]] = None
    take_profit: Optional[TakeProfitIn] = None
    stop_loss: Optional[StopLossIn] = None
    position_intent: Optional[Literal["buy_to_open", "buy_to_close", "sell_to_open", "sell_to_close"]] = None


class ConfigurationsIn(BaseModel):
    """``PATCH /v2/account/configurations`` (alpaca-py sends every field; null leaves a setting as it is)."""

    model_config = ConfigDict(extra="forbid")

    dtbp_check: Optional[Literal["both", "entry", "exit"]] = None
    pdt_check: Optional[Literal["both", "entry", "exit"]] = None
    fractional_trading: Optional[StrictBool] = None
    no_shorting: Optional[StrictBool] = None
    suspend_trade: Optional[StrictBool] = None
    trade_confirm_email: Optional[Literal["all", "none"]] = None
    ptp_no_exception_entry: Optional[StrictBool] = None
    max_margin_multiplier: Optional[Literal["1", "1.0"]] = None
    max_options_trading_level: Optional[Annotated[StrictInt, Field(ge=0, le=0)]] = None


class ReplaceIn(BaseModel):
    """``PATCH /v2/orders/{order_id}``."""

    model_config = ConfigDict(extra="forbid")

    qty: Optional[Quantity] = None
    time_in_force: Optional[TifIn] = None
    limit_price: Optional[Price] = None
    stop_price: Optional[Price] = None


class AdvanceIn(BaseModel):
    """``POST /mock/advance``: either ``seconds`` (move the clock), or ``untilOrderSettled`` (run until that order
    is done or ``maxSeconds`` pass)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    seconds: Optional[Seconds] = None
    until_order_settled: Optional[Annotated[StrictStr, Field(min_length=1, max_length=128)]] = Field(
        None, alias="untilOrderSettled")
    account: Optional[Annotated[StrictStr, Field(pattern=ACCOUNT_PATTERN)]] = None
    max_seconds: Optional[PositiveSeconds] = Field(None, alias="maxSeconds")


class OpeningPositionIn(BaseModel):
    """A holding an account starts with, granted without a trade (negative ``qty`` = short)."""

    model_config = ConfigDict(extra="forbid")

    symbol: Annotated[StrictStr, Field(pattern=SYMBOL_PATTERN)]
    qty: Annotated[StrictInt, Field(ge=-10**9, le=10**9)]
    avg_price: Optional[Union[Annotated[StrictInt, Field(gt=0, le=10**6)],
                              Annotated[StrictFloat, Field(gt=0, le=10**6, allow_inf_nan=False)],
                              Annotated[StrictStr, Field(pattern=r"^[0-9]{1,7}(\.[0-9]{1,6})?$")]]] = None


class AccountIn(BaseModel):
    """``POST /mock/accounts``: open an account (keys generated from the seed when omitted)."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[StrictStr, Field(pattern=ACCOUNT_PATTERN)]
    cash: Optional[Union[Annotated[StrictInt, Field(ge=0, le=10**12)],
                         Annotated[StrictFloat, Field(ge=0, le=10**12, allow_inf_nan=False)],
                         Annotated[StrictStr, Field(pattern=r"^[0-9]{1,13}(\.[0-9]{1,2})?$")]]] = None
    shorting_enabled: Optional[StrictBool] = None
    api_key_id: Optional[Annotated[StrictStr, Field(min_length=1, max_length=128)]] = None
    api_secret_key: Optional[Annotated[StrictStr, Field(min_length=1, max_length=256)]] = None
    positions: Optional[Annotated[list[OpeningPositionIn], Field(max_length=100)]] = None
