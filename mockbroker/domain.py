"""Domain types shared by every layer: orders, fills, positions, accounts, quotes, bars, book levels, events.

Rules:
- Values are frozen dataclasses; the engine keeps its own mutable state and hands out snapshots.
- Money and prices are ``Decimal`` (cents and ticks stay exact). Quantities are exact too: an ``int`` for whole
  shares (the engine's fast path) and a ``Decimal`` of at most 9 places for fractional shares
  (``canonical_qty`` gives every quantity one form: 10 and Decimal("10.0") are the int 10).
- Times are integer nanoseconds since the Unix epoch on the broker's virtual clock (``*_ns`` fields);
  ``mockbroker.clock.to_datetime`` turns them into aware UTC datetimes.
- ``to_dict`` gives a JSON-ready dict with stable key order (Decimals as strings), used by the event log,
  the Allure evidence and the service.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum


class MemberTable:
    """An enum's members as plain attributes: ``STATUS = MemberTable(OrderStatus)``, then ``STATUS.NEW is
    OrderStatus.NEW``. Why: on Python 3.11 every ``OrderStatus.NEW`` goes through ``EnumType.__getattr__`` (about
    65 ns), and the execution engine's hot path would pay that some thirty times an order."""

    def __init__(self, enum_class: type[Enum]) -> None:
        self.__dict__.update(enum_class.__members__)


class Side(str, Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1


class OrderType(str, Enum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"
    TRAILING_STOP = "trailing_stop"


class TimeInForce(str, Enum):
    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"


class OrderClass(str, Enum):
    """Simple orders, and the advanced classes whose orders act as a group (entry, take-profit, stop-loss)."""

    SIMPLE = "simple"
    BRACKET = "bracket"
    OCO = "oco"
    OTO = "oto"


class OrderStatus(str, Enum):
    HELD = "held"
    """A leg of a bracket or OTO order waiting for its entry to fill (it is not at the venue yet)."""
    NEW = "new"
    ACCEPTED = "accepted"
    PENDING_NEW = "pending_new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    PENDING_CANCEL = "pending_cancel"
    PENDING_REPLACE = "pending_replace"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"
    REPLACED = "replaced"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES

    @property
    def is_open(self) -> bool:
        return self not in TERMINAL_STATUSES


SIDE, TYPE, TIF, STATUS = MemberTable(Side), MemberTable(OrderType), MemberTable(TimeInForce), MemberTable(OrderStatus)
"""The members as plain attributes, for hot paths (see ``MemberTable``): ``STATUS.FILLED is OrderStatus.FILLED``."""

CLASS = MemberTable(OrderClass)

TERMINAL_STATUSES = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED, OrderStatus.REPLACED}
)


QTY_PLACES = 9
"""Quantities have at most 9 decimal places (Alpaca's rule for fractional shares and notional amounts)."""


def canonical_qty(value: "int | Decimal") -> "int | Decimal":
    """One form per quantity: whole numbers as ``int`` (the fast path), fractions as a normalized ``Decimal``."""
    if value.__class__ is int:
        return value
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def _jsonable(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value):
        return value.to_dict()  # type: ignore[union-attr]
    return value


class _Record:
    """Mixin: JSON-ready dict with the dataclass field order."""

    def to_dict(self) -> dict:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class OrderRequest(_Record):
    """What a trader asks for. Validated by the broker, which raises a typed error for bad input."""

    symbol: str
    qty: int | Decimal | None
    side: Side
    type: OrderType = OrderType.MARKET
    time_in_force: TimeInForce = TimeInForce.DAY
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None
    client_order_id: str | None = None
    extended_hours: bool = False
    notional: Decimal | None = None
    """A dollar amount instead of ``qty`` (market orders only): the venue buys or sells that much."""
    order_class: OrderClass = OrderClass.SIMPLE
    take_profit: Decimal | None = None
    """Bracket, OCO, OTO: the take-profit leg's limit price."""
    stop_loss: Decimal | None = None
    """Bracket, OCO, OTO: the stop-loss leg's stop price."""
    stop_loss_limit: Decimal | None = None
    """Optional: the stop-loss leg becomes a stop-limit order with this limit price."""


@dataclass(frozen=True)
class Fill(_Record):
    """One execution. ``slippage_bps`` is measured against the mid price when the order was sent
    (positive = the trader paid more than mid on a buy, or received less on a sell)."""

    fill_id: str
    order_id: str
    account_id: str
    symbol: str
    side: Side
    qty: int | Decimal
    price: Decimal
    fee: Decimal
    time_ns: int
    arrival_mid: Decimal
    slippage_bps: Decimal
    liquidity: str = "taker"


