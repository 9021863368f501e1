"""``AlpacaBroker``: the ``Broker`` contract on alpaca-py's ``TradingClient``, the reference adapter of the
``@conformance`` profile (docs/conformance.md).

    behave -D target=mockbroker.adapters.alpaca:connect     # or -D target=alpaca

``connect()`` chooses what to talk to from the environment:

| variable | meaning |
| --- | --- |
| ``APCA_API_KEY_ID``, ``APCA_API_SECRET_KEY`` | the key pair of the first account ("primary"); with them set, the adapter talks to that broker |
| ``APCA_API_KEY_ID_2``, ``APCA_API_SECRET_KEY_2`` | a second account ("secondary"), for the isolation scenarios (capability ``two-accounts``) |
| ``APCA_API_BASE_URL`` | trading API (default ``https://paper-api.alpaca.markets``); a live endpoint is refused |
| ``APCA_API_DATA_URL`` | market data API (default ``https://data.alpaca.markets``) |
| ``APCA_API_STREAM_URL`` | trade-updates WebSocket (default: the base URL's ``wss://.../stream``) |
| ``MOCKBROKER_ALPACA_SYMBOL`` | the symbol the profile trades (default ``SPY``) |
| ``MOCKBROKER_ALPACA_FILLS`` | ``1`` lets orders fill (market round trips, capability ``fills``); default off on a real endpoint |

Without ``APCA_API_KEY_ID`` it starts mockbroker's own HTTP service on 127.0.0.1 with the real-time clock, as a
stand-in for Alpaca's paper endpoint: two accounts ("primary", "secondary", $100,000 each, their keys taken from
the service's ``/mock/configure`` answer), ACME at $50.00, fills allowed. That is how CI runs the profile.

Rules:
- Every call goes through alpaca-py (``TradingClient`` for trading, ``StockHistoricalDataClient`` for quotes and
  bars, ``TradingStream`` for order updates); what it raises becomes a ``mockbroker.errors`` class
  (``alpaca_errors``). Nothing reads the mock's extra ``"mock"`` fields: the adapter sees what Alpaca sends.
- Quantities and prices travel as text and ``Decimal`` (``_quantity``, ``_money``): whole quantities become ``int``,
  fractional ones stay ``Decimal``; alpaca-py's request models take floats, built from the decimal text.
- The adapter only knows its own accounts by name; ``account=`` picks the key pair. An account it does not hold
  is ``UnknownAccount``.
- What Alpaca does not report is filled in plainly: a fill's fee and slippage are 0 and its arrival mid is its
  price; an account's realized and unrealized P&L are 0 (each position reports its own unrealized P&L); the
  order book is the top of the book (the latest quote).
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, TypeVar
from urllib.parse import urlparse

from ..capabilities import Capability
from ..domain import (Account, Bar, BookLevel, EventType, Fill, Order, OrderBook, OrderClass, OrderEvent,
                      OrderRequest, OrderStatus, OrderType, Position, Quote, Side, TimeInForce, Trade)
from ..errors import BrokerError, InvalidArgument, UnknownAccount
from ..interface import DEFAULT_ACCOUNT
from . import alpaca_errors as errors

T = TypeVar("T")

PAPER_URL = "https://paper-api.alpaca.markets"
DATA_URL = "https://data.alpaca.markets"
LIVE_HOSTS = ("api.alpaca.markets",)
DEFAULT_SYMBOL = "SPY"
STAND_IN_SYMBOL = "ACME"
ACCOUNTS = ("primary", "secondary")
REQUEST_TIMEOUT = 15.0
ORDER_PAGE = 500
"""Alpaca lists at most 500 orders a page: the newest 500 are what a scenario's orders are among."""

ENV_KEY, ENV_SECRET = "APCA_API_KEY_ID", "APCA_API_SECRET_KEY"
ENV_BASE_URL, ENV_DATA_URL, ENV_STREAM_URL = "APCA_API_BASE_URL", "APCA_API_DATA_URL", "APCA_API_STREAM_URL"
ENV_SYMBOL, ENV_FILLS = "MOCKBROKER_ALPACA_SYMBOL", "MOCKBROKER_ALPACA_FILLS"

