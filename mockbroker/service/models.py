"""Request models with strict types: the published schema is exactly what the server accepts (issue 17).

A quantity is a whole number of shares (``strict.WholeShares``): a JSON integer (alpaca-py sends 10.0, which JSON
Schema counts as an integer) or a digits string ("10"), from 1 to ``MAX_QTY``. Prices are positive decimals up to
``MAX_PRICE`` on the cents grid (``strict.decimal_type``): a JSON number or a decimal string ("0.50", "12"; never
"1e3", "1_000", " +5 " or "5E+1"). A field is given or left out: null is refused where the schema has no null.

Parity with the engine: a value of the right type but out of range (qty 0, -5, 1.5, above ``MAX_QTY``; a price of
0 or above ``MAX_PRICE``) fails with the error types ``invalid_quantity`` / ``invalid_price``, which the error
handler answers as the engine does (``invalid_order`` with that reason), so ``HttpBroker`` raises the same
``InvalidOrder`` the in-process broker raises; a price off the symbol's tick is the engine's own refusal
(``price_not_on_tick``). Wrong types stay ``invalid_argument``. Unknown fields are refused, so a misspelt field
never silently changes an order's meaning. Rules between fields (a limit order needs ``limit_price`` and takes no
stop; ``PATCH`` changes at least one field; ``advance`` takes ``seconds`` or ``untilOrderSettled``, not both) are
in the schema too (``anyOf`` / ``minProperties``), so a request the schema accepts is never refused for its shape.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat,
                      StrictInt, StrictStr, WithJsonSchema, model_validator)

from .strict import (MAX_QTY, SNAPSHOT_NAME, SYMBOL_PATTERN, WholeShares, decimal_type, non_null,  # noqa: F401
                     out_of_range, refuse_nulls, whole_number)

MAX_NOTIONAL = 1_000_000_000
MAX_PRICE = 1_000_000
MAX_ADVANCE_SECONDS = 3600
PRICE_PLACES = 2
"""Decimals of a price in the schema: cents, the default tick (``SymbolConfig.tick_size``) and Alpaca's rule for
prices of $1 and more."""
ACCOUNT_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"


RANGE_ERRORS = ("invalid_quantity", "invalid_price")
"""Validation error types that mean "well typed, out of range": answered as the engine's ``InvalidOrder``."""


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


def _whole_as_int(number: Decimal) -> Any:
    """Whole shares as an int (the engine's fast path), fractional shares as a normalized Decimal."""
    return int(number) if number == number.to_integral_value() else number.normalize()


QTY_PLACES = 9
"""Alpaca's fractional shares: at most 9 decimal places."""
Quantity = Annotated[decimal_type("qty", places=QTY_PLACES, limit=MAX_QTY, kind="invalid_quantity", grid_here=True,
                                  description=f"shares: whole, or fractional with at most {QTY_PLACES} decimal "
                                              "places (a JSON number or a decimal string such as \"2.5\")"),
                     AfterValidator(_whole_as_int)]
Notional = decimal_type("notional", places=QTY_PLACES, limit=MAX_NOTIONAL, kind="invalid_quantity", grid_here=True,
                        description="a dollar amount to buy or sell (at least $1): a JSON number or a decimal string")
Price = decimal_type("price", places=PRICE_PLACES, limit=MAX_PRICE)
TrailPercent = decimal_type("trail_percent", places=4, limit=100, inclusive=False,
                            description="a percentage above 0 and below 100, at most 4 decimals")
Seconds = Annotated[Any, BeforeValidator(_seconds(MAX_ADVANCE_SECONDS, True)),
                    WithJsonSchema({"type": "number", "minimum": 0, "maximum": MAX_ADVANCE_SECONDS})]
PositiveSeconds = Annotated[Any, BeforeValidator(_seconds(MAX_ADVANCE_SECONDS, False)),
                            WithJsonSchema({"type": "number", "exclusiveMinimum": 0,
                                            "maximum": MAX_ADVANCE_SECONDS})]


def _without_nulls(schema: dict) -> None:
    """``json_schema_extra``: the model's optional fields published without ``null`` (they are refused)."""
    schema["properties"] = {name: {k: v for k, v in non_null(field).items() if not (k == "default" and v is None)}
                            for name, field in schema["properties"].items()}


def _absent(*names: str) -> dict:
    return {"not": {"anyOf": [{"required": [n]} for n in names]}}


