"""``MockBroker``: the in-process mock broker, wiring clock, seeds, market, execution and ledger.

It implements both ``Broker`` and ``SimulationControl`` (see ``mockbroker.interface``). Rules:
- ``configure`` rebuilds everything from a ``BrokerConfig``: one clock, one seed bank, fresh accounts; the
  scenario's preset and its opening events are applied. ``reset`` does it again with the same configuration.
- Validation happens before anything changes; bad input raises a typed error and leaves no trace.
- Order and fill ids come from counters, shaped as UUIDs (``<seed-hash>-0000-4000-8000-<counter>``), so the same
  seed and inputs give the same ids and the same event log, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from .accounts import Ledger
from .clock import NS_PER_SECOND, VirtualClock, iso
from .config import AccountConfig, BrokerConfig, ExecutionConfig, MarketConfig, SymbolConfig
from .domain import (SIDE, STATUS, TYPE, Account, Bar, EventType, Fill, MarketState, Order, OrderBook, OrderEvent,
                     OrderRequest, OrderType, Position, Quote, Side, TimeInForce, Trade)
from .errors import (AlreadyExists, BrokerError, DuplicateClientOrderId, InsufficientFunds, InvalidArgument,
                     InvalidOrder, MarketClosed, OrderNotCancelable, OrderNotFound, PermissionDenied, PositionNotFound,
                     RejectReason, TradingHalted, UnknownAccount, UnknownSymbol)
from .execution.engine import PRICE_PLACES, ExecutionEngine, WorkingOrder
from .interface import DEFAULT_ACCOUNT
from .market import session
from .market.models import MODELS
from .market.simulator import MarketSimulator
from .presets import apply_scenario
from .seeds import SeedBank, derive_seed
from .faults import FaultInjector
from .streams import Channels, MarketFeed, Subscription
from . import state as state_
from .gcpause import collector_paused

MAX_QTY = 10_000_000
ZERO, ONE = Decimal(0), Decimal(1)
_NEEDS_LIMIT = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})
_NEEDS_STOP = frozenset({OrderType.STOP, OrderType.STOP_LIMIT})
_TAKES_NO_STOP = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.TRAILING_STOP})  # a trail sets its own
EVENT_WIDTH = 11  # entries an event takes in MockBroker._pending_events
MAX_PRICE = Decimal("1000000")


def _uuid(prefix: int, kind: int, counter: int) -> str:
    return f"{prefix:08x}-{kind:04x}-4000-8000-{counter:012x}"


def _api_keys(seed: int, account_id: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"{seed}|{account_id}|keys".encode()).hexdigest().upper()
    return "PK" + digest[:18], digest[18:58].lower()


class LiveMarks:
    """The current mid of a symbol, looked up only when asked (buying power needs the marks of shorts only)."""

    def __init__(self, engine: ExecutionEngine, markets: dict) -> None:
        self.engine = engine
        self.markets = markets

    def get(self, symbol: str, default: Decimal | None = None) -> Decimal | None:
        market = self.markets.get(symbol)
        return default if market is None else self.engine.mid(market)


class MockBroker:
    """The mock broker, in process. ``MockBroker()`` gives a default market (ACME at $50) and one account."""

    def __init__(self, config: BrokerConfig | None = None) -> None:
        self.configure(config or BrokerConfig())

    # --- construction ---------------------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict | None) -> "MockBroker":
        return cls(BrokerConfig.from_dict(data))

    @classmethod
    def from_scenario(cls, spec) -> "MockBroker":
        """A broker set up with a ``scenarios.ScenarioSpec`` (``scenario(...).build()``, a scenario file), its events
        started (timed ones scheduled)."""
        broker = cls(spec.config)
        for event in spec.events:
            broker.inject(dict(event))
        return broker

    @staticmethod
    def builder() -> "MockBrokerBuilder":
        return MockBrokerBuilder()

    def configure(self, config: BrokerConfig) -> dict:
        accounts = tuple(self._with_keys(config.seed, a) for a in config.accounts)
        config = replace(config, accounts=accounts)
        effective, opening_events = apply_scenario(config, set(MODELS))
        self.config = config
        self.effective_config = effective
        self.seeds = SeedBank(config.seed)
        self.clock = VirtualClock()
        self.market = MarketSimulator(self.clock, effective.market, effective.symbols, self.seeds)
        self.ledger = Ledger()
        self._event_log: list[OrderEvent] = []
        self._pending_events: list = []  # flat, EVENT_WIDTH entries an event (see _emit)
        self._id_prefix = derive_seed(config.seed, "ids") & 0xFFFFFFFF
        self._order_counter = 0
        self._order_id_prefix = _uuid(self._id_prefix, 0, 0)[:-12]
        self.engine = ExecutionEngine(self.clock, self.market, self.ledger, effective.execution,
                                      self.seeds.generator("execution/latency"), self.seeds.generator("execution/venue"),
                                      self._emit, self._fill_id)
        self._live_marks = LiveMarks(self.engine, self.market.symbols)
        self.injected: list[dict] = []
        # faults and streams (mockbroker.faults, mockbroker.streams): a fresh start on every configure/reset
        self.faults = FaultInjector(self.seeds.generator("faults"))
        self.feed = MarketFeed(self.market, self.clock)
        for account in accounts:
            self.ledger.open(account, self._starting_prices())
        for event in opening_events:
            self.inject(event)
        self._schedule_close()
        return self.configuration_summary()

    @staticmethod
    def _with_keys(seed: int, account: AccountConfig) -> AccountConfig:
        if account.api_key_id and account.api_secret_key:
            return account
        key, secret = _api_keys(seed, account.id)
        return replace(account, api_key_id=account.api_key_id or key, api_secret_key=account.api_secret_key or secret)

    def configuration_summary(self) -> dict:
        return {
            "seed": self.config.seed,
            "scenario": self.config.scenario,
            "symbols": sorted(self.market.symbols),
            "accounts": [{"id": a.id, "cash": str(a.cash), "api_key_id": a.api_key_id,
                          "api_secret_key": a.api_secret_key} for a in self.config.accounts],
            "clock": iso(self.clock.now_ns()),
        }

    def _starting_prices(self) -> dict[str, Decimal]:
        return {s.symbol: s.price for s in self.effective_config.symbols}

    def reset(self) -> None:
        self.configure(self.config)

    def open_account(self, account: AccountConfig) -> dict:
        if account.id in self.ledger.accounts:
            raise AlreadyExists("account.id", account.id, "an account with this id already exists")
        for opening in account.positions:
            self.market[opening["symbol"]]  # an unknown symbol is refused before anything changes
        account = self._with_keys(self.config.seed, account)
        self.config = replace(self.config, accounts=self.config.accounts + (account,))
        self.ledger.open(account, self._starting_prices())
        return {"id": account.id, "cash": str(account.cash), "api_key_id": account.api_key_id,
                "api_secret_key": account.api_secret_key}

    @property
    def seed(self) -> int:
        return self.config.seed

    # --- time -----------------------------------------------------------------------------------------------------
    def now_ns(self) -> int:
        return self.clock.now_ns()

    def advance(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 366 * 86_400:
            raise InvalidArgument("seconds", seconds, "must be a number of seconds from 0 to a year")
        self.clock.advance(int(round(seconds * NS_PER_SECOND)))

    def settle_order(self, order_id: str, account: str = DEFAULT_ACCOUNT, max_seconds: float = 5.0) -> Order:
        """Let simulated time pass until the venue has processed every command sent about this order."""
        order = self._working(order_id, account)
        deadline = self.clock.now_ns() + int(max_seconds * NS_PER_SECOND)
        while order.in_flight and self.clock.now_ns() < deadline:
            # At least one nanosecond a round, so a stale due time can never stall the loop.
            due = max(min(order.last_command_ns, deadline), self.clock.now_ns() + 1)
            self.clock.run_until(due)
        return order.snapshot()

    def _schedule_close(self) -> None:
        self.clock.schedule_at(session.next_close(self.clock.now_ns() + 1), self._at_close, "session close")

    def _at_close(self) -> None:
        self.engine.expire_day_orders()
        self._schedule_close()

    # --- events ---------------------------------------------------------------------------------------------------
    def _emit(self, event: EventType, order: WorkingOrder, fill: int | None, reason: str | None) -> None:
        # The hot path appends what changes to one flat list (no object per event for the garbage collector to
        # walk); the OrderEvent, with its Order snapshot, is built when the log is read.
        self._pending_events += (self.clock._now_ns, event, order, fill, reason, order.status, order.filled_qty,
                                 order.filled_notional, order.updated_ns, order.stop_price, order.fees)

    @property
    def events(self) -> list[OrderEvent]:
        """The event log, oldest first (``seq`` from 1, gap-free)."""
        pending = self._pending_events
        if pending:
            with collector_paused():  # tens of thousands of long-lived objects at once: see mockbroker.gcpause
                self._build_events(pending, self._event_log)
            pending.clear()
        return self._event_log

    def _build_events(self, pending: list, log: list[OrderEvent]) -> None:
        fill_at = self.engine.fill
        new = OrderEvent.__new__  # frozen dataclass: setting its __dict__ is much faster than __init__
        set_dict = object.__setattr__
        for i in range(0, len(pending), EVENT_WIDTH):
            time_ns, event, order, fill, reason = pending[i:i + 5]
            entry = new(OrderEvent)
            set_dict(entry, "__dict__", {
                "seq": len(log) + 1, "time_ns": time_ns, "event": event,
                "order": order.snapshot(pending[i + 5:i + EVENT_WIDTH]),
                "fill": None if fill is None else fill_at(fill), "reason": reason})
            log.append(entry)

    def order_events(self, since_seq: int = 0, account: str | None = None) -> list[OrderEvent]:
        if account is not None:
            self.ledger[account]
        return [e for e in self.events[since_seq:] if account is None or e.order.account_id == account]

    def event_log_json(self) -> str:
        """The whole event log as canonical JSON: identical for the same seed and inputs."""
        return json.dumps([e.to_dict() for e in self.events], sort_keys=True, separators=(",", ":"))

    def inject(self, event: dict) -> dict:
        """Apply a market event now, or ``at_seconds`` from now when the event says so (scenario files do)."""
        if not isinstance(event, dict):
            raise InvalidArgument("event", event, "must be an object with a 'type'")
        if event.get("type") in ("fault", "clear_faults", "stream_limits"):
            return self._inject_fault(event)
        at = event.get("at_seconds")
        if at:
            from .market.events import parse_event

            parse_event(event, default_symbol=next(iter(self.market.symbols)))  # refuse bad events now, not later
            later = {k: v for k, v in event.items() if k != "at_seconds"}
            due = self.clock.now_ns() + int(round(float(at) * NS_PER_SECOND))
            self.clock.schedule_at(due, self._inject_scheduled, f"market event {event.get('type')}", (later,))
            self.injected.append(dict(event))
            return {"applied": {**later, "scheduled": True}, "time": iso(due)}
        applied = self.market.inject(event)
        self.injected.append(dict(event))
        self._corporate_action(applied)
        return {"applied": applied.to_dict(), "time": iso(self.clock.now_ns())}

    def _inject_fault(self, event: dict) -> dict:
        """``{"type": "fault", ...}`` adds a fault rule (see ``mockbroker.faults``); ``{"type": "clear_faults"}``
        removes one by ``name`` or all; ``{"type": "stream_limits", "max_symbols", "max_connections"}`` sets the
        stream limits."""
        kind = event["type"]
        if kind == "fault":
            applied = self.faults.add({k: v for k, v in event.items() if k != "type"}, self.clock.now_ns())
        elif kind == "clear_faults":
            applied = {"removed": self.faults.remove(event.get("name"))}
        else:
            applied = self.faults.set_stream_limits(event)
        self.injected.append(dict(event))
        return {"applied": {"type": kind, **applied}, "time": iso(self.clock.now_ns())}

    def _fault(self, operation: str, account: str | None = None, **context: Any) -> None:
        """Raise the injected error for this call when a fault rule says so (cheap when there are no rules)."""
        if self.faults:
            self.faults.check(operation, self.clock.now_ns(), account, **context)

    def fault_rules(self) -> list[dict]:
        """Every fault rule with how often it matched and fired."""
        return self.faults.listing()

    def open_stream(self, stream: str, account: str = DEFAULT_ACCOUNT, *, quotes=(), trades=(), bars=(),
                    statuses=()) -> Subscription:
        """Subscribe to ``trade_updates`` (this account's order updates) or ``market_data`` (symbols per
        channel, "*" for all). Returns a ``Subscription``: its ``messages()`` are what a stream client received."""
        if stream not in ("trade_updates", "market_data"):
            raise InvalidArgument("stream", stream, "must be trade_updates or market_data")
        self.ledger[account]
        channels = Channels(tuple(quotes), tuple(trades), tuple(bars), tuple(statuses))
        self._fault(f"{stream}_stream", account)  # an auth_failure rule on the stream refuses it
        limits = self.faults
        if stream == "market_data" and limits.max_symbols is not None and channels.symbol_count() > limits.max_symbols:
            raise PermissionDenied(f"symbol limit exceeded: {channels.symbol_count()} symbols, at most "
                                   f"{limits.max_symbols} per connection", stream_code=405)
        key = (stream, account)
        if limits.max_connections is not None and limits.open_streams.get(key, 0) >= limits.max_connections:
            raise PermissionDenied(f"connection limit exceeded: at most {limits.max_connections} {stream} "
                                   f"connection(s) per account", stream_code=406)
        limits.open_streams[key] = limits.open_streams.get(key, 0) + 1
        return Subscription(self, stream, account, channels)

    def _inject_scheduled(self, event: dict) -> None:
        self._corporate_action(self.market.inject(event))

    def _corporate_action(self, event) -> None:
        """A split or a dividend adjusts every account's position in the symbol (see ``Ledger.apply_split``)."""
        from .market.events import Dividend, Split

        if not isinstance(event, (Split, Dividend)):
            return
        for symbol in [event.symbol] if event.symbol else sorted(self.market.symbols):
            if isinstance(event, Split):  # (the engine has canceled the symbol's open orders just before)
                self.ledger.apply_split(symbol, Decimal(repr(event.ratio)), self.market[symbol].mid_decimal())
            else:
                self.ledger.pay_dividend(symbol, Decimal(repr(event.amount)))

    def load_scenario(self, source: "str | dict") -> dict:
        """Configure from a scenario file (YAML or JSON path) or its parsed content, and start its events."""
        from .scenarios import load_scenario_file, parse_scenario

        spec = load_scenario_file(source) if isinstance(source, str) else parse_scenario(source)
        summary = self.configure(spec.config)
        for event in spec.events:
            self.inject(dict(event))
        return summary

    # --- validation -----------------------------------------------------------------------------------------------
    def _price(self, name: str, value: Any, symbol_tick: Decimal) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, bool):
            raise InvalidOrder(f"{name}={value!r}: a price must be a number", reason=RejectReason.INVALID_PRICE)
        try:
            price = value if value.__class__ is Decimal else Decimal(str(value))
        except InvalidOperation:
            raise InvalidOrder(f"{name}={value!r}: a price must be a number", reason=RejectReason.INVALID_PRICE) from None
        if not price.is_finite() or price <= 0 or price > MAX_PRICE:
            raise InvalidOrder(f"{name}={value!r}: a price must be above 0 and at most {MAX_PRICE}",
                               reason=RejectReason.INVALID_PRICE)
        if price % symbol_tick != 0:
            raise InvalidOrder(f"{name}={value}: not on the tick size {symbol_tick}", reason=RejectReason.PRICE_NOT_ON_TICK)
        return price

    def _validate(self, request: OrderRequest, account: str) -> OrderRequest:
        if not isinstance(request, OrderRequest):
            raise InvalidArgument("request", request, "must be an OrderRequest")
        if account not in self.ledger.accounts:
            raise UnknownAccount(f"account {account!r} does not exist", reason=RejectReason.UNKNOWN_ACCOUNT,
                                 account=account)
        if request.symbol not in self.market.symbols:
            raise UnknownSymbol(f"symbol {request.symbol!r} is not traded here (symbols: "
                                f"{', '.join(sorted(self.market.symbols))})", reason=RejectReason.UNKNOWN_SYMBOL,
                                symbol=request.symbol)
        qty = request.qty
        if isinstance(qty, bool) or not isinstance(qty, int) or not 0 < qty <= MAX_QTY:
            raise InvalidOrder(f"qty={qty!r}: must be a whole number of shares from 1 to {MAX_QTY:,}",
                               reason=RejectReason.INVALID_QUANTITY)
        try:
            side, kind, tif = request.side, request.type, request.time_in_force
            if side.__class__ is not Side or kind.__class__ is not OrderType or tif.__class__ is not TimeInForce:
                side, kind, tif = Side(side), OrderType(kind), TimeInForce(tif)
        except ValueError as error:
            raise InvalidOrder(str(error), reason=RejectReason.INVALID_ORDER_TYPE) from None
        tick = self.market.symbols[request.symbol].tick
        limit = request.limit_price
        if limit is not None:
            limit = self._price("limit_price", limit, tick)
        stop = request.stop_price
        if stop is not None:
            stop = self._price("stop_price", stop, tick)
        if kind in _NEEDS_LIMIT and limit is None:
            raise InvalidOrder(f"a {kind.value} order needs a limit price", reason=RejectReason.MISSING_PRICE)
        if kind in _NEEDS_STOP and stop is None:
            raise InvalidOrder(f"a {kind.value} order needs a stop price", reason=RejectReason.MISSING_PRICE)
        if limit is not None and kind not in _NEEDS_LIMIT:
            raise InvalidOrder(f"a {kind.value} order takes no limit price", reason=RejectReason.INVALID_PRICE)
        if stop is not None and kind in _TAKES_NO_STOP:
            raise InvalidOrder(f"a {kind.value} order takes no stop price", reason=RejectReason.INVALID_PRICE)
        trail_price = trail_percent = None
        if kind is not TYPE.TRAILING_STOP and (request.trail_price is not None or request.trail_percent is not None):
            raise InvalidOrder(f"a {kind.value} order takes no trail_price or trail_percent",
                               reason=RejectReason.INVALID_PRICE)
        if kind is TYPE.TRAILING_STOP:
            if (request.trail_price is None) == (request.trail_percent is None):
                raise InvalidOrder("a trailing stop needs exactly one of trail_price and trail_percent",
                                   reason=RejectReason.MISSING_PRICE)
            trail_price = self._price("trail_price", request.trail_price, tick)
            if request.trail_percent is not None:
                trail_percent = self._price("trail_percent", request.trail_percent, Decimal("0.0001"))
                if trail_percent >= 100:
                    raise InvalidOrder(f"trail_percent={trail_percent}: must be below 100",
                                       reason=RejectReason.INVALID_PRICE)
        if request.client_order_id is not None:
            if not isinstance(request.client_order_id, str) or not 0 < len(request.client_order_id) <= 128:
                raise InvalidArgument("client_order_id", request.client_order_id, "must be 1-128 characters")
            if (account, request.client_order_id) in self.engine.client_ids:
                raise DuplicateClientOrderId(f"client_order_id {request.client_order_id!r} is already used")
        r = request
        if (side is r.side and kind is r.type and tif is r.time_in_force and limit is r.limit_price
                and stop is r.stop_price and trail_price is r.trail_price and trail_percent is r.trail_percent):
            return request  # already in canonical form (the common case in-process): no copy
        return replace(request, side=side, type=kind, time_in_force=tif, limit_price=limit, stop_price=stop,
                       trail_price=trail_price, trail_percent=trail_percent)

    def _marks(self) -> dict[str, Decimal]:
        return {s: self.engine.mid(m) for s, m in self.market.symbols.items()}


    def _reservation(self, request: OrderRequest, account: str, replacing: WorkingOrder | None = None) -> Decimal:
        """Cash an order ties up while it works: a buy's estimated cost, or the value a short sale borrows.
        What closes a position needs none: selling shares held, or buying back a short (only the shares a buy adds
        beyond the short are reserved), so a position can always be closed, even with buying power below zero.
        ``replacing``: the order this one replaces, whose open sell no longer counts against the shares held."""
        market = self.market.symbols[request.symbol]  # validated
        engine = self.engine
        if request.side is SIDE.BUY:
            position = self.ledger.accounts[account].positions.get(request.symbol)
            opening = request.qty + position.qty if position is not None and position.qty < 0 else request.qty
            if opening <= 0:
                return ZERO  # buying back (part of) a short
            if request.type is TYPE.LIMIT:
                reference = request.limit_price
            else:  # what taking this many shares would cost now: the book's levels, at least the impact law
                reference = engine.estimate_buy_price(market, request.qty)
                for price in (request.limit_price, request.stop_price):
                    if price is not None and price > reference:
                        reference = price
            if engine.slippage:
                reference *= ONE + engine.slippage
            # at least what the fill will book: its price is rounded to PRICE_PLACES (so round up here), and its fee
            # is the formula but never below the per-order minimum (reserving less let an all-in buy overdraw cash)
            cost = reference.quantize(PRICE_PLACES, rounding=ROUND_CEILING) * opening
            fees = engine.config.fees
            if fees.per_share or fees.bps or fees.min_per_order:
                cost += max(fees.fee_for(request.qty, cost), fees.min_per_order)
            return cost
        acct = self.ledger.accounts[account]  # validated
        position = acct.positions.get(request.symbol)
        held = position.qty if position is not None else 0
        pending_sells = engine.open_sells.get((account, request.symbol), 0)
        if replacing is not None and replacing.side is SIDE.SELL:
            pending_sells -= replacing.remaining
        free = held - pending_sells  # shares held that no open sell already counts on
        short_qty = request.qty - free if free > 0 else request.qty
        if short_qty > 0:
            symbol_cfg = market.config
            if not acct.shorting_enabled or not symbol_cfg.shortable:
                raise InvalidOrder(
                    f"selling {request.qty} {request.symbol} would go short by {short_qty} shares, and short selling "
                    f"is not allowed for {'account ' + account if not acct.shorting_enabled else request.symbol}",
                    reason=RejectReason.SHORT_SALE_NOT_ALLOWED, held=held)
            return (request.limit_price or engine.touch(market)[0]) * short_qty
        return ZERO

    # --- orders ---------------------------------------------------------------------------------------------------
    def submit_order(self, request: OrderRequest, account: str = DEFAULT_ACCOUNT) -> Order:
        if self.faults:
            self._fault("submit_order", account, symbol=getattr(request, "symbol", None),
                        side=getattr(getattr(request, "side", None), "value", getattr(request, "side", None)))
        request = self._validate(request, account)
        market = self.market.symbols[request.symbol]
        if market.halted:
            raise TradingHalted(f"trading in {request.symbol} is halted", symbol=request.symbol)
        if request.type is TYPE.MARKET and not self.engine.session_open():
            raise MarketClosed(f"the market is closed (regular session 09:30-16:00 New York, Monday to Friday): a "
                               f"market order for {request.symbol} cannot be filled now; send a limit order, which "
                               f"waits for the open", symbol=request.symbol)
        reserve = self._reservation(request, account)
        buying_power = self.ledger.buying_power(account, self._live_marks)
        if reserve > buying_power and reserve > ZERO:  # selling shares held needs none, even when it is below zero
            raise InsufficientFunds(
                f"the order needs about ${reserve:,.2f} of buying power; account {account!r} has ${buying_power:,.2f}",
                needed=str(reserve.quantize(Decimal('0.01'))), available=str(buying_power.quantize(Decimal('0.01'))))
        order = self._new_order(request, account)
        self.ledger.reserve(account, order.id, reserve)
        self.engine.accept(order)
        return order.snapshot()

    def _new_order(self, request: OrderRequest, account: str, replaces: str | None = None) -> WorkingOrder:
        self._order_counter += 1
        order_id = "%s%012x" % (self._order_id_prefix, self._order_counter)  # faster than an f-string here
        now = self.clock._now_ns
        order = WorkingOrder(order_id, request.client_order_id or order_id, account, request, STATUS.ACCEPTED, now,
                             self.engine.mid(self.market.symbols[request.symbol]), request.limit_price,
                             request.stop_price, request.qty, request.time_in_force, now)  # positional: faster
        if replaces is not None:
            order.replaces = replaces
        return order

    def _fill_id(self, number: int) -> str:
        return _uuid(self._id_prefix, 1, number)

    def _working(self, order_id: str, account: str) -> WorkingOrder:
        self.ledger[account]
        order = self.engine.orders.get(order_id) if isinstance(order_id, str) else None
        if order is None or order.account_id != account:
            raise OrderNotFound(f"order {order_id!r} not found for account {account!r}", order_id=order_id)
        return order

    def get_order(self, order_id: str, account: str = DEFAULT_ACCOUNT) -> Order:
        self._fault("get_order", account)
        return self._working(order_id, account).snapshot()

    def get_order_by_client_id(self, client_order_id: str, account: str = DEFAULT_ACCOUNT) -> Order:
        self._fault("get_order_by_client_id", account)
        self.ledger[account]
        if isinstance(client_order_id, str):
            # a client id the trader chose is indexed; any other order's client id is its own id
            order = self.engine.orders.get(self.engine.client_ids.get((account, client_order_id), client_order_id))
            if order is not None and order.account_id == account and order.client_order_id == client_order_id:
                return order.snapshot()
        raise OrderNotFound(f"no order with client_order_id {client_order_id!r} for account {account!r}",
                            client_order_id=client_order_id)

    def list_orders(self, account: str = DEFAULT_ACCOUNT, status: str = "open") -> list[Order]:
        self._fault("list_orders", account)
        self.ledger[account]
        if status not in ("open", "closed", "all"):
            raise InvalidArgument("status", status, "must be open, closed or all")
        if status == "open":
            orders = self.engine.open_orders_of.get(account, {}).values()
        else:
            orders = self.engine.orders_of.get(account, {}).values()
            if status == "closed":
                orders = [o for o in orders if o.status.is_terminal]
        return [o.snapshot() for o in orders]

    def cancel_order(self, order_id: str, account: str = DEFAULT_ACCOUNT) -> Order:
        self._fault("cancel_order", account)
        order = self._working(order_id, account)
        if order.status.is_terminal:
            raise OrderNotCancelable(f"order {order_id} is already {order.status.value}",
                                     reason=RejectReason.ORDER_NOT_OPEN, status=order.status.value)
        if order.status.value in ("pending_cancel", "pending_replace"):
            raise OrderNotCancelable(f"order {order_id} is {order.status.value}", reason=RejectReason.ORDER_NOT_OPEN,
                                     status=order.status.value)
        self.engine.request_cancel(order)
        return order.snapshot()

    def cancel_all_orders(self, account: str = DEFAULT_ACCOUNT) -> list[Order]:
        self._fault("cancel_all_orders", account)
        self.ledger[account]
        canceled = []
        for order in list(self.engine.orders.values()):
            if order.account_id == account and order.status.value in ("accepted", "new", "partially_filled"):
                self.engine.request_cancel(order)
                canceled.append(order.snapshot())
        return canceled

    def replace_order(self, order_id: str, account: str = DEFAULT_ACCOUNT, *, qty: int | None = None,
                      limit_price: Any = None, stop_price: Any = None, time_in_force: Any = None) -> Order:
        self._fault("replace_order", account)
        old = self._working(order_id, account)
        if old.status.value not in ("accepted", "new", "partially_filled"):
            raise OrderNotCancelable(f"order {order_id} is {old.status.value} and cannot be replaced",
                                     reason=RejectReason.ORDER_NOT_OPEN, status=old.status.value)
        r = old.request
        request = replace(r, qty=old.remaining if qty is None else qty,
                          limit_price=r.limit_price if limit_price is None else limit_price,
                          stop_price=r.stop_price if stop_price is None else stop_price,
                          time_in_force=r.time_in_force if time_in_force is None else time_in_force,
                          client_order_id=None)
        request = self._validate(request, account)
        reserve = self._reservation(request, account, replacing=old)
        available = (self.ledger.buying_power(account, self._live_marks)
                     + self.ledger[account].reserved.get(old.id, Decimal(0)))
        if reserve > available and reserve > ZERO:
            raise InsufficientFunds(
                f"the replacement needs about ${reserve:,.2f} of buying power; account {account!r} has "
                f"${available:,.2f} with what the old order had reserved",
                needed=str(reserve.quantize(Decimal('0.01'))), available=str(available.quantize(Decimal('0.01'))))
        new = self._new_order(request, account, replaces=old.id)
        self.ledger.reserve(account, new.id, reserve)
        self.ledger.release(account, old.id)
        self.engine.request_replace(old, new)
        return new.snapshot()

    def list_fills(self, account: str = DEFAULT_ACCOUNT, order_id: str | None = None) -> list[Fill]:
        self._fault("list_fills", account)
        self.ledger[account]
        if order_id is not None:
            return self.engine.fills_of(self._working(order_id, account))
        return [f for f in self.engine.fills if f.account_id == account]

    # --- accounts and positions -------------------------------------------------------------------------------------
    def get_account(self, account: str = DEFAULT_ACCOUNT) -> Account:
        self._fault("get_account", account)
        return self.ledger.account_view(account, self._marks())

    def list_positions(self, account: str = DEFAULT_ACCOUNT) -> list[Position]:
        self._fault("list_positions", account)
        marks = self._marks()
        views = [self.ledger.position_view(account, s, marks[s]) for s in sorted(self.ledger[account].positions)]
        return [v for v in views if v is not None]

    def get_position(self, symbol: str, account: str = DEFAULT_ACCOUNT) -> Position:
        self._fault("get_position", account, symbol=symbol)
        self.market[symbol]
        view = self.ledger.position_view(account, symbol, self._marks()[symbol])
        if view is None:
            raise PositionNotFound(f"account {account!r} holds no {symbol}", symbol=symbol)
        return view

    def close_position(self, symbol: str, account: str = DEFAULT_ACCOUNT) -> Order:
        self._fault("close_position", account, symbol=symbol)
        position = self.get_position(symbol, account)
        side = Side.SELL if position.qty > 0 else Side.BUY
        return self.submit_order(OrderRequest(symbol, abs(position.qty), side), account)

    # --- market data ----------------------------------------------------------------------------------------------
    def get_quote(self, symbol: str) -> Quote:
        self._fault("get_quote", None, symbol=symbol)
        return self.market[symbol].quote(self.clock.now_ns())

    def get_latest_trade(self, symbol: str) -> Trade:
        self._fault("get_latest_trade", None, symbol=symbol)
        return self.market[symbol].last_trade

    def get_bars(self, symbol: str, timeframe_seconds: int = 60, limit: int = 100) -> list[Bar]:
        self._fault("get_bars", None, symbol=symbol)
        if isinstance(timeframe_seconds, bool) or not isinstance(timeframe_seconds, int) \
                or timeframe_seconds <= 0 or timeframe_seconds % 60:
            raise InvalidArgument("timeframe_seconds", timeframe_seconds, "must be a whole number of minutes, in seconds")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
            raise InvalidArgument("limit", limit, "must be from 1 to 10,000")
        bars = self.market[symbol].all_bars()
        if timeframe_seconds != 60:
            bars = _aggregate(bars, timeframe_seconds)
        return bars[-limit:]

    def get_order_book(self, symbol: str, depth: int = 5) -> OrderBook:
        self._fault("get_order_book", None, symbol=symbol)
        if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= 50:
            raise InvalidArgument("depth", depth, "must be from 1 to 50 levels")
        market = self.market[symbol]
        return OrderBook(symbol, tuple(market.levels(Side.BUY)[:depth]), tuple(market.levels(Side.SELL)[:depth]),
                         self.clock.now_ns())

    def market_state(self, symbol: str) -> MarketState:
        return self.market[symbol].state()

    # --- state ----------------------------------------------------------------------------------------------------
    def state(self) -> dict:
        return {
            "clock": iso(self.clock.now_ns()),
            "seed": self.seed,
            "scenario": self.config.scenario,
            "config": self.config.to_dict(),
            "accounts": {a: self.ledger.account_view(a, self._marks()).to_dict() for a in sorted(self.ledger.accounts)},
            "orders": {"total": len(self.engine.orders),
                       "open": sum(1 for o in self.engine.orders.values() if not o.status.is_terminal)},
            "fills": self.engine.fill_count,
            "events": len(self.events),
            "market": {s: self.market_state(s).to_dict() for s in sorted(self.market.symbols)},
            "injected": list(self.injected),
        }

    def reconciles(self) -> bool:
        return all(self.ledger.reconciles(a) for a in self.ledger.accounts)

    # --- snapshots and time travel (the work is in mockbroker.state) -------------------------------------------------
    def snapshot(self, name: str) -> "state_.SnapshotInfo":
        """Save the complete state under ``name`` (saving a name again replaces it)."""
        return state_.take(self, name)

    def restore(self, name: str) -> "state_.SnapshotInfo":
        """Jump to a saved state; the future from there is exactly the one the original had."""
        return state_.restore(self, name)

    def list_snapshots(self) -> list:
        return state_.listing(self)

    def delete_snapshot(self, name: str) -> None:
        state_.delete(self, name)

    def diff_snapshots(self, before: str, after: str | None = None) -> "state_.StateDiff":
        """What changed from snapshot ``before`` to ``after`` (None: to now), in a tester's words."""
        return state_.diff_named(self, before, after)

    def rewind(self, to_ns: int) -> "state_.SnapshotInfo":
        """Step the clock back to ``to_ns`` (from the latest snapshot at or before it, run forward)."""
        return state_.rewind(self, to_ns)