# Alpaca's statuses the domain has no word for, mapped to the nearest that means the same to a trader.
_STATUSES = {"held": OrderStatus.HELD, "accepted_for_bidding": OrderStatus.ACCEPTED,
             "pending_review": OrderStatus.ACCEPTED, "suspended": OrderStatus.ACCEPTED,
             "stopped": OrderStatus.NEW, "done_for_day": OrderStatus.NEW, "calculated": OrderStatus.FILLED}
_EVENTS = {"pending_new": EventType.ACCEPTED}


def _value(item: Any) -> str | None:
    """An enum member's value or a plain string (alpaca-py gives either)."""
    if item is None:
        return None
    return str(getattr(item, "value", item))


def _money(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _quantity(value: Any) -> int | Decimal:
    """A quantity from Alpaca's text ("10", "0.5"): whole numbers as ``int``, fractions as ``Decimal``."""
    amount = Decimal(str(value if value not in (None, "") else 0))
    return int(amount) if amount == amount.to_integral_value() else amount


def _ns(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1_000


def _text_ns(text: Any) -> int:
    """Nanoseconds from Alpaca's RFC 3339 text ("2026-01-05T14:30:00.123456789Z"), to the microsecond."""
    if not text:
        return 0
    match = re.fullmatch(r"(.*?T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?", str(text))
    if match is None:
        return 0
    whole, fraction, zone = match.groups()
    moment = datetime.fromisoformat(whole + ("+00:00" if zone in (None, "Z") else zone))
    return _ns(moment) + int((fraction or "0")[:9].ljust(9, "0"))


def _float(value: Any) -> float | None:
    """What alpaca-py's request models take, from the exact decimal text (``Decimal`` or ``int`` in, float out)."""
    return None if value is None else float(Decimal(str(value)))


class AlpacaBroker:
    """The ``Broker`` contract over Alpaca's Trading API v2, one ``TradingClient`` per account."""

    def __init__(self, credentials: dict[str, tuple[str, str]], base_url: str = PAPER_URL, *,
                 data_url: str | None = None, stream_url: str | None = None, symbols: tuple[str, ...] = (DEFAULT_SYMBOL,),
                 allow_fills: bool = False, on_close: Callable[[], None] | None = None,
                 timeout: float = REQUEST_TIMEOUT) -> None:
        from alpaca.data.historical import StockHistoricalDataClient
        from alpaca.trading.client import TradingClient

        if not credentials:
            raise InvalidArgument("credentials", credentials, "needs at least one account's key pair")
        self.base_url = base_url.rstrip("/")
        self.accounts = tuple(credentials)
        self.symbols = tuple(symbols)
        self.capabilities = frozenset({Capability.FILLS} if allow_fills else set()) | (
            {Capability.TWO_ACCOUNTS} if len(credentials) >= 2 else set())
        self._clients = {name: _with_timeout(TradingClient(key, secret, paper=True, url_override=self.base_url),
                                             timeout)
                         for name, (key, secret) in credentials.items()}
        first_key, first_secret = next(iter(credentials.values()))
        self._data = _with_timeout(StockHistoricalDataClient(first_key, first_secret,
                                                             url_override=(data_url or DATA_URL).rstrip("/")), timeout)
        self._on_close = on_close
        self._updates = None
        from .alpaca_updates import TradeUpdates

        self._updates = self._call(lambda: TradeUpdates(stream_url or _stream_url(self.base_url), credentials),
                                   errors.ACCOUNT)

    # ----- plumbing
    def close(self) -> None:
        if self._updates is not None:
            self._updates.close()
            self._updates = None
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()

    def __enter__(self) -> "AlpacaBroker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _client(self, account: str):
        try:
            return self._clients[account]
        except KeyError:
            raise UnknownAccount(f"account {account!r}: this adapter acts as {', '.join(self.accounts)}",
                                 account=account) from None

    def _call(self, call: Callable[[], T], operation: str) -> T:
        try:
            return call()
        except BrokerError:
            raise
        except Exception as problem:  # noqa: BLE001 - mapped to a typed error, or let through as a bug
            typed = errors.broker_error(problem, operation)
            if typed is None:
                raise
            raise typed from problem

    def _account_name(self, account: str) -> str:
        return self.accounts[0] if account == DEFAULT_ACCOUNT and DEFAULT_ACCOUNT not in self._clients else account

    # ----- conversions
    def _order(self, o: Any, account: str) -> Order:
        status = _value(o.status)
        kind = _value(o.order_type) or _value(o.type)
        return Order(
            id=str(o.id), client_order_id=o.client_order_id, account_id=account, symbol=o.symbol,
            side=Side(_value(o.side)), type=OrderType(kind), time_in_force=TimeInForce(_value(o.time_in_force)),
            qty=_quantity(o.qty), filled_qty=_quantity(o.filled_qty),
            status=_STATUSES.get(status) or OrderStatus(status), limit_price=_money(o.limit_price),
            stop_price=_money(o.stop_price), filled_avg_price=_money(o.filled_avg_price),
            created_ns=_ns(o.created_at) or 0, updated_ns=_ns(o.updated_at) or 0,
            submitted_ns=_ns(o.submitted_at) or 0, filled_ns=_ns(o.filled_at), canceled_ns=_ns(o.canceled_at),
            expired_ns=_ns(o.expired_at), replaced_by=str(o.replaced_by) if o.replaced_by else None,
            replaces=str(o.replaces) if o.replaces else None, trail_price=_money(o.trail_price),
            trail_percent=_money(o.trail_percent), extended_hours=bool(o.extended_hours),
            notional=_money(getattr(o, "notional", None)),
            order_class=OrderClass(_value(getattr(o, "order_class", None)) or "simple"),
            legs=tuple(str(leg.id) for leg in (getattr(o, "legs", None) or ())))

    def _representable(self, o: Any) -> bool:
        """Whether the domain has words for the order (Alpaca also has opg/cls orders, options, crypto...)."""
        try:
            TimeInForce(_value(o.time_in_force))
            OrderType(_value(o.order_type) or _value(o.type))
            return True
        except ValueError:
            return False

    def _position(self, p: Any, account: str) -> Position:
        qty = _quantity(p.qty)
        if _value(p.side) == "short" and qty > 0:
            qty = -qty
        return Position(account_id=account, symbol=p.symbol, qty=qty, avg_entry_price=_money(p.avg_entry_price),
                        cost_basis=_money(p.cost_basis), market_price=_money(p.current_price) or Decimal(0),
                        market_value=_money(p.market_value) or Decimal(0),
                        unrealized_pl=_money(p.unrealized_pl) or Decimal(0), realized_pl=Decimal(0))

    # ----- Broker: accounts and positions
    def get_account(self, account: str = DEFAULT_ACCOUNT) -> Account:
        account = self._account_name(account)
        client = self._client(account)
        a = self._call(client.get_account, errors.ACCOUNT)
        return Account(id=account, cash=_money(a.cash), buying_power=_money(a.buying_power), equity=_money(a.equity),
                       long_market_value=_money(a.long_market_value) or Decimal(0),
                       short_market_value=_money(a.short_market_value) or Decimal(0), realized_pl=Decimal(0),
                       unrealized_pl=Decimal(0), fees_paid=_money(a.accrued_fees) or Decimal(0),
                       shorting_enabled=bool(a.shorting_enabled))

    def list_positions(self, account: str = DEFAULT_ACCOUNT) -> list[Position]:
        account = self._account_name(account)
        client = self._client(account)
        return [self._position(p, account) for p in self._call(client.get_all_positions, errors.POSITION)]

    def get_position(self, symbol: str, account: str = DEFAULT_ACCOUNT) -> Position:
        account = self._account_name(account)
        client = self._client(account)
        return self._position(self._call(lambda: client.get_open_position(symbol), errors.POSITION), account)

    def close_position(self, symbol: str, account: str = DEFAULT_ACCOUNT, *, qty: Any = None,
                       percentage: Any = None) -> Order:
        """The whole position at market, or ``qty`` shares, or ``percentage`` percent of it (Alpaca's options)."""
        from alpaca.trading.requests import ClosePositionRequest

        account = self._account_name(account)
        client = self._client(account)
        options = None
        if qty is not None or percentage is not None:
            options = ClosePositionRequest(qty=None if qty is None else str(qty),
                                           percentage=None if percentage is None else str(percentage))
        return self._order(self._call(lambda: client.close_position(symbol, close_options=options), errors.POSITION),
                           account)

    def close_all_positions(self, account: str = DEFAULT_ACCOUNT, cancel_orders: bool = False) -> list:
        """Every position closed at market: one ``(symbol, Order or BrokerError)`` per position, as Alpaca's 207."""
        account = self._account_name(account)
        client = self._client(account)
        answers = self._call(lambda: client.close_all_positions(cancel_orders=cancel_orders), errors.POSITION)
        out = []
        for answer in answers:
            status = int(getattr(answer, "status", 0) or 0)
            body = getattr(answer, "body", None)
            if 200 <= status < 300 and body is not None:
                out.append((answer.symbol, self._order(body, account)))
            else:
                out.append((answer.symbol, errors.from_status(status, body, errors.POSITION)))
        return out

    # ----- orders
    def _order_model(self, request: OrderRequest):
        from alpaca.trading import requests as r

        common = dict(symbol=request.symbol, qty=_float(request.qty), side=Side(request.side).value,
                      time_in_force=TimeInForce(request.time_in_force).value,
                      client_order_id=request.client_order_id, extended_hours=bool(request.extended_hours) or None)
        notional = getattr(request, "notional", None)
        if notional is not None:  # dollars instead of shares
            common.update(qty=None, notional=_float(notional))
        common.update(_order_class_fields(request))
        kind = OrderType(request.type)
        if kind is OrderType.MARKET:
            return r.MarketOrderRequest(**common)
        if kind is OrderType.LIMIT:
            return r.LimitOrderRequest(**common, limit_price=_float(request.limit_price))
        if kind is OrderType.STOP:
            return r.StopOrderRequest(**common, stop_price=_float(request.stop_price))
        if kind is OrderType.STOP_LIMIT:
            return r.StopLimitOrderRequest(**common, stop_price=_float(request.stop_price),
                                           limit_price=_float(request.limit_price))
        return r.TrailingStopOrderRequest(**common, trail_price=_float(request.trail_price),
                                          trail_percent=_float(request.trail_percent))

    def submit_order(self, request: OrderRequest, account: str = DEFAULT_ACCOUNT) -> Order:
        account = self._account_name(account)
        client = self._client(account)
        order = self._call(lambda: client.submit_order(self._order_model(request)), errors.SUBMIT)
        return self._order(order, account)

    def get_order(self, order_id: str, account: str = DEFAULT_ACCOUNT) -> Order:
        account = self._account_name(account)
        client = self._client(account)
        return self._order(self._call(lambda: client.get_order_by_id(_order_id(order_id)), errors.ORDER), account)

    def get_order_by_client_id(self, client_order_id: str, account: str = DEFAULT_ACCOUNT) -> Order:
        account = self._account_name(account)
        client = self._client(account)
        return self._order(self._call(lambda: client.get_order_by_client_id(client_order_id), errors.ORDER), account)

    def list_orders(self, account: str = DEFAULT_ACCOUNT, status: str = "open") -> list[Order]:
        from alpaca.trading.enums import QueryOrderStatus
        from alpaca.trading.requests import GetOrdersRequest

        account = self._account_name(account)
        client = self._client(account)
        query = GetOrdersRequest(status=QueryOrderStatus(status), limit=ORDER_PAGE, direction="desc")
        orders = self._call(lambda: client.get_orders(query), errors.ORDER)
        return [self._order(o, account) for o in reversed(orders) if self._representable(o)]

    def cancel_order(self, order_id: str, account: str = DEFAULT_ACCOUNT) -> Order:
        account = self._account_name(account)
        client = self._client(account)
        self._call(lambda: client.cancel_order_by_id(_order_id(order_id)), errors.CANCEL)
        return self.get_order(order_id, account)

    def cancel_all_orders(self, account: str = DEFAULT_ACCOUNT) -> list[Order]:
        account = self._account_name(account)
        client = self._client(account)
        answers = self._call(client.cancel_orders, errors.CANCEL)
        return [self.get_order(str(a.id), account) for a in answers]

    def replace_order(self, order_id: str, account: str = DEFAULT_ACCOUNT, *, qty: Any = None,
                      limit_price: Any = None, stop_price: Any = None, time_in_force: Any = None) -> Order:
        from alpaca.trading.requests import ReplaceOrderRequest

        account = self._account_name(account)
        client = self._client(account)

        def replace():
            whole = None if qty is None else _whole(qty)
            changes = ReplaceOrderRequest(qty=whole, limit_price=_float(limit_price), stop_price=_float(stop_price),
                                          time_in_force=None if time_in_force is None
                                          else TimeInForce(time_in_force).value)
            return client.replace_order_by_id(_order_id(order_id), changes)

        return self._order(self._call(replace, errors.REPLACE), account)

    def list_fills(self, account: str = DEFAULT_ACCOUNT, order_id: str | None = None) -> list[Fill]:
        account = self._account_name(account)
        client = self._client(account)
        activities = self._call(lambda: client.get("/account/activities/FILL",
                                                   {"direction": "asc", "page_size": 100}), errors.ACCOUNT) or []
        fills = []
        for a in activities:
            if order_id is not None and str(a.get("order_id")) != str(order_id):
                continue
            price = Decimal(str(a["price"]))
            fills.append(Fill(fill_id=str(a["id"]), order_id=str(a["order_id"]), account_id=account,
                              symbol=a["symbol"], side=Side(str(a["side"]).replace("sell_short", "sell")),
                              qty=_quantity(a["qty"]), price=price, fee=Decimal(0),
                              time_ns=_text_ns(a.get("transaction_time")), arrival_mid=price,
                              slippage_bps=Decimal(0)))
        return fills

    # ----- market data (with the first account's keys)
    def get_quote(self, symbol: str) -> Quote:
        from alpaca.data.requests import StockLatestQuoteRequest, StockLatestTradeRequest

        quote = self._call(lambda: self._data.get_stock_latest_quote(
            StockLatestQuoteRequest(symbol_or_symbols=symbol))[symbol], errors.MARKET_DATA)
        trade = self._call(lambda: self._data.get_stock_latest_trade(
            StockLatestTradeRequest(symbol_or_symbols=symbol))[symbol], errors.MARKET_DATA)
        return Quote(symbol=symbol, bid=_money(quote.bid_price), ask=_money(quote.ask_price),
                     bid_size=int(quote.bid_size), ask_size=int(quote.ask_size), last=_money(trade.price),
                     time_ns=_ns(quote.timestamp) or 0)

    def get_latest_trade(self, symbol: str) -> Trade:
        from alpaca.data.requests import StockLatestTradeRequest

        trade = self._call(lambda: self._data.get_stock_latest_trade(
            StockLatestTradeRequest(symbol_or_symbols=symbol))[symbol], errors.MARKET_DATA)
        return Trade(symbol=symbol, price=_money(trade.price), size=int(trade.size), time_ns=_ns(trade.timestamp) or 0)

    def get_bars(self, symbol: str, timeframe_seconds: int = 60, limit: int = 100) -> list[Bar]:
        from alpaca.data.requests import StockBarsRequest
        from alpaca.data.timeframe import TimeFrame, TimeFrameUnit

        if isinstance(timeframe_seconds, bool) or not isinstance(timeframe_seconds, int) or timeframe_seconds <= 0 \
                or timeframe_seconds % 60:
            raise InvalidArgument("timeframe_seconds", timeframe_seconds, "must be a whole number of minutes, in seconds")
        minutes = timeframe_seconds // 60
        frame = (TimeFrame(minutes // 1440, TimeFrameUnit.Day) if minutes % 1440 == 0 else
                 TimeFrame(minutes // 60, TimeFrameUnit.Hour) if minutes % 60 == 0 else
                 TimeFrame(minutes, TimeFrameUnit.Minute))
        bars = self._call(lambda: self._data.get_stock_bars(
            StockBarsRequest(symbol_or_symbols=symbol, timeframe=frame, limit=limit)), errors.MARKET_DATA)
        return [Bar(symbol=symbol, start_ns=_ns(b.timestamp) or 0, open=_money(b.open), high=_money(b.high),
                    low=_money(b.low), close=_money(b.close), volume=int(b.volume), trade_count=int(b.trade_count or 0),
                    vwap=_money(b.vwap)) for b in bars.data.get(symbol, [])]

    def get_order_book(self, symbol: str, depth: int = 5) -> OrderBook:
        """Alpaca has no order book for stocks: the top of the book, from the latest quote."""
        quote = self.get_quote(symbol)
        return OrderBook(symbol=symbol, bids=(BookLevel(quote.bid, quote.bid_size),),
                         asks=(BookLevel(quote.ask, quote.ask_size),), time_ns=quote.time_ns)

    def order_events(self, since_seq: int = 0, account: str | None = None) -> list[OrderEvent]:
        """The trade updates received since the adapter connected (``alpaca_updates``)."""
        if self._updates is None:
            return []
        wanted = None if account is None else self._account_name(account)
        events = []
        for kept in self._updates.updates_since(since_seq, wanted):
            name = _value(kept.update.event)
            event = _EVENTS.get(name)
            if event is None:
                try:
                    event = EventType(name)
                except ValueError:
                    continue
            order = self._order(kept.update.order, kept.account)
            fill = None
            if event in (EventType.FILL, EventType.PARTIAL_FILL) and kept.update.price is not None:
                price = _money(kept.update.price)
                fill = Fill(fill_id=str(kept.update.execution_id or f"{order.id}-{kept.seq}"), order_id=order.id,
                            account_id=kept.account, symbol=order.symbol, side=order.side,
                            qty=_quantity(kept.update.qty), price=price, fee=Decimal(0),
                            time_ns=_ns(kept.update.timestamp) or 0, arrival_mid=price, slippage_bps=Decimal(0))
            events.append(OrderEvent(seq=kept.seq, time_ns=_ns(kept.update.timestamp) or 0, event=event, order=order,
                                     fill=fill))
        return events


def _order_class_fields(request: OrderRequest) -> dict:
    """A bracket, OCO or OTO order's class and legs, as alpaca-py takes them (nothing for a simple order)."""
    from alpaca.trading.enums import OrderClass as AlpacaOrderClass
    from alpaca.trading.requests import StopLossRequest, TakeProfitRequest

    order_class = getattr(request, "order_class", None)
    name = getattr(order_class, "value", order_class)
    if not name or name == "simple":
        return {}
    out: dict = {"order_class": AlpacaOrderClass(name)}
    if request.take_profit is not None:
        out["take_profit"] = TakeProfitRequest(limit_price=_float(request.take_profit))
    if request.stop_loss is not None:
        out["stop_loss"] = StopLossRequest(stop_price=_float(request.stop_loss),
                                           limit_price=_float(request.stop_loss_limit))
    return out


def _whole(qty: Any) -> int:
    """alpaca-py's replace takes whole shares only."""
    amount = Decimal(str(qty))
    if amount != amount.to_integral_value():
        raise ValueError(f"qty={qty}: a replace takes whole shares")
    return int(amount)


def _order_id(order_id: str) -> str:
    """Alpaca's order ids are UUIDs; anything else cannot be one of its orders."""
    try:
        return str(uuid.UUID(str(order_id)))
    except ValueError:
        from ..errors import OrderNotFound

        raise OrderNotFound(f"order {order_id!r} not found: Alpaca's order ids are UUIDs",
                            order_id=order_id) from None


def _stream_url(base_url: str) -> str:
    parsed = urlparse(base_url)
    scheme = "wss" if parsed.scheme == "https" else "ws"
    return f"{scheme}://{parsed.netloc}/stream"


def _with_timeout(client, timeout: float):
    """alpaca-py's clients wait for an answer forever: give every request a timeout (its session is ``requests``)."""
    session = getattr(client, "_session", None)
    if session is not None:
        request = session.request

        def request_with_timeout(method, url, **kwargs):
            kwargs.setdefault("timeout", timeout)
            return request(method, url, **kwargs)

        session.request = request_with_timeout
    return client


# ----- factories ----------------------------------------------------------------------------------------------------

def connect() -> AlpacaBroker:
    """The factory for ``-D target=``: Alpaca (or any Alpaca-compatible broker) when ``APCA_API_KEY_ID`` is set,
    else a stand-in: mockbroker's own service, started here on the real-time clock."""
    if os.environ.get(ENV_KEY):
        return from_environment(os.environ)
    return stand_in()


def from_environment(env: dict | os._Environ) -> AlpacaBroker:
    """The adapter for the broker the ``APCA_*`` variables name (see the module docstring)."""
    key, secret = env.get(ENV_KEY), env.get(ENV_SECRET)
    if not key or not secret:
        raise InvalidArgument(ENV_SECRET, None, f"{ENV_KEY} is set, so {ENV_SECRET} must be too")
    base_url = env.get(ENV_BASE_URL) or PAPER_URL
    if urlparse(base_url).hostname in LIVE_HOSTS:
        raise InvalidArgument(ENV_BASE_URL, base_url, "is Alpaca's live endpoint: the conformance profile places "
                                                      f"orders, so it runs on paper accounts only ({PAPER_URL})")
    credentials = {ACCOUNTS[0]: (key, secret)}
    if env.get(f"{ENV_KEY}_2") and env.get(f"{ENV_SECRET}_2"):
        credentials[ACCOUNTS[1]] = (env[f"{ENV_KEY}_2"], env[f"{ENV_SECRET}_2"])
    return AlpacaBroker(credentials, base_url, data_url=env.get(ENV_DATA_URL) or DATA_URL,
                        stream_url=env.get(ENV_STREAM_URL) or None,
                        symbols=(env.get(ENV_SYMBOL) or DEFAULT_SYMBOL,),
                        allow_fills=env.get(ENV_FILLS, "0").strip().lower() in ("1", "yes", "true"))


def stand_in(seed: int | None = None, adapter: type[AlpacaBroker] = AlpacaBroker) -> AlpacaBroker:
    """The adapter pointed at mockbroker's own service, started here (real-time clock, 127.0.0.1, a free port) with
    two accounts; their keys come from the service's configure answer. The service stops when the adapter closes.
    ``adapter`` lets a test build a subclass (a deliberately broken adapter) the same way."""
    from ..client import HttpBroker
    from ..config import AccountConfig, BrokerConfig, SymbolConfig
    from ..harness import ServiceProcess

    seed = int(os.environ.get("MOCKBROKER_SEED", 2109)) if seed is None else seed
    service = ServiceProcess(clock="realtime").start()
    try:
        with HttpBroker(service.base_url) as control:
            answer = control.configure(BrokerConfig(
                symbols=(SymbolConfig(symbol=STAND_IN_SYMBOL, price=Decimal("50.00")),),
                accounts=tuple(AccountConfig(id=name) for name in ACCOUNTS), seed=seed))
        keys = {a["id"]: (a["api_key_id"], a["api_secret_key"]) for a in answer["accounts"]}
        credentials = {name: keys[name] for name in ACCOUNTS}
        return adapter(credentials, service.base_url, data_url=service.base_url,
                       stream_url=service.base_url.replace("http://", "ws://") + "/stream",
                       symbols=(STAND_IN_SYMBOL,), allow_fills=True, on_close=service.stop)
    except BaseException:
        service.stop()
        raise