@dataclass(frozen=True)
class Order(_Record):
    id: str
    client_order_id: str
    account_id: str
    symbol: str
    side: Side
    type: OrderType
    time_in_force: TimeInForce
    qty: int | Decimal
    filled_qty: int | Decimal
    status: OrderStatus
    limit_price: Decimal | None
    stop_price: Decimal | None
    filled_avg_price: Decimal | None
    created_ns: int
    updated_ns: int
    submitted_ns: int
    filled_ns: int | None = None
    canceled_ns: int | None = None
    expired_ns: int | None = None
    arrival_mid: Decimal | None = None
    reject_reason: RejectReason | None = None
    replaced_by: str | None = None
    replaces: str | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None
    fees: Decimal = Decimal("0")
    extended_hours: bool = False
    notional: Decimal | None = None
    order_class: OrderClass = OrderClass.SIMPLE
    legs: tuple[str, ...] = ()
    """A bracket, OCO or OTO parent's leg orders (ids: take-profit first, then stop-loss)."""
    parent_id: str | None = None
    """A leg's parent order."""

    @property
    def remaining_qty(self) -> int | Decimal:
        return self.qty - self.filled_qty

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@dataclass(frozen=True)
class Position(_Record):
    """A holding. ``qty`` is signed (negative = short). ``avg_entry_price`` is the average cost of the open
    quantity; ``cost_basis`` = qty x avg_entry_price."""

    account_id: str
    symbol: str
    qty: int | Decimal
    avg_entry_price: Decimal
    cost_basis: Decimal
    market_price: Decimal
    market_value: Decimal
    unrealized_pl: Decimal
    realized_pl: Decimal

    @property
    def side(self) -> str:
        return "long" if self.qty >= 0 else "short"


@dataclass(frozen=True)
class Account(_Record):
    """Balances of one account. ``equity`` = cash + market value of positions.
    ``buying_power`` = cash less what open buy orders have reserved (no margin)."""

    id: str
    cash: Decimal
    buying_power: Decimal
    equity: Decimal
    long_market_value: Decimal
    short_market_value: Decimal
    realized_pl: Decimal
    unrealized_pl: Decimal
    fees_paid: Decimal
    shorting_enabled: bool = True


@dataclass(frozen=True)
class Quote(_Record):
    symbol: str
    bid: Decimal
    ask: Decimal
    bid_size: int
    ask_size: int
    last: Decimal
    time_ns: int

    @property
    def mid(self) -> Decimal:
        return (self.bid + self.ask) / 2

    @property
    def spread(self) -> Decimal:
        return self.ask - self.bid

    @property
    def spread_bps(self) -> Decimal:
        return (self.spread / self.mid * Decimal(10_000)) if self.mid else Decimal(0)


@dataclass(frozen=True)
class Trade(_Record):
    """A print on the tape: a trade in the simulated market (ours or other participants')."""

    symbol: str
    price: Decimal
    size: int
    time_ns: int


@dataclass(frozen=True)
class Bar(_Record):
    symbol: str
    start_ns: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int
    trade_count: int = 0
    vwap: Decimal | None = None


@dataclass(frozen=True)
class BookLevel(_Record):
    price: Decimal
    size: int


@dataclass(frozen=True)
class OrderBook(_Record):
    symbol: str
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    time_ns: int


class EventType(str, Enum):
    """Order lifecycle events, named as the trade-updates stream of real brokers names them."""

    NEW = "new"
    ACCEPTED = "accepted"
    PARTIAL_FILL = "partial_fill"
    FILL = "fill"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"
    REPLACED = "replaced"
    PENDING_CANCEL = "pending_cancel"
    CANCEL_REJECTED = "order_cancel_rejected"
    REPLACE_REJECTED = "order_replace_rejected"


EVENT = MemberTable(EventType)


@dataclass(frozen=True)
class OrderEvent(_Record):
    """One entry of the broker's event log; ``seq`` is gap-free and increasing."""

    seq: int
    time_ns: int
    event: EventType
    order: Order
    fill: Fill | None = None
    reason: str | None = None


@dataclass(frozen=True)
class MarketState(_Record):
    """A summary of one symbol's market conditions (for reports and assertions)."""

    symbol: str
    mid: Decimal
    spread_bps: Decimal
    volatility_pct: float
    liquidity: int
    halted: bool
    events: tuple[str, ...] = field(default_factory=tuple)
