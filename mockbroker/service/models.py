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

from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Annotated, Any, Literal, Optional, Union

from pydantic_core import PydanticCustomError
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr,
                      WithJsonSchema)

MAX_QTY = 10_000_000
MAX_PRICE = 1_000_000
MAX_ADVANCE_SECONDS = 3600
SYMBOL_PATTERN = r"^[A-Z][A-Z0-9.]{0,9}$"
ACCOUNT_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"


RANGE_ERRORS = ("invalid_quantity", "invalid_price")
"""Validation error types that mean "well typed, out of range": answered as the engine's ``InvalidOrder``."""


def _out_of_range(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, "{problem}", {"problem": message})


def _to_qty(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"qty={value!r}: must be a whole number of shares (a number or a numeric string)")
    if isinstance(value, str):
        if len(value) > 20:
            raise ValueError(f"qty={value[:20]!r}...: too long")
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"qty={value!r}: not a number") from None
    else:
        number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"qty={value!r}: must be finite")
    if abs(number) > MAX_QTY:
        raise _out_of_range("invalid_quantity", f"qty={value!r}: must be a whole number from 1 to {MAX_QTY}")
    if number != number.to_integral_value():
        raise _out_of_range("invalid_quantity", f"qty={value!r}: fractional shares are not supported")
    qty = int(number)
    if qty < 1:
        raise _out_of_range("invalid_quantity", f"qty={value!r}: must be a whole number from 1 to {MAX_QTY}")
    return qty


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
                         {"type": "number", "minimum": 1, "maximum": MAX_QTY},
                         {"type": "string", "pattern": r"^[1-9][0-9]{0,6}(\.0{1,4})?$"}],
               "description": "whole shares: an integer, an integral number or a numeric string"}
_PRICE_SCHEMA = {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": MAX_PRICE},
                           {"type": "string", "pattern": r"^[1-9][0-9]{0,5}(\.[0-9]{1,6})?$"}],
                 "description": "a positive price: a number or a numeric string"}

Quantity = Annotated[Any, BeforeValidator(_to_qty), WithJsonSchema(_QTY_SCHEMA)]
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


class OrderIn(BaseModel):
    """``POST /v2/orders`` (Alpaca's fields; bracket/OCO/OTO, notional and options legs are not supported)."""

    model_config = ConfigDict(extra="forbid")

    symbol: Annotated[StrictStr, Field(pattern=SYMBOL_PATTERN)]
    qty: Quantity
    side: SideIn
    type: TypeIn = TypeIn.market
    time_in_force: TifIn = TifIn.day
    limit_price: Optional[Price] = None
    stop_price: Optional[Price] = None
    trail_price: Optional[Price] = None
    trail_percent: Optional[Price] = None
    extended_hours: Optional[StrictBool] = None
    client_order_id: Optional[Annotated[StrictStr, Field(min_length=1, max_length=128)]] = None
    order_class: Optional[Literal["simple"]] = None


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
