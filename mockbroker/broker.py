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
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from .accounts import Ledger
from .clock import NS_PER_SECOND, VirtualClock, iso
from .config import AccountConfig, BrokerConfig, ExecutionConfig, MarketConfig, SymbolConfig, start_ns
from . import account_views, order_rules
from .domain import (CLASS, SIDE, STATUS, TYPE, Account, Bar, EventType, Fill, MarketState, Order, OrderBook,
                     OrderEvent, OrderRequest, canonical_qty, OrderType, Position, Quote, Side, TimeInForce, Trade)
from .errors import (AlreadyExists, BrokerError, DuplicateClientOrderId, InsufficientFunds, InvalidArgument,
                     InvalidOrder, MarketClosed, OrderConflict, OrderForbidden, OrderNotCancelable, OrderNotFound,
                     PermissionDenied, PositionNotFound, RejectReason, TradingHalted, UnknownAccount, UnknownSymbol)
from .execution import groups
from .execution.engine import PRICE_PLACES, QTY_STEP, ExecutionEngine, WorkingOrder
from .execution.groups import OrderGroup
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
CENT = Decimal("0.01")
_SIMPLE = CLASS.SIMPLE  # a module global: the hot path's check for order groups without an attribute lookup


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
        self.clock = VirtualClock() if config.start is None else VirtualClock(start_ns(config.start))
        self.started_ns = self.clock.now_ns()
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
        self.clock.schedule_at(session.next_extended(self.clock.now_ns() + 1)[1], self._at_after_hours_end,
                               "after-hours end")

    def _at_close(self) -> None:
        """The regular session's close (16:00 New York, 13:00 on an early-close day): day orders expire."""
        self.engine.expire_day_orders()
        self.clock.schedule_at(session.next_close(self.clock.now_ns() + 1), self._at_close, "session close")

    def _at_after_hours_end(self) -> None:
        """The end of after-hours trading (20:00 New York, 17:00 after an early close): extended-hours day orders
        expire."""
        self.engine.expire_day_orders(extended=True)
        self.clock.schedule_at(session.next_extended(self.clock.now_ns() + 1)[1], self._at_after_hours_end,
                               "after-hours end")

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
                self.ledger.apply_split(symbol, Decimal(repr(event.ratio)), self.market[symbol].mid_decimal(),
                                        self.clock.now_ns())
            else:
                self.ledger.pay_dividend(symbol, Decimal(repr(event.amount)), self.clock.now_ns())

    def load_scenario(self, source: "str | dict") -> dict:
        """Configure from a scenario file (YAML or JSON path) or its parsed content, and start its events."""
        from .scenarios import load_scenario_file, parse_scenario

        spec = load_scenario_file(source) if isinstance(source, str) else parse_scenario(source)
        summary = self.configure(spec.config)
        for event in spec.events:
            self.inject(dict(event))
        return summary

    # --- validation -----------------------------------------------------------------------------------------------
    def _price(self, name: str, value: Any, symbol_tick: Decimal, later: list | None = None) -> Decimal | None:
        """A price, checked: a number above 0 and up to ``MAX_PRICE`` on ``symbol_tick``. On the cent grid but off a
        coarser tick, the refusal (``OrderConflict``) goes to ``later`` when given: the request's shape is checked
        first, whatever the symbol's configuration (``_validate``)."""
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
            # on the cent grid (what the request schema publishes), only this symbol's coarser tick refuses it: a
            # conflict with the symbol's configuration, not a malformed price
            message = f"{name}={value}: not on the tick size {symbol_tick}"
            if price % CENT:
                raise InvalidOrder(message, reason=RejectReason.PRICE_NOT_ON_TICK)
            if later is None:
                raise OrderConflict(message, reason=RejectReason.PRICE_NOT_ON_TICK)
            later.append(OrderConflict(message, reason=RejectReason.PRICE_NOT_ON_TICK))
        return price

    def _validate(self, request: OrderRequest, account: str) -> OrderRequest:
        """The request, checked and in canonical form. Every rule on the request's own shape comes first
        (``InvalidOrder``: what the HTTP schema states, answered 422); then what depends on the state or relates two
        prices (``OrderForbidden`` 403, ``OrderConflict`` and ``DuplicateClientOrderId`` 409), so a request is refused
        for its shape whenever its shape is wrong, as the published schema says (docs/http-api.md)."""
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
        try:
            side, kind, tif = request.side, request.type, request.time_in_force
            if side.__class__ is not Side or kind.__class__ is not OrderType or tif.__class__ is not TimeInForce:
                side, kind, tif = Side(side), OrderType(kind), TimeInForce(tif)
        except ValueError as error:
            raise InvalidOrder(str(error), reason=RejectReason.INVALID_ORDER_TYPE) from None
        notional = None
        if qty.__class__ is not int or not 0 < qty <= MAX_QTY or request.notional is not None:
            qty, notional = order_rules.quantity(request, kind, tif, self.market.symbols[request.symbol].config,
                                                 self.ledger.accounts[account])
        tick = self.market.symbols[request.symbol].tick
        later: list = []  # refusals that wait until the shape is checked (a coarser tick)
        limit = request.limit_price
        if limit is not None:
            limit = self._price("limit_price", limit, tick, later)
        stop = request.stop_price
        if stop is not None:
            stop = self._price("stop_price", stop, tick, later)
        if limit is None and kind is TYPE.LIMIT and request.order_class == "oco" and request.take_profit is not None:
            # an OCO's limit is its take-profit
            limit = self._price("take_profit.limit_price", request.take_profit, tick, later)
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
            trail_price = self._price("trail_price", request.trail_price, tick, later)
            if request.trail_percent is not None:
                trail_percent = self._price("trail_percent", request.trail_percent, Decimal("0.0001"))
                if trail_percent >= 100:
                    raise InvalidOrder(f"trail_percent={trail_percent}: must be below 100",
                                       reason=RejectReason.INVALID_PRICE)
        if request.client_order_id is not None:
            if not isinstance(request.client_order_id, str) or not 0 < len(request.client_order_id) <= 128:
                raise InvalidArgument("client_order_id", request.client_order_id, "must be 1-128 characters")
        r = request
        if r.extended_hours:
            order_rules.check_extended_hours(r, kind, tif, qty, notional)
        legs = {}
        if r.order_class is not _SIMPLE or r.take_profit is not None or r.stop_loss is not None:
            # (its last checks, a leg's price against the market or the entry, come after its shape checks)
            legs = order_rules.order_class_legs(
                r, side, kind, tif, limit, qty, notional, tick, self.engine.mid(self.market.symbols[r.symbol]),
                lambda name, value, grid: self._price(name, value, grid, later)) or {"order_class": CLASS.SIMPLE}
        # the shape is right: now what the state decides
        if notional is not None or qty.__class__ is not int:
            order_rules.permitted(qty, notional, self.market.symbols[r.symbol].config, self.ledger.accounts[account])
        if later:
            raise later[0]
        if r.client_order_id is not None and (account, r.client_order_id) in self.engine.client_ids:
            raise DuplicateClientOrderId(f"client_order_id {r.client_order_id!r} is already used")
        if (side is r.side and kind is r.type and tif is r.time_in_force and limit is r.limit_price
                and stop is r.stop_price and trail_price is r.trail_price and trail_percent is r.trail_percent
                and qty is r.qty and not legs):
            return request  # already in canonical form (the common case in-process): no copy
        return replace(request, side=side, type=kind, time_in_force=tif, limit_price=limit, stop_price=stop,
                       trail_price=trail_price, trail_percent=trail_percent, qty=qty, notional=notional, **legs)

    def _marks(self) -> dict[str, Decimal]:
        return {s: self.engine.mid(m) for s, m in self.market.symbols.items()}


    def _reservation(self, request: OrderRequest, account: str, replacing: WorkingOrder | None = None,
                     qty: "int | Decimal | None" = None, canceling: "int | Decimal" = 0) -> Decimal:
        """Cash an order ties up while it works: a buy's estimated cost, or the value a short sale borrows.
        What closes a position needs none: selling shares held, or buying back a short (only the shares a buy adds
        beyond the short are reserved), so a position can always be closed, even with buying power below zero.
        ``replacing``: the order this one replaces, whose open sell no longer counts against the shares held.
        ``qty``: the shares, when the request gives dollars (a notional order: sized now, at the touch)."""
        market = self.market.symbols[request.symbol]  # validated
        engine = self.engine
        if qty is None:
            qty = request.qty
        if request.side is SIDE.BUY:
            position = self.ledger.accounts[account].positions.get(request.symbol)
            opening = qty + position.qty if position is not None and position.qty < 0 else qty
            if opening <= 0:
                return ZERO  # buying back (part of) a short
            if request.notional is not None and opening == qty:
                cost = request.notional  # dollars: what the order spends, whatever the price
            else:
                if request.type is TYPE.LIMIT:
                    reference = request.limit_price
                else:  # what taking this many shares would cost now: the book's levels, at least the impact law
                    reference = engine.estimate_buy_price(market, qty)
                    for price in (request.limit_price, request.stop_price):
                        if price is not None and price > reference:
                            reference = price
                if engine.slippage:
                    reference *= ONE + engine.slippage
                # at least what the fill will book: its price is rounded to PRICE_PLACES (so round up here), and its
                # fee is the formula but never below the per-order minimum (reserving less let an all-in buy
                # overdraw cash)
                cost = reference.quantize(PRICE_PLACES, rounding=ROUND_CEILING) * opening
            fees = engine.config.fees
            if fees.per_share or fees.bps or fees.min_per_order:
                cost += max(fees.fee_for(qty, cost), fees.min_per_order)
            return cost
        acct = self.ledger.accounts[account]  # validated
        position = acct.positions.get(request.symbol)
        held = position.qty if position is not None else 0
        pending_sells = engine.open_sells.get((account, request.symbol), 0)
        if replacing is not None and replacing.side is SIDE.SELL:
            pending_sells -= replacing.remaining
        pending_sells -= canceling  # sells being canceled (closing a position after canceling its orders)
        free = held - pending_sells  # shares held that no open sell already counts on
        short_qty = qty - free if free > 0 else qty
        if short_qty > 0:
            if qty.__class__ is not int or request.notional is not None:
                raise OrderForbidden(f"selling {qty} {request.symbol} would go short by {short_qty} shares: fractional "
                                   f"and notional orders cannot sell short (held: {held}, in open sells: "
                                   f"{pending_sells})", reason=RejectReason.SHORT_SALE_NOT_ALLOWED, held=str(held))
            symbol_cfg = market.config
            if not acct.shorting_enabled or not symbol_cfg.shortable:
                raise OrderForbidden(
                    f"selling {request.qty} {request.symbol} would go short by {short_qty} shares, and short selling "
                    f"is not allowed for {'account ' + account if not acct.shorting_enabled else request.symbol}",
                    reason=RejectReason.SHORT_SALE_NOT_ALLOWED, held=held)
            return (request.limit_price or engine.touch(market)[0]) * short_qty
        return ZERO

    # --- orders ---------------------------------------------------------------------------------------------------
    def submit_order(self, request: OrderRequest, account: str = DEFAULT_ACCOUNT) -> Order:
        return self._submit(request, account)

    def _submit(self, request: OrderRequest, account: str, canceling: "int | Decimal" = 0) -> Order:
        if self.faults:
            self._fault("submit_order", account, symbol=getattr(request, "symbol", None),
                        side=getattr(getattr(request, "side", None), "value", getattr(request, "side", None)))
        request = self._validate(request, account)
        market = self.market.symbols[request.symbol]
        if market.halted:
            raise TradingHalted(f"trading in {request.symbol} is halted", symbol=request.symbol)
        if request.type is TYPE.MARKET and not self.engine.session_open():
            raise MarketClosed(f"the market is closed (the NYSE's regular session: 09:30-16:00 New York, 13:00 on "
                               f"early-close days, none on weekends and holidays): a "
                               f"market order for {request.symbol} cannot be filled now; send a limit order, which "
                               f"waits for the open", symbol=request.symbol)
        shares = request.qty
        if shares is None:  # dollars: sized at the touch now (the venue sizes it again when it arrives)
            bid, ask = self.engine.touch(market)
            shares = canonical_qty((request.notional / (ask if request.side is SIDE.BUY else bid)).quantize(
                QTY_STEP, rounding=ROUND_DOWN)) or QTY_STEP
        if self.ledger.accounts[account].suspend_trade:
            raise PermissionDenied(f"account {account!r} has trading suspended (account configuration "
                                   f"suspend_trade)", reason=RejectReason.TRADING_SUSPENDED)
        if request.order_class is CLASS.OCO:
            self._check_oco_position(request, account, shares)
        reserve = self._reservation(request, account, qty=shares, canceling=canceling)
        buying_power = self.ledger.buying_power(account, self._live_marks)
        if reserve > buying_power and reserve > ZERO:  # selling shares held needs none, even when it is below zero
            raise InsufficientFunds(
                f"the order needs about ${reserve:,.2f} of buying power; account {account!r} has ${buying_power:,.2f}",
                needed=str(reserve.quantize(Decimal('0.01'))), available=str(buying_power.quantize(Decimal('0.01'))))
        order = self._new_order(request, account, qty=shares)
        self.ledger.reserve(account, order.id, reserve)
        if request.order_class is not _SIMPLE:
            return self._submit_group(order, request, account)
        self.engine.accept(order)
        return order.snapshot()

    def _check_oco_position(self, request: OrderRequest, account: str, qty: "int | Decimal") -> None:
        """An OCO order is an exit only: it may close what is held (less what open sells already close), never open
        a position."""
        held = self.ledger.accounts[account].positions.get(request.symbol)
        held_qty = held.qty if held is not None else 0
        if request.side is SIDE.SELL:
            available = held_qty - self.engine.open_sells.get((account, request.symbol), 0)
        else:
            available = -held_qty
        if qty > available:
            raise OrderForbidden(f"insufficient qty available for order (requested: {qty}, available: "
                                 f"{max(available, 0)}): an oco order exits a position",
                                 reason=RejectReason.INSUFFICIENT_POSITION, available=str(max(available, 0)))

    def _submit_group(self, parent: WorkingOrder, request: OrderRequest, account: str) -> Order:
        """A bracket, OCO or OTO order: the parent and its legs (see ``mockbroker.execution.groups``)."""
        cls = request.order_class
        group = OrderGroup(cls)
        exit_side = request.side if cls is CLASS.OCO else (SIDE.SELL if request.side is SIDE.BUY else SIDE.BUY)
        legs = []
        if request.take_profit is not None and cls is not CLASS.OCO:
            legs.append((groups.TAKE_PROFIT, OrderRequest(request.symbol, parent.qty, exit_side, TYPE.LIMIT,
                                                          request.time_in_force, limit_price=request.take_profit,
                                                          order_class=cls)))
        if request.stop_loss is not None:
            kind = TYPE.STOP if request.stop_loss_limit is None else TYPE.STOP_LIMIT
            legs.append((groups.STOP_LOSS, OrderRequest(request.symbol, parent.qty, exit_side, kind,
                                                        request.time_in_force, stop_price=request.stop_loss,
                                                        limit_price=request.stop_loss_limit, order_class=cls)))
        group.add(groups.TAKE_PROFIT if cls is CLASS.OCO else groups.ENTRY, parent)
        made = []
        for role, leg_request in legs:
            leg = self._new_order(leg_request, account)
            leg.parent_id = parent.id
            group.add(role, leg)
            made.append(leg)
        parent.legs = tuple(leg.id for leg in made)
        self.engine.accept(parent)
        for leg in made:
            if cls is CLASS.OCO:
                self.engine.accept(leg)  # an OCO's exits both work at once
            else:
                self.engine.hold(leg)  # held until the entry has filled
        return parent.snapshot()

    def _new_order(self, request: OrderRequest, account: str, replaces: str | None = None,
                   qty: "int | Decimal | None" = None) -> WorkingOrder:
        self._order_counter += 1
        order_id = "%s%012x" % (self._order_id_prefix, self._order_counter)  # faster than an f-string here
        now = self.clock._now_ns
        order = WorkingOrder(order_id, request.client_order_id or order_id, account, request, STATUS.ACCEPTED, now,
                             self.engine.mid(self.market.symbols[request.symbol]), request.limit_price,
                             request.stop_price, request.qty if qty is None else qty, request.time_in_force,
                             now)  # positional: faster
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
                      limit_price: Any = None, stop_price: Any = None, time_in_force: Any = None,
                      trail: Any = None, client_order_id: str | None = None) -> Order:
        """A new order in place of an open one: new ``qty`` (the new total), prices, time in force, ``trail`` (a
        trailing stop's new trail_price or trail_percent, whichever it has) and ``client_order_id`` (the new order's;
        its own id when left out), the rest as before. What the old order's type or time in force does not take is
        an ``OrderConflict`` (HTTP 409): the change is well formed, the order it reaches cannot take it."""
        self._fault("replace_order", account)
        old = self._working(order_id, account)
        if old.status.value not in ("accepted", "new", "partially_filled", "held"):
            raise OrderNotCancelable(f"order {order_id} is {old.status.value} and cannot be replaced",
                                     reason=RejectReason.ORDER_NOT_OPEN, status=old.status.value)
        if old.group is not None:
            return self._replace_in_group(old, account, limit_price, stop_price, qty, time_in_force, trail,
                                          client_order_id)
        r = old.request
        trail_price, trail_percent = r.trail_price, r.trail_percent
        if trail is not None:
            if r.type is not TYPE.TRAILING_STOP:
                raise OrderConflict(f"order {order_id} is a {r.type.value} order: only a trailing stop has a trail "
                                    f"to change", reason=RejectReason.INVALID_PRICE)
            if trail_percent is not None:
                trail_percent = trail
            else:
                trail_price = trail
        request = replace(r, qty=old.remaining if qty is None else qty,
                          limit_price=r.limit_price if limit_price is None else limit_price,
                          stop_price=r.stop_price if stop_price is None else stop_price,
                          time_in_force=r.time_in_force if time_in_force is None else time_in_force,
                          trail_price=trail_price, trail_percent=trail_percent, client_order_id=client_order_id)
        try:
            request = self._validate(request, account)
        except InvalidOrder as error:
            if type(error) is not InvalidOrder:  # the account's or the symbol's rules keep their own answer
                raise
            raise OrderConflict(f"{error.message} (replacing order {order_id}, a {r.type.value} "
                                f"{r.time_in_force.value} order)", reason=error.reason, **error.details) from None
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

    def _replace_in_group(self, old: WorkingOrder, account: str, limit_price: Any, stop_price: Any, qty: Any,
                          time_in_force: Any, trail: Any = None, client_order_id: str | None = None) -> Order:
        """A new price for an order of a bracket, OCO or OTO group (Alpaca lets only ``limit_price`` and
        ``stop_price`` change); the new order takes the old one's place in the group. Anything else is a conflict
        with the group (HTTP 409)."""
        if qty is not None or time_in_force is not None or trail is not None:
            raise OrderConflict("only limit_price and stop_price of an order in a bracket, oco or oto group can "
                                "change", reason=RejectReason.INVALID_ORDER_CLASS)
        r = old.request
        tick = self.market.symbols[r.symbol].tick
        try:
            limit = self._price("limit_price", limit_price, tick) if limit_price is not None else None
            stop = self._price("stop_price", stop_price, tick) if stop_price is not None else None
        except InvalidOrder as error:
            if type(error) is not InvalidOrder:
                raise
            raise OrderConflict(error.message, reason=error.reason, **error.details) from None
        if limit is not None and r.type not in _NEEDS_LIMIT or stop is not None and r.type not in _NEEDS_STOP:
            raise OrderConflict(f"a {r.type.value} order has no {'limit' if limit is not None else 'stop'} price to "
                                f"change", reason=RejectReason.INVALID_PRICE)
        if limit is None and stop is None:
            raise OrderConflict("an order in a bracket, oco or oto group changes only its limit_price or stop_price: "
                                "give one of them", reason=RejectReason.MISSING_PRICE)
        if client_order_id is not None and (account, client_order_id) in self.engine.client_ids:
            raise DuplicateClientOrderId(f"client_order_id {client_order_id!r} is already used")
        role = old.group.role_of(old)
        request = replace(r, limit_price=limit if limit is not None else r.limit_price,
                          stop_price=stop if stop is not None else r.stop_price, client_order_id=client_order_id)
        remaining = old.qty - old.filled_qty
        reserve = None
        if role == groups.ENTRY:  # the entry is the only one that ties up cash: checked before anything changes
            reserve = self._reservation(request, account, replacing=old, qty=remaining)
            available = (self.ledger.buying_power(account, self._live_marks)
                         + self.ledger[account].reserved.get(old.id, Decimal(0)))
            if reserve > available:
                raise InsufficientFunds(f"the replacement needs about ${reserve:,.2f} of buying power; account "
                                        f"{account!r} has ${available:,.2f}")
        new = self._new_order(request, account, replaces=old.id, qty=remaining)
        new.parent_id, new.legs = old.parent_id, old.legs
        old.group.expect(role, new)
        if reserve is not None:
            self.ledger.reserve(account, new.id, reserve)
            self.ledger.release(account, old.id)
        if old.status is STATUS.HELD and not old.in_flight:
            self.engine.replace_held(old, new)
        else:
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

    def close_position(self, symbol: str, account: str = DEFAULT_ACCOUNT, *, qty: Any = None,
                       percentage: Any = None) -> Order:
        """Close the position at market: all of it, ``qty`` shares of it, or ``percentage`` percent of it (whole
        shares, rounded down, unless the position is fractional: Alpaca's rule)."""
        self._fault("close_position", account, symbol=symbol)
        position = self.get_position(symbol, account)
        held = abs(position.qty)
        if qty is not None and percentage is not None:
            raise InvalidArgument("qty", qty, "give qty or percentage, not both")
        shares = held
        if qty is not None:
            shares = order_rules.parse_decimal(qty)
            if shares is None or not shares.is_finite() or shares <= 0 or order_rules._places(shares) > 9:
                raise InvalidArgument("qty", qty, "must be a number of shares above 0, at most 9 decimal places")
            if shares > held:
                raise OrderForbidden(f"insufficient qty available for order (requested: {shares}, available: "
                                     f"{held})", reason=RejectReason.INSUFFICIENT_POSITION, available=str(held))
        elif percentage is not None:
            pct = order_rules.parse_decimal(percentage)
            if pct is None or not pct.is_finite() or not 0 < pct <= 100 or order_rules._places(pct) > 9:
                raise InvalidArgument("percentage", percentage, "must be a percentage above 0, at most 100")
            shares = held * pct / 100
            shares = canonical_qty(shares.quantize(QTY_STEP, rounding=ROUND_DOWN) if held.__class__ is not int
                                   else shares.to_integral_value(rounding=ROUND_DOWN))
            if not shares:
                raise OrderForbidden(f"{percentage}% of {held} {symbol} is less than a whole share",
                                     reason=RejectReason.INVALID_QUANTITY, available=str(held))
        side = Side.SELL if position.qty > 0 else Side.BUY
        canceling = 0
        if side is SIDE.SELL:  # the shares already promised to other open sells are not available
            open_sells = [o for o in self.engine.open_orders_of.get(account, {}).values()
                          if o.request.symbol == symbol and o.side is SIDE.SELL
                          and (o.group is None or o.group.counts(o))]
            canceling = sum((o.qty - o.filled_qty for o in open_sells if o.status is STATUS.PENDING_CANCEL), 0)
            available = held - sum((o.qty - o.filled_qty for o in open_sells), 0) + canceling
            if shares > available:
                raise OrderForbidden(f"insufficient qty available for order (requested: {shares}, available: "
                                     f"{available}): open sell orders hold the rest; cancel them first",
                                     reason=RejectReason.INSUFFICIENT_POSITION, available=str(available))
        return self._submit(OrderRequest(symbol, canonical_qty(Decimal(shares)), side), account, canceling)

    def close_all_positions(self, account: str = DEFAULT_ACCOUNT, cancel_orders: bool = False) -> list:
        """Close every position at market (after canceling every open order, with ``cancel_orders``): one
        ``(symbol, Order or BrokerError)`` per position, as Alpaca's 207 multi-status answer."""
        self._fault("close_all_positions", account)
        if cancel_orders:
            self.cancel_all_orders(account)
        results = []
        for position in self.list_positions(account):
            try:
                results.append((position.symbol, self.close_position(position.symbol, account)))
            except BrokerError as error:
                results.append((position.symbol, error))
        return results

    # --- account configurations, activities, portfolio history, calendar, assets (mockbroker.account_views) -------
    def get_account_configurations(self, account: str = DEFAULT_ACCOUNT) -> dict:
        self._fault("get_account_configurations", account)
        return account_views.configurations(self.ledger[account])

    def set_account_configurations(self, account: str = DEFAULT_ACCOUNT, **changes: Any) -> dict:
        """Change settings (Alpaca's names): no_shorting, fractional_trading, suspend_trade, dtbp_check, pdt_check,
        trade_confirm_email, max_margin_multiplier ("1" only: a cash account), ptp_no_exception_entry."""
        self._fault("set_account_configurations", account)
        return account_views.configure(self.ledger[account], changes)

    def list_activities(self, account: str = DEFAULT_ACCOUNT, types: Any = None) -> list[dict]:
        """Account activities, oldest first: FILL (every fill), DIV (dividends), SPLIT (a split's cash-out of a
        fraction); ``types`` narrows them."""
        self._fault("list_activities", account)
        self.ledger[account]
        return account_views.activities(self, account, types)

    def portfolio_history(self, account: str = DEFAULT_ACCOUNT, period: str | None = None,
                          timeframe: str | None = None) -> dict:
        """Equity and P&L over time, replayed from the account's fills and cash movements at the market's bars."""
        self._fault("portfolio_history", account)
        self.ledger[account]
        return account_views.portfolio_history(self, account, period, timeframe)

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
    """Bars of ``seconds`` from one-minute bars: minutes and hours on the clock, days (and weeks, from Monday) from
    midnight New York, as Alpaca stamps them."""
    width = seconds * NS_PER_SECOND
    daily = seconds % 86_400 == 0
    out: list[Bar] = []
    for bar in bars:
        start = session.midnight_ns(bar.start_ns, seconds // 86_400) if daily else bar.start_ns - bar.start_ns % width
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
