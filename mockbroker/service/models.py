"""Request models with strict types: the published schema is exactly what the server accepts (issue 17).

A quantity is whole or fractional shares (``Quantity``): a JSON number (alpaca-py sends 10.0 and 2.25) or a decimal
string ("10", "2.25"), above 0 and up to ``MAX_QTY``, at most 9 decimal places (Alpaca's fractional shares); a whole
value reaches the engine as an ``int`` (its fast path). ``notional`` (dollars) has the same form. Prices are
positive decimals up to ``MAX_PRICE`` on the cents grid (``strict.decimal_type``): a JSON number or a decimal string
("0.50", "12"; never "1e3", "1_000", " +5 " or "5E+1"). A field is given or left out: null is refused where the
schema has no null.

Parity with the engine: a value of the right type but out of range (qty 0, -5, above ``MAX_QTY``, ten decimal
places; a price of 0, above ``MAX_PRICE`` or off the cents) fails with the error types ``invalid_quantity`` /
``invalid_price`` / ``price_not_on_tick``, which the error handler answers as the engine does (``invalid_order``
with that reason), so ``HttpBroker`` raises the same ``InvalidOrder`` the in-process broker raises. Wrong types stay
``invalid_argument``. Unknown fields are refused, so a misspelt field never silently changes an order's meaning.

Rules between fields are in the schema too (``_order_schema``: which prices an order type takes; qty or notional;
what a fractional quantity, a dollar amount, extended hours and each order class allow; ``position_intent`` against
``side``; ``PATCH`` changes at least one field; ``advance`` takes ``seconds`` or ``untilOrderSettled``), and the
engine refuses each of them with 422 and its reason: a request the schema accepts is never refused for its shape.
What no schema can state (a leg's price against the market or against the entry's price, what the account, the
asset or the position allows) is answered 403 or 409, never 422 (docs/http-api.md).
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat,
                      StrictInt, StrictStr, WithJsonSchema, model_validator)

from .strict import (MAX_QTY, SNAPSHOT_NAME, SYMBOL_PATTERN, decimal_type, non_null,  # noqa: F401
                     out_of_range, refuse_nulls, whole_number)

MAX_NOTIONAL = 1_000_000_000
MAX_PRICE = 1_000_000
MAX_ADVANCE_SECONDS = 3600
PRICE_PLACES = 2
"""Decimals of a price in the schema: cents, the default tick (``SymbolConfig.tick_size``) and Alpaca's rule for
prices of $1 and more."""
ACCOUNT_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"


RANGE_ERRORS = ("invalid_quantity", "invalid_price", "price_not_on_tick")
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
                        description="a dollar amount to buy or sell: a JSON number or a decimal string, at most 9 "
                                    "decimal places; below $1 the order is refused with 403 \"cost basis must be >= "
                                    "1\", as Alpaca refuses it")
# The cents (and a trail percent's 4 places) are checked here, as the schema states them; a symbol configured with a
# coarser tick refuses prices off its own grid in the engine (409: it depends on the configuration).
Price = decimal_type("price", places=PRICE_PLACES, limit=MAX_PRICE, grid_here=True, grid_kind="price_not_on_tick")
TrailPercent = decimal_type("trail_percent", places=4, limit=100, inclusive=False, grid_here=True,
                            grid_kind="price_not_on_tick",
                            description="a percentage above 0 and below 100, at most 4 decimals")
Trail = decimal_type("trail", places=4, limit=MAX_PRICE, grid_here=True, grid_kind="price_not_on_tick",
                     description="a trailing stop's new trail: its trail_price (cents) or its trail_percent (below "
                                 "100, at most 4 decimals), whichever the order has; what does not fit the order is "
                                 "refused with 409")
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


def _all(*parts: dict) -> dict:
    """Every part holds (``allOf``; parts may repeat keywords such as ``not``)."""
    return {"allOf": list(parts)}


WHOLE = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^[0-9]+(?:\.0+)?$"}]}
"""A whole number of shares (with the qty field's own form and range): 10, 10.0, "10", "10.00"."""
FRACTIONAL_TYPES = ["market", "limit", "stop", "stop_limit"]
"""What a fractional quantity allows (``order_rules._FRACTIONAL_TYPES``), and a bracket's or OTO's entry."""
DAY_OR_GTC = ["day", "gtc"]
SIMPLE_CLASSES = ["simple", ""]
_PRICES = ("limit_price", "stop_price", "trail_price", "trail_percent")


def _order_type_prices() -> dict:
    """Which prices each order type takes (the engine's rules). A limit order needs ``limit_price``, except in an OCO
    order, whose limit price is its take-profit (``take_profit.limit_price``; alpaca-py leaves it out)."""

    def variant(kind: str, needs: tuple = (), *, type_required: bool = True, optional: tuple = (),
                when: dict | None = None) -> dict:
        out = {"properties": {"type": {"const": kind}, **(when or {})},
               **_absent(*(p for p in _PRICES if p not in needs + optional))}
        required = (("type",) if type_required else ()) + needs + tuple(when or ())
        if required:
            out["required"] = list(required)
        return out

    return {"anyOf": [variant("market", type_required=False), variant("limit", ("limit_price",)),
                      variant("limit", optional=("limit_price",), when={"order_class": {"const": "oco"}}),
                      variant("stop", ("stop_price",)), variant("stop_limit", ("limit_price", "stop_price")),
                      variant("trailing_stop", ("trail_price",)), variant("trailing_stop", ("trail_percent",))]}


def _order_rules() -> list[dict]:
    """The rules between an order's fields that the engine applies (``MockBroker._validate``, ``order_rules``), as
    JSON Schema; each is an ``anyOf`` of the shapes it allows. A field left out has its default (type market, time
    in force day, class simple), which ``properties`` alone lets through."""
    not_extended = {"properties": {"extended_hours": {"const": False}}}
    simple = {"properties": {"order_class": {"enum": SIMPLE_CLASSES}}}
    whole_shares_only = {"properties": {"qty": WHOLE}, **_absent("notional")}
    grouped = {"properties": {"time_in_force": {"enum": DAY_OR_GTC}}}
    return [
        # shares or dollars: exactly one
        {"anyOf": [{"required": ["qty"], **_absent("notional")}, {"required": ["notional"], **_absent("qty")}]},
        _order_type_prices(),
        # dollars: market day orders
        {"anyOf": [_absent("notional"),
                   {"properties": {"type": {"const": "market"}, "time_in_force": {"const": "day"}}}]},
        # a fraction of a share: market, limit, stop or stop-limit day orders
        {"anyOf": [{"properties": {"qty": WHOLE}},
                   {"properties": {"type": {"enum": FRACTIONAL_TYPES}, "time_in_force": {"const": "day"}}}]},
        # extended hours: limit day orders for whole shares, no order class
        {"anyOf": [not_extended,
                   _all({"required": ["type"], "properties": {"type": {"const": "limit"},
                                                               "time_in_force": {"const": "day"}}},
                        whole_shares_only, simple)]},
        # order classes: a simple order has no legs; a bracket both, an OTO exactly one, an OCO (a limit order, its
        # take-profit) both; all of them day or gtc, for whole shares
        {"anyOf": [_all(simple, _absent("take_profit", "stop_loss")),
                   _all({"required": ["order_class", "take_profit", "stop_loss"],
                         "properties": {"order_class": {"const": "bracket"}, "type": {"enum": FRACTIONAL_TYPES}}},
                        grouped, whole_shares_only),
                   _all({"required": ["order_class", "type", "take_profit", "stop_loss"],
                         "properties": {"order_class": {"const": "oco"}, "type": {"const": "limit"}}},
                        grouped, whole_shares_only),
                   _all({"required": ["order_class"],
                         "properties": {"order_class": {"const": "oto"}, "type": {"enum": FRACTIONAL_TYPES}},
                         "oneOf": [{"required": ["take_profit"]}, {"required": ["stop_loss"]}]},
                        grouped, whole_shares_only)]},
        # position_intent names the side
        {"anyOf": [_absent("position_intent"),
                   {"properties": {"side": {"const": "buy"},
                                   "position_intent": {"enum": ["buy_to_open", "buy_to_close"]}}},
                   {"properties": {"side": {"const": "sell"},
                                   "position_intent": {"enum": ["sell_to_open", "sell_to_close"]}}}]},
    ]


def _order_schema(schema: dict) -> None:
    _without_nulls(schema)
    schema["allOf"] = _order_rules()


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
    """``PATCH /v2/orders/{order_id}``: at least one field (alpaca-py's ``ReplaceOrderRequest``: ``qty`` is the new
    total, ``trail`` a trailing stop's new trail, ``client_order_id`` the new order's). What the order being replaced
    cannot take (a limit price for a market order, a fraction for a gtc order, any change but a price in an order
    group) is refused with 409: the schema cannot know that order."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_replace_schema)

    qty: Optional[Quantity] = None
    time_in_force: Optional[TifIn] = None
    limit_price: Optional[Price] = None
    stop_price: Optional[Price] = None
    trail: Optional[Trail] = None
    client_order_id: Optional[Annotated[StrictStr, Field(min_length=1, max_length=128)]] = None

    @model_validator(mode="before")
    @classmethod
    def _something(cls, data: Any) -> Any:
        data = refuse_nulls(data)
        if isinstance(data, dict) and not data:
            raise ValueError("give at least one of qty, limit_price, stop_price, time_in_force, trail, "
                             "client_order_id")
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