def _order_schema(schema: dict) -> None:
    """Which prices each order type takes (the engine's rules), as ``anyOf`` variants keyed on ``type``."""
    _without_nulls(schema)
    prices = ("limit_price", "stop_price", "trail_price", "trail_percent")

    def variant(kind: str, needs: tuple, *, type_required: bool = True) -> dict:
        out = {"properties": {"type": {"const": kind}}, **_absent(*(p for p in prices if p not in needs))}
        required = (("type",) if type_required else ()) + needs
        if required:
            out["required"] = list(required)
        return out

    schema["anyOf"] = [variant("market", (), type_required=False), variant("limit", ("limit_price",)),
                       variant("stop", ("stop_price",)), variant("stop_limit", ("limit_price", "stop_price")),
                       variant("trailing_stop", ("trail_price",)), variant("trailing_stop", ("trail_percent",))]


def _replace_schema(schema: dict) -> None:
    _without_nulls(schema)
    schema["minProperties"] = 1


def _advance_schema(schema: dict) -> None:
    _without_nulls(schema)
    schema["anyOf"] = [{"required": ["seconds"], **_absent("untilOrderSettled", "account", "maxSeconds")},
                       {"required": ["untilOrderSettled"], **_absent("seconds")}]


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

    model_config = ConfigDict(extra="forbid", json_schema_extra=_order_schema)

    symbol: Annotated[StrictStr, Field(pattern=SYMBOL_PATTERN)]
    qty: Optional[Quantity] = None
    notional: Optional[Notional] = None
    side: SideIn
    type: TypeIn = TypeIn.market
    time_in_force: TifIn = TifIn.day
    limit_price: Optional[Price] = None
    stop_price: Optional[Price] = None
    trail_price: Optional[Price] = None
    trail_percent: Optional[TrailPercent] = None
    extended_hours: Optional[StrictBool] = None
    client_order_id: Optional[Annotated[StrictStr, Field(min_length=1, max_length=128)]] = None
    order_class: Optional[Literal["simple", "bracket", "oco", "oto", ""]] = None
    take_profit: Optional[TakeProfitIn] = None
    stop_loss: Optional[StopLossIn] = None
    position_intent: Optional[Literal["buy_to_open", "buy_to_close", "sell_to_open", "sell_to_close"]] = None

    _no_nulls = model_validator(mode="before")(refuse_nulls)


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
    """``PATCH /v2/orders/{order_id}``: at least one field."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_replace_schema)

    qty: Optional[Quantity] = None
    time_in_force: Optional[TifIn] = None
    limit_price: Optional[Price] = None
    stop_price: Optional[Price] = None

    @model_validator(mode="before")
    @classmethod
    def _something(cls, data: Any) -> Any:
        data = refuse_nulls(data)
        if isinstance(data, dict) and not data:
            raise ValueError("give at least one of qty, limit_price, stop_price, time_in_force")
        return data


class AdvanceIn(BaseModel):
    """``POST /mock/advance``: either ``seconds`` (move the clock), or ``untilOrderSettled`` (run until that order
    is done or ``maxSeconds`` pass, looking for it in ``account``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra=_advance_schema)

    seconds: Optional[Seconds] = None
    until_order_settled: Optional[Annotated[StrictStr, Field(min_length=1, max_length=128)]] = Field(
        None, alias="untilOrderSettled")
    account: Optional[Annotated[StrictStr, Field(pattern=ACCOUNT_PATTERN)]] = None
    max_seconds: Optional[PositiveSeconds] = Field(None, alias="maxSeconds")

    @model_validator(mode="before")
    @classmethod
    def _one_way(cls, data: Any) -> Any:
        data = refuse_nulls(data)
        if isinstance(data, dict):
            if ("seconds" in data) == ("untilOrderSettled" in data or "until_order_settled" in data):
                raise ValueError("give exactly one of seconds, untilOrderSettled")
            if "seconds" in data and ({"account", "maxSeconds", "max_seconds"} & set(data)):
                raise ValueError("account and maxSeconds go with untilOrderSettled, not with seconds")
        return data


class OpeningPositionIn(BaseModel):
    """A holding an account starts with, granted without a trade (negative ``qty`` = short)."""

    model_config = ConfigDict(extra="forbid")

    symbol: Annotated[StrictStr, Field(pattern=SYMBOL_PATTERN)]
    qty: whole_number("qty", -10**9, 10**9, "shares held at the start, not 0; negative: short", nonzero=True)
    avg_price: Optional[decimal_type("avg_price", places=6, limit=10**6, kind="invalid_argument", grid_here=True,
                                     description="the average price paid (default: the symbol's price)")] = None


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