def _aggregate(bars: list[Bar], seconds: int) -> list[Bar]:
    width = seconds * NS_PER_SECOND
    out: list[Bar] = []
    for bar in bars:
        start = bar.start_ns - bar.start_ns % width
        if out and out[-1].start_ns == start:
            last = out[-1]
            out[-1] = replace(last, high=max(last.high, bar.high), low=min(last.low, bar.low), close=bar.close,
                              volume=last.volume + bar.volume, trade_count=last.trade_count + bar.trade_count,
                              vwap=None)
        else:
            out.append(replace(bar, start_ns=start, vwap=None))
    return out


class MockBrokerBuilder:
    """Fluent set-up: ``MockBroker.builder().symbols("ACME").seed(7).scenario("flash_crash").build()``."""

    def __init__(self) -> None:
        self._symbols: dict[str, SymbolConfig] = {}
        self._accounts: dict[str, AccountConfig] = {}
        self._market: dict[str, Any] = {}
        self._execution: dict[str, Any] = {}
        self._scenario = "normal"
        self._seed: int | None = None
        self._events: list[dict] = []

    def symbols(self, *names: str) -> "MockBrokerBuilder":
        for name in names:
            self._symbols.setdefault(name, SymbolConfig(symbol=name))
        return self

    def symbol(self, name: str, **settings: Any) -> "MockBrokerBuilder":
        self._symbols[name] = SymbolConfig(symbol=name, **settings)
        return self

    def account(self, account_id: str, cash: Any = Decimal("100000"), **settings: Any) -> "MockBrokerBuilder":
        self._accounts[account_id] = AccountConfig(id=account_id, cash=cash, **settings)
        return self

    def market(self, **settings: Any) -> "MockBrokerBuilder":
        self._market.update(settings)
        return self

    def execution(self, **settings: Any) -> "MockBrokerBuilder":
        self._execution.update(settings)
        return self

    def scenario(self, name: str) -> "MockBrokerBuilder":
        self._scenario = name
        return self

    def seed(self, seed: int) -> "MockBrokerBuilder":
        self._seed = seed
        return self

    def event(self, event: dict) -> "MockBrokerBuilder":
        self._events.append(dict(event))
        return self

    def config(self) -> BrokerConfig:
        extra = {} if self._seed is None else {"seed": self._seed}
        return BrokerConfig(
            scenario=self._scenario,
            market=MarketConfig(**self._market),
            execution=ExecutionConfig(**self._execution),
            symbols=tuple(self._symbols.values()) or (SymbolConfig(),),
            accounts=tuple(self._accounts.values()) or (AccountConfig(),),
            **extra,
        )

    def build(self) -> MockBroker:
        broker = MockBroker(self.config())
        for event in self._events:
            broker.inject(event)
        return broker


def create_broker(config: BrokerConfig | dict | None = None) -> MockBroker:
    """The factory: a broker from a ``BrokerConfig``, a ``/mock/configure``-shaped dict, or defaults."""
    if isinstance(config, dict):
        return MockBroker.from_dict(config)
    return MockBroker(config)


__all__ = ["MockBroker", "MockBrokerBuilder", "create_broker", "BrokerError"]
