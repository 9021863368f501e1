"""The execution engine: orders travel to the venue with latency, then match against the synthetic book.

Rules (docs/execution.md explains each with numbers):
- Every command (submit, cancel, replace) reaches the venue after a latency drawn by the configured latency
  model (``uniform`` between ``latencyMin`` and ``latencyMax`` ms, or heavy-tailed ``lognormal``) on the virtual
  clock; commands about one order arrive in the order they were sent. The market keeps moving meanwhile.
- On arrival an order may be rejected at random (``rejectionRate``), because trading is halted, or, for an ioc or
  fok market order, because the regular session is closed (``market_closed``: it fills at once or not at all).
  Otherwise it becomes ``new``. Orders that arrive while the market is closed -- day and gtc market orders too, as
  Alpaca queues them -- stay ``accepted`` (queued, as Alpaca shows them outside hours) until the next open (the
  pre-market's for extended-hours orders), become ``new`` then and work from its first prices (a dollar order is
  sized then).
- Nothing matches outside the regular session (09:30-16:00 New York) or while a symbol is halted.
- Matching walks the book level by level (best first, never past a limit price); the book VWAP is the
  volume-weighted price of the levels taken. For a taker it is at least as bad as the square-root law's
  temporary impact says (mid x (1 +/- Y sigma sqrt(q/V))): a deep book cannot make a large order cheap, while a
  small order still fills at the touch. The law is the parent order's: a fill of q after F shares of the same
  order pays at least the law's marginal cost, Y sigma ((F + q)^1.5 - F^1.5) / (q sqrt(V)), so the order's
  average is Y sigma sqrt(Q / V) however many fills it takes. The fill price is that price moved against the
  trader by ``slippageBps``, but never past the limit. Taker fills also move the simulated price: the order's
  impact after the trade is P sigma sqrt(Q / V), charged as each fill's increase of it (once per order in
  total, not per fill), at the market's next update (at most ``updateFrequency`` later); then all but
  ``impactLasting`` of it fades with a half-life of ``impactHalfLife`` seconds (transient impact). ``partialFillRatio`` < 1 caps each match at that
  fraction of what remains (at least one share).
- Limits the market crosses fill at once at the book's prices, so a market that gaps through a limit gives price
  improvement. A resting limit the market only touches (opposite best == limit) fills as a maker, by the touch
  model: with probability ``fillProbability``, or when its estimated queue position reaches the front
  (``queuePosition``). Stops trigger when the opposite best price reaches the stop (buy: ask >= stop; sell:
  bid <= stop); trailing stops follow the best price by an amount or a percent and never move back.
- IOC cancels what the first match leaves; FOK fills completely at once or is canceled; day orders expire at the
  session close; gtc orders work until done or canceled; unfilled day/gtc market orders keep taking liquidity as
  the book replenishes.
- A cancel or replace that arrives after the order is done loses the race: ``order_cancel_rejected`` (or
  ``order_replace_rejected``) with reason ``too_late_to_cancel``; the order keeps its final status.
- A split cancels the symbol's open orders (on their way or at the venue) just before its new prices apply,
  reason ``corporate_action``: orders priced for the old shares would otherwise trade at once.
- Every fill carries its fee (per share + bps of the notional, at least the per-order minimum over the order's
  fills) and its slippage in bps against the mid when the order was sent; the ledger books both.

Speed (bench/engine_throughput.py; docs/execution.md, Speed, says what each choice is worth): the book's levels
and the touch are cached per symbol until the market moves, and our own small takes update the cached levels in
place (exactly what the book would show); fills go to a flat log and events to the broker's flat list, as the
order's changing fields (``WorkingOrder.capture``), and become objects only when read; commands in flight are
int keys sorted in at delivery, and the clock steps straight to each next arrival (``VirtualClock.step_to``);
enum members come from plain tables (``STATUS.NEW``), a dict lookup cheaper than ``OrderStatus.NEW`` on 3.11.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import Callable

import numpy as np

from ..clock import VirtualClock
from ..config import ExecutionConfig
from ..domain import (EVENT, SIDE, STATUS, TIF, TYPE, EventType, Fill, Order, OrderRequest, OrderStatus, OrderType,
                      Side, TimeInForce, canonical_qty)
from ..errors import RejectReason
from ..market import session
from ..market.events import MarketEvent, Split
from ..market.simulator import MarketSimulator, SymbolMarket
from .lifecycle import ALLOWED, IllegalTransition
from .models import ProbabilisticTouch, QueuePositionTouch, SquareRootImpact, latency_model

PRICE_PLACES = Decimal("0.0001")
QTY_STEP = Decimal("0.000000001")  # 9 places: the smallest fraction of a share
BPS_PLACES = Decimal("0.01")
ZERO = Decimal("0")
ONE = Decimal("1")
TEN_THOUSAND = Decimal(10_000)
_TERMINAL = frozenset({STATUS.FILLED, STATUS.CANCELED, STATUS.EXPIRED, STATUS.REJECTED,
                       STATUS.REPLACED})
_LIMITED = (TYPE.LIMIT, TYPE.STOP_LIMIT)
_STOPS = (TYPE.STOP, TYPE.STOP_LIMIT, TYPE.TRAILING_STOP)
_OPPOSITE = {SIDE.BUY: SIDE.SELL, SIDE.SELL: SIDE.BUY}
_QUEUED = STATUS.ACCEPTED  # at the venue but not routed: the market was closed when it arrived
_SEQ_BITS = 40  # a command's inbox key: arrival ns << 40 | sequence number


@dataclass(slots=True)
class WorkingOrder:
    """The engine's mutable record of one order; ``snapshot()`` gives the frozen ``Order``. Slotted: a broker
    holds many of them, and every object with a ``__dict__`` is one more for the garbage collector to walk."""

    id: str
    client_order_id: str
    account_id: str
    request: OrderRequest
    status: OrderStatus
    created_ns: int
    arrival_mid: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    qty: int
    time_in_force: TimeInForce
    updated_ns: int = 0
    filled_qty: int = 0
    filled_notional: Decimal = ZERO
    fees: Decimal = ZERO
    filled_ns: int | None = None
    canceled_ns: int | None = None
    expired_ns: int | None = None
    reject_reason: RejectReason | None = None
    replaced_by: str | None = None
    replaces: str | None = None
    triggered: bool = False
    water_mark: Decimal | None = None
    at_venue: bool = False
    in_flight: int = 0
    last_command_ns: int = 0
    fill_numbers: tuple[int, ...] = ()
    """This order's fills, as numbers in the engine's fill log (``ExecutionEngine.fill``); a tuple of ints is
    not tracked by the garbage collector."""
    queue_ahead: int | None = None
    group: object = None
    """The ``OrderGroup`` of a bracket, OCO or OTO order (None for a simple order: one check on the hot path)."""
    legs: tuple[str, ...] = ()
    parent_id: str | None = None

    @property
    def remaining(self) -> int:
        return self.qty - self.filled_qty

    @property
    def side(self) -> Side:
        return self.request.side

    @property
    def type(self) -> OrderType:
        return self.request.type

    def capture(self) -> tuple:
        """The fields of the snapshot that change while the order works, as they are now (cheap). The others
        that change (filled_ns, canceled_ns, expired_ns, reject_reason, replaced_by) are set once, as the order
        ends, and are None before: the status says which."""
        return (self.status, self.filled_qty, self.filled_notional, self.updated_ns, self.stop_price, self.fees)

    def snapshot(self, captured: tuple | list | None = None) -> Order:
        status, filled_qty, notional, updated_ns, stop, fees = captured or self.capture()
        if status in _TERMINAL:
            filled_ns, canceled_ns, expired_ns = self.filled_ns, self.canceled_ns, self.expired_ns
            reason, replaced_by = self.reject_reason, self.replaced_by
        else:
            filled_ns = canceled_ns = expired_ns = reason = replaced_by = None
        avg = (notional / filled_qty).quantize(PRICE_PLACES) if filled_qty else None
        qty = self.qty
        if filled_qty.__class__ is not int:  # fractional shares: one form for each quantity
            filled_qty = canonical_qty(filled_qty)
            qty = canonical_qty(qty)
        r = self.request
        # Order is a frozen dataclass; filling its __dict__ directly is several times faster than __init__.
        order = Order.__new__(Order)
        order.__dict__.update(
            id=self.id, client_order_id=self.client_order_id, account_id=self.account_id, symbol=r.symbol,
            side=r.side, type=r.type, time_in_force=self.time_in_force, qty=qty, filled_qty=filled_qty,
            status=status, limit_price=self.limit_price, stop_price=stop, filled_avg_price=avg,
            created_ns=self.created_ns, updated_ns=updated_ns or self.created_ns, submitted_ns=self.created_ns,
            filled_ns=filled_ns, canceled_ns=canceled_ns, expired_ns=expired_ns, arrival_mid=self.arrival_mid,
            reject_reason=reason, replaced_by=replaced_by, replaces=self.replaces, trail_price=r.trail_price,
            trail_percent=r.trail_percent, fees=fees, extended_hours=r.extended_hours, notional=r.notional,
            order_class=r.order_class, legs=self.legs, parent_id=self.parent_id)
        return order


FILL_WIDTH = 10
"""A fill in the engine's log is ten consecutive entries: order id, account, symbol, side, qty, price, fee, time,
arrival mid, liquidity. Its id and its slippage in bps follow from them (and its number) when it is read."""


class ExecutionEngine:
    _unsized: "set[str] | tuple" = ()
    """Ids of dollar orders that reached the venue while it was closed: sized when they first work, at the open's
    prices (a class default, so snapshots taken before it existed still load)."""

    def __init__(self, clock: VirtualClock, market: MarketSimulator, ledger, config: ExecutionConfig,
                 latency_rng: np.random.Generator, venue_rng: np.random.Generator,
                 emit: Callable[[EventType, WorkingOrder, int | None, str | None], None],
                 fill_id: Callable[[int], str]) -> None:
        self.clock = clock
        self.market = market
        self.ledger = ledger
        self.config = config
        self.latency_rng = latency_rng
        self.venue_rng = venue_rng
        self.emit = emit
        self.fill_id = fill_id
        self.latency = latency_model(config, latency_rng)
        self.impact = SquareRootImpact(config.impact_coefficient, config.permanent_impact_coefficient,
                                       config.impact_lasting, config.impact_half_life)
        self._impact_active = self.impact.active
        self.touch_model = QueuePositionTouch() if config.queue_position \
            else ProbabilisticTouch(config.fill_probability, venue_rng)
        self.slippage = Decimal(repr(config.slippage_bps)) / TEN_THOUSAND
        self._rejection_rate = config.rejection_rate
        fees = config.fees
        self._charges_fees = bool(fees.per_share or fees.bps or fees.min_per_order)
        self.orders: dict[str, WorkingOrder] = {}
        self.working: dict[str, dict[str, WorkingOrder]] = {s: {} for s in market.symbols}
        self._fill_log: list = []
        """Every fill, flat (``FILL_WIDTH`` entries each): no object per fill on the hot path."""
        self._fills: list[Fill] = []
        """The ``Fill`` objects built so far from ``_fill_log``, in order."""
        self.open_sells: dict[tuple[str, str], int] = {}
        """(account, symbol) -> shares of open sell orders not yet filled (for the short-sale check)."""
        self.client_ids: dict[tuple[str, str], str] = {}
        """(account, client order id) -> order id, for client ids the trader chose (the others are the order id)."""
        self.orders_of: dict[str, dict[str, WorkingOrder]] = {}
        """account -> its orders by id, oldest first."""
        self.open_orders_of: dict[str, dict[str, WorkingOrder]] = {}
        """account -> its orders that have not ended, oldest first (listing open orders never scans the rest)."""
        self._levels_cache: dict[tuple[str, Side], tuple[tuple, list[list]]] = {}
        self._touch_cache: dict[str, tuple[float, tuple[Decimal, Decimal], Decimal]] = {}
        """symbol -> (the simulator's mid it was computed at, (best bid, best ask), their mid)."""
        self._pending_impact: dict[str, float] = {}
        self._unsized = ()  # an instance attribute: read on the hot path
        self._inbox: list[int] = []
        """Commands on their way to the venue, as keys (arrival ns << 40 | sequence), sorted latest first: the next
        to arrive is ``_inbox[-1]``."""
        self._sent: list[int] = []
        """Keys of commands sent since the inbox was last sorted. Sorting them in at delivery (one C sort, which
        merges sorted runs in linear time) is much cheaper than a heap push and pop per command."""
        self._in_flight: dict[int, object] = {}
        """key -> the order (the command is ``_arrive``, the common case: no object made) or (order, command,
        extra)."""
        self._inbox_seq = 0
        self._wake = None  # the clock event that delivers the earliest command
        self._session = (0, 0)
        market.listeners.append(self.on_market_update)
        market.event_listeners.append(self.before_market_event)

    # --- the market, cached -----------------------------------------------------------------------------------------
    def session_open(self) -> bool:
        """Whether the regular session is open now (the current session's bounds are remembered)."""
        now = self.clock.now_ns()
        start, end = self._session
        if start <= now < end:
            return True
        if not session.is_open(now):
            return False
        opened = session.next_open(now)
        self._session = (min(opened, now), session.next_close(now))
        return True

    def forget(self, symbol: str) -> None:
        """The market of ``symbol`` changed (an update or an event): drop what was cached about it."""
        self._touch_cache.pop(symbol, None)
        self._levels_cache.pop((symbol, SIDE.BUY), None)
        self._levels_cache.pop((symbol, SIDE.SELL), None)

    def touch(self, market: SymbolMarket) -> tuple[Decimal, Decimal]:
        """The best bid and ask. Cached until the market's next update or event (``forget``); the mid is checked
        too, in case something moved the price without telling the listeners."""
        mid = market.mid
        cached = self._touch_cache.get(market.symbol)
        if cached is not None and cached[0] == mid:
            return cached[1]
        return self._cache_touch(market)[1]

    def mid(self, market: SymbolMarket) -> Decimal:
        """The mid of the best bid and ask (cached with them)."""
        cached = self._touch_cache.get(market.symbol)
        if cached is not None and cached[0] == market.mid:
            return cached[2]
        return self._cache_touch(market)[2]

    def _cache_touch(self, market: SymbolMarket) -> tuple:
        touch = market.touch()
        cached = self._touch_cache[market.symbol] = (market.mid, touch, (touch[0] + touch[1]) / 2)
        return cached

    def estimate_buy_price(self, market: SymbolMarket, qty: int) -> Decimal:
        """What buying ``qty`` at market would pay a share now: the ask if the best level holds it, else the VWAP
        of the displayed levels (the deepest price for what lies beyond them), and at least the square-root law."""
        levels = self.levels(market, SIDE.SELL)
        if not levels:
            return self.touch(market)[1]
        if qty <= levels[0][1]:
            price = levels[0][0]
        else:
            left, notional = qty, ZERO
            for level_price, size in levels:
                take = size if size < left else left
                notional += level_price * take
                left -= take
                if not left:
                    break
            notional += levels[-1][0] * left
            price = notional / qty
        temporary = self.impact.temporary
        if temporary:
            sigma = market.market.volatility / 100.0 * market.effect.volatility
            law = temporary * self.impact.scale(qty, market.config.daily_volume, sigma)
            if law * market.mid > float(price) - market.mid:
                price = max(price, self.mid(market) * (ONE + Decimal(repr(round(law, 12)))))
        return price

    def levels(self, market: SymbolMarket, book_side: Side) -> list[list]:
        """``[price, size]`` of one side of the book, best first (``SIDE.BUY`` = bids), as ``market.levels`` shows
        it. Cached until the market's next update or event (``forget``) or until the mid or the shares taken
        change; ``_took`` keeps the cache exact after our own takes."""
        side = market.book.sides[book_side]
        key = (market.mid, side.taken, side.offered)  # what the levels depend on
        cached = self._levels_cache.get((market.symbol, book_side))
        if cached is not None and cached[0] == key:
            return cached[1]
        levels = [[level.price, level.size] for level in market.levels(book_side)]
        self._levels_cache[(market.symbol, book_side)] = (key, levels)
        return levels

    def _took(self, market: SymbolMarket, book_side: Side, levels: list[list], qty: int) -> None:
        """Tell the book we took ``qty``; keep the cached levels when only the first level shrank (then the book
        would show exactly that), else drop them."""
        if qty.__class__ is not int:  # fractional shares: the book counts shares taken as a float
            market.book.take(book_side, float(qty))
            self._levels_cache.pop((market.symbol, book_side), None)
            return
        market.book.take(book_side, qty)
        side = market.book.sides[book_side]
        if levels and qty < levels[0][1]:
            levels[0][1] -= qty
            self._levels_cache[(market.symbol, book_side)] = ((market.mid, side.taken, side.offered), levels)
        else:
            self._levels_cache.pop((market.symbol, book_side), None)

    # --- commands -------------------------------------------------------------------------------------------------
    def _send(self, order: WorkingOrder, command: Callable[..., None] | None = None, extra: object = None) -> None:
        """Put a command on its way to the venue, arriving after any earlier command about the same order.
        On arrival ``command(order)`` runs (``command(order, extra)`` when ``extra`` is given); no command means
        the order itself arrives (``_arrive``).

        Commands in flight wait in the engine's inbox, ordered by (arrival time, sequence); the clock holds one
        event, for the earliest arrival, rather than one per command."""
        due = self.clock._now_ns + self.latency.draw_ns()
        if due <= order.last_command_ns:
            due = order.last_command_ns + 1
        order.last_command_ns = due
        order.in_flight += 1
        self._inbox_seq += 1
        key = due << _SEQ_BITS | self._inbox_seq
        self._sent.append(key)
        self._in_flight[key] = order if command is None else (order, command, extra)
        if self._wake is None or due < self._wake.due_ns:
            self._wake_by(due)

    def _wake_by(self, due: int) -> None:
        """Have the clock deliver commands at ``due`` (or earlier, if it already will)."""
        wake = self._wake
        if wake is None or due < wake.due_ns:
            if wake is not None:
                wake.cancel()
            self._wake = self.clock.schedule_at(due, self._deliver, "commands reach the venue")

    def _deliver(self) -> None:
        """Deliver every command due by now, in order, and those due later while the clock can step straight to
        them (``VirtualClock.step_to``: nothing else scheduled in between); then wait for the next one."""
        self._wake = None
        inbox = self._sort_inbox()
        in_flight = self._in_flight
        clock = self.clock
        now = clock._now_ns
        while inbox:
            if self._sent:
                inbox = self._sort_inbox()
            due = inbox[-1] >> _SEQ_BITS
            if due > now:
                if not clock.step_to(due):  # something else is due first (a market update, our next wake)
                    break
                now = due
            entry = in_flight.pop(inbox.pop())
            if entry.__class__ is WorkingOrder:
                entry.in_flight -= 1
                self._arrive(entry)
                continue
            order, command, extra = entry
            order.in_flight -= 1
            if extra is None:
                command(order)
            else:
                command(order, extra)
        inbox = self._sort_inbox()
        if inbox:
            self._wake_by(inbox[-1] >> _SEQ_BITS)

    def _sort_inbox(self) -> list[int]:
        inbox = self._inbox
        if self._sent:
            inbox += self._sent
            self._sent = []
            inbox.sort(reverse=True)
        return inbox

    def hold(self, order: WorkingOrder) -> None:
        """A bracket or OTO exit, held by the broker until its entry fills (``activate`` sends it). Held, it is not
        an open sell of the shares held (``OrderGroup.counts``)."""
        order.group.held.add(order.id)
        order.status = STATUS.HELD
        self.orders[order.id] = order
        self._track(order)
        self.emit(EVENT.ACCEPTED, order, None, None)

    def replace_held(self, old: WorkingOrder, new: WorkingOrder) -> None:
        """Replace a held leg at once: it is not at the venue, so nothing travels."""
        self.hold(new)
        old.replaced_by = new.id
        self._finish(old, STATUS.REPLACED, EVENT.REPLACED, None)

    def accept(self, order: WorkingOrder) -> None:
        self.orders[order.id] = order
        self._track(order)
        if order.request.extended_hours:
            self._extended_order_opens()
        self.emit(EVENT.ACCEPTED, order, None, None)
        self._send(order)

    def _track(self, order: WorkingOrder) -> None:
        account = order.account_id
        mine = self.orders_of.get(account)
        if mine is None:
            mine = self.orders_of[account] = {}
            self.open_orders_of[account] = {}
        mine[order.id] = order
        self.open_orders_of[account][order.id] = order
        if order.request.side is SIDE.SELL and (order.group is None or order.group.counts(order)):
            key = (order.account_id, order.request.symbol)
            self.open_sells[key] = self.open_sells.get(key, 0) + order.qty
        if order.request.client_order_id is not None:
            self.client_ids[(order.account_id, order.client_order_id)] = order.id

    def _untrack(self, order: WorkingOrder, qty: int) -> None:
        if qty and order.request.side is SIDE.SELL and (order.group is None or order.group.counts(order)):
            key = (order.account_id, order.request.symbol)
            self.open_sells[key] = self.open_sells.get(key, 0) - qty

    def request_cancel(self, order: WorkingOrder) -> None:
        if order.status is STATUS.HELD and not order.in_flight:  # a leg still held by the broker: nothing to recall
            self._finish(order, STATUS.CANCELED, EVENT.CANCELED, None)
            return
        self._transition(order, STATUS.PENDING_CANCEL)
        self.emit(EVENT.PENDING_CANCEL, order, None, None)
        self._send(order, self._cancel_arrives)

    def request_replace(self, old: WorkingOrder, new: WorkingOrder) -> None:
        self._transition(old, STATUS.PENDING_REPLACE)
        self.orders[new.id] = new
        self._track(new)
        if new.request.extended_hours:
            self._extended_order_opens()
        self.emit(EVENT.ACCEPTED, new, None, None)
        self._send(old, self._replace_arrives, new)
        new.last_command_ns = old.last_command_ns  # the replacement travels with the replace command
        new.in_flight += 1

    # --- arrival at the venue -------------------------------------------------------------------------------------
    def _arrive(self, order: WorkingOrder) -> None:
        if order.status in _TERMINAL:
            return
        market = self.market.symbols[order.request.symbol]
        if self._rejection_rate and self.venue_rng.random() < self._rejection_rate:
            self._finish(order, STATUS.REJECTED, EVENT.REJECTED, RejectReason.RANDOM_REJECTION)
            return
        if market.halted:
            self._finish(order, STATUS.REJECTED, EVENT.REJECTED, RejectReason.TRADING_HALTED)
            return
        start, end = self._session
        is_open = start <= self.clock._now_ns < end or self.session_open()
        if not is_open and order.request.extended_hours:
            is_open = session.is_extended(self.clock._now_ns)  # pre-market or after-hours: it may trade now
        if not is_open and order.request.type is TYPE.MARKET and (order.time_in_force is TIF.IOC
                                                                  or order.time_in_force is TIF.FOK):
            # fills at once or not at all, and nothing trades until the open (day and gtc market orders wait for it)
            self._finish(order, STATUS.REJECTED, EVENT.REJECTED, RejectReason.MARKET_CLOSED)
            return
        if order.request.notional is not None:
            if not is_open:  # a dollar order queued for the open is sized at the open's prices, not tonight's
                if not self._unsized:
                    self._unsized = set()
                self._unsized.add(order.id)
            elif not self._size_notional(order, market):
                return
        order.at_venue = True
        self.working[order.request.symbol][order.id] = order
        if not is_open:  # queued for the open: still ``accepted`` (Alpaca: "not yet routed", seen outside hours)
            if order.status is STATUS.HELD:
                order.status = STATUS.ACCEPTED  # an activated leg, queued like any order
            return
        self._route(order)
        self._work(order, market, True)

    def _route(self, order: WorkingOrder) -> None:
        """The venue takes the order: ``new``. (Accepted or an activated leg: always legal.)"""
        status = order.status
        if status is STATUS.ACCEPTED or status is STATUS.HELD:
            order.status = STATUS.NEW
            order.updated_ns = self.clock._now_ns
        self.emit(EVENT.NEW, order, None, None)

    def route_queued(self, extended_only: bool = False) -> None:
        """The session opens (``extended_only``: the pre-market): orders queued while the market was closed become
        ``new``, oldest first, and work from the next market update."""
        queued = [o for working in self.working.values() for o in working.values()
                  if o.status is STATUS.ACCEPTED and (o.request.extended_hours or not extended_only)]
        for order in sorted(queued, key=lambda o: o.created_ns):
            self._route(order)

    def _cancel_arrives(self, order: WorkingOrder) -> None:
        if order.status in _TERMINAL:
            self.emit(EVENT.CANCEL_REJECTED, order, None, RejectReason.TOO_LATE_TO_CANCEL.value)
            return
        self._finish(order, STATUS.CANCELED, EVENT.CANCELED, None)

    def _replace_arrives(self, old: WorkingOrder, new: WorkingOrder) -> None:
        new.in_flight -= 1
        if old.status in _TERMINAL:
            self.emit(EVENT.REPLACE_REJECTED, old, None, RejectReason.TOO_LATE_TO_CANCEL.value)
            if new.status not in _TERMINAL:  # else it ended on the way too (both expired at the close)
                self._finish(new, STATUS.REJECTED, EVENT.REJECTED, RejectReason.TOO_LATE_TO_CANCEL)
            return
        old.replaced_by = new.id
        self._finish(old, STATUS.REPLACED, EVENT.REPLACED, None)
        self._arrive(new)

    # --- matching -------------------------------------------------------------------------------------------------
    def idle(self, symbol: str) -> bool:
        """Whether a market update of ``symbol`` would only drop caches: no order of it works at the venue and no
        impact of a past fill waits for the next update. (Commands on their way are on the clock.)"""
        return not self.working.get(symbol) and symbol not in self._pending_impact

    def on_market_update(self, symbol: str) -> None:
        self._touch_cache.pop(symbol, None)  # forget(symbol), inline: every update of every symbol comes here
        levels = self._levels_cache
        if levels:
            levels.pop((symbol, SIDE.BUY), None)
            levels.pop((symbol, SIDE.SELL), None)
        if self._pending_impact:
            move = self._pending_impact.pop(symbol, None)
            if move:
                self.market.symbols[symbol].apply_impact(move, self.impact.lasting_share, self.impact.half_life)
        working = self.working.get(symbol)
        if not working:
            return
        extended_only = False
        if not self.session_open():
            if not self.market.extended_demand or not session.is_extended(self.clock._now_ns):
                return
            extended_only = True  # pre-market or after-hours: only extended-hours orders trade
        market = self.market.symbols[symbol]
        now = self.clock.now_ns()
        printed = isinstance(self.touch_model, QueuePositionTouch) and market.last_trade_ns == now
        trade = market.last_trade if printed else None
        # A plain limit the market neither reaches nor touches cannot trade: skip it without matching. (Fills of
        # other orders during this loop only move the best prices away, so the test stays true.)
        asks, bids = self.levels(market, SIDE.SELL), self.levels(market, SIDE.BUY)
        best_ask = asks[0][0] if asks else None
        best_bid = bids[0][0] if bids else None
        limit_type = TYPE.LIMIT
        for order in list(working.values()):
            if order.status in _TERMINAL or extended_only and not order.request.extended_hours:
                continue
            if printed and order.queue_ahead:
                self.touch_model.on_print(order, trade.price, trade.size)
            if order.request.type is limit_type:
                limit = order.limit_price
                if order.request.side is SIDE.BUY:
                    if best_ask is None or limit < best_ask:
                        continue
                elif best_bid is None or limit > best_bid:
                    continue
            self._work(order, market, False)

    def _work(self, order: WorkingOrder, market: SymbolMarket, arriving: bool) -> None:
        if market.halted:
            return
        if order.status is _QUEUED:  # queued while closed, and the market moves before the open's routing
            self._route(order)
        if self._unsized and order.id in self._unsized:  # a dollar order that waited for the open: sized now
            self._unsized.discard(order.id)
            if not self._size_notional(order, market):
                return
        kind = order.request.type
        if kind in _STOPS and not order.triggered and not self._triggered(order, market):
            return
        side = order.request.side
        book_side = _OPPOSITE[side]
        limit = order.limit_price if kind in _LIMITED else None
        levels = self.levels(market, book_side)
        buying = side is SIDE.BUY
        maker = False
        if limit is not None and levels:
            best = levels[0][0]
            crosses = best < limit if buying else best > limit
            if not crosses and not arriving and best == limit:
                # Only touched, not crossed: a resting order at this price trades only by the touch model.
                if not self.touch_model.fills_when_touched(order):
                    return
                maker = True
        if order.time_in_force is TIF.FOK:
            available = 0
            for price, size in levels:
                if limit is not None and (price > limit if buying else price < limit):
                    break
                available += size
            if available < order.remaining:
                self._finish(order, STATUS.CANCELED, EVENT.CANCELED, None, RejectReason.NO_LIQUIDITY)
                return
            cap = order.remaining
        else:
            ratio = self.config.partial_fill_ratio
            remaining = order.qty - order.filled_qty
            if ratio >= 1.0:
                cap = remaining
            elif remaining.__class__ is int:
                cap = max(1, math.ceil(remaining * ratio))
            else:  # fractional shares
                cap = min(remaining, max(1, math.ceil(float(remaining) * ratio)))
        taken = 0
        vwap = None
        if levels and cap <= levels[0][1] and (limit is None or not (
                levels[0][0] > limit if buying else levels[0][0] < limit)):
            taken, vwap = cap, levels[0][0]  # the best level holds it all (the common case): no arithmetic
        else:
            notional = ZERO
            first = None
            for price, size in levels:
                if taken >= cap or (limit is not None and (price > limit if buying else price < limit)):
                    break
                qty = size if size < cap - taken else cap - taken
                taken += qty
                notional += price * qty
                if first is None:
                    first = price
            if taken:
                vwap = first if first * taken == notional else notional / taken
        if taken:
            self._took(market, book_side, levels, taken)
            self._fill(order, market, taken, vwap, limit, maker)
        elif limit is not None and isinstance(self.touch_model, QueuePositionTouch) and order.status not in _TERMINAL:
            self.touch_model.joins(order, self.levels(market, side))
        if order.time_in_force is TIF.IOC and order.status not in _TERMINAL:
            self._finish(order, STATUS.CANCELED, EVENT.CANCELED, None,
                         None if taken else RejectReason.NO_LIQUIDITY)

    def _triggered(self, order: WorkingOrder, market: SymbolMarket) -> bool:
        bid, ask = self.touch(market)
        reference = ask if order.side is SIDE.BUY else bid
        if order.type is TYPE.TRAILING_STOP:
            r = order.request
            mark = order.water_mark
            if mark is None or (reference > mark if order.side is SIDE.SELL else reference < mark):
                order.water_mark = mark = reference
            offset = r.trail_price if r.trail_price is not None else (mark * r.trail_percent / 100)
            stop = mark - offset if order.side is SIDE.SELL else mark + offset
            order.stop_price = stop.quantize(market.tick, rounding=ROUND_HALF_EVEN)
        stop = order.stop_price
        hit = reference >= stop if order.side is SIDE.BUY else reference <= stop
        if hit:
            order.triggered = True
        return hit

    def _fill(self, order: WorkingOrder, market: SymbolMarket, qty: int, vwap: Decimal, limit: Decimal | None,
              maker: bool = False) -> None:
        side = order.request.side
        buying = side is SIDE.BUY
        cost = self.slippage
        impact = self.impact
        scale = 0.0
        if not maker and self._impact_active:
            sigma = market.market.volatility / 100.0 * market.effect.volatility
            before = order.filled_qty
            # The square-root law applies to the parent order: this fill pays the law's marginal cost at the
            # order's size so far, and leaves the increase of its lasting impact (both telescope over the fills).
            scale, lasting = impact.parent_scales(before, qty, market.config.daily_volume, sigma)
            temporary = impact.temporary * scale
            # Cheap float test first: most orders are small and the law is far inside the spread they pay.
            mid_f = market.mid
            paid_f = (float(vwap) - mid_f) if buying else (mid_f - float(vwap))
            if temporary * mid_f > paid_f - 1e-9 * mid_f:
                # The square-root law is the least a taker of this size pays against the mid: a deep displayed
                # book cannot make a large order cheaper than that; a small one still fills at the touch.
                bid, ask = self.touch(market)
                mid = (bid + ask) / 2
                bound = mid * (ONE + Decimal(repr(round(temporary, 12)))) if buying \
                    else mid * (ONE - Decimal(repr(round(temporary, 12))))
                vwap = max(vwap, bound) if buying else min(vwap, bound)
        if cost:
            price = vwap * (ONE + cost) if buying else vwap * (ONE - cost)
        else:
            price = vwap
        if limit is not None:
            price = min(price, limit) if buying else max(price, limit)
        price = price.quantize(PRICE_PLACES, rounding=ROUND_HALF_EVEN)
        now = self.clock._now_ns
        gross = price * qty
        fee = self._fee(order, qty, gross) if self._charges_fees else ZERO
        log = self._fill_log
        number = len(log) // FILL_WIDTH
        log += (order.id, order.account_id, market.symbol, side, qty, price, fee, now, order.arrival_mid,
                "maker" if maker else "taker")
        if qty.__class__ is int:
            market.print_trade(price, qty, now)
        elif qty >= 1:  # the whole shares print on the tape; the broker fills the fraction itself (as Alpaca does)
            market.print_trade(price, int(qty), now)
        if scale and impact.permanent:
            # The permanent part reaches the price at the market's next update (the next quote), as one move for
            # all the fills since the last one.
            move = impact.permanent * lasting
            symbol = market.symbol
            self._pending_impact[symbol] = self._pending_impact.get(symbol, 0.0) + (move if buying else -move)
        ledger = self.ledger
        ledger.apply_trade(order.account_id, market.symbol, buying, qty, price, gross, fee)
        if order.filled_qty + qty < order.qty:  # else _finish releases the whole reservation
            ledger.release(order.account_id, order.id, gross + fee)
        if not buying:
            self._untrack(order, qty)
        order.filled_qty += qty
        order.filled_notional += gross
        if self._charges_fees:
            order.fees += fee
        order.fill_numbers += (number,)
        if order.group is not None:
            order.group.on_fill(self, order)
        if order.filled_qty == order.qty:
            order.filled_ns = now
            self._finish(order, STATUS.FILLED, EVENT.FILL, None, fill=number)
        else:
            if order.status is STATUS.NEW or order.status is STATUS.PARTIALLY_FILLED:
                self._transition(order, STATUS.PARTIALLY_FILLED)
            order.updated_ns = now
            self.emit(EVENT.PARTIAL_FILL, order, number, None)

    # --- the fill log ---------------------------------------------------------------------------------------------
    @property
    def fill_count(self) -> int:
        return len(self._fill_log) // FILL_WIDTH

    def fill(self, number: int) -> Fill:
        """Fill ``number`` (from 0, in the order they happened), built from the log the first time it is read."""
        built = self._fills
        while len(built) <= number:
            n = len(built)
            (order_id, account_id, symbol, side, qty, price, fee, time_ns, arrival,
             liquidity) = self._fill_log[n * FILL_WIDTH:(n + 1) * FILL_WIDTH]
            slippage = ((price - arrival) / arrival * TEN_THOUSAND).quantize(BPS_PLACES)
            if side is SIDE.SELL:
                slippage = -slippage
            fill = Fill.__new__(Fill)  # frozen dataclass: setting its __dict__ is much faster than __init__
            object.__setattr__(fill, "__dict__", {
                "fill_id": self.fill_id(n + 1), "order_id": order_id, "account_id": account_id, "symbol": symbol,
                "side": side, "qty": qty, "price": price, "fee": fee, "time_ns": time_ns, "arrival_mid": arrival,
                "slippage_bps": slippage, "liquidity": liquidity})
            built.append(fill)
        return built[number]

    @property
    def fills(self) -> list[Fill]:
        """Every fill so far, oldest first."""
        count = self.fill_count
        if count:
            self.fill(count - 1)
        return self._fills

    def fills_of(self, order: WorkingOrder) -> list[Fill]:
        return [self.fill(n) for n in order.fill_numbers]

    def _fee(self, order: WorkingOrder, qty: int, gross: Decimal) -> Decimal:
        """Fees so the order's total is the fee formula on its cumulative fills, but at least the per-order minimum."""
        fees = self.config.fees
        if not (fees.per_share or fees.bps or fees.min_per_order):
            return ZERO
        total = fees.fee_for(order.filled_qty + qty, order.filled_notional + gross)
        total = max(total, fees.min_per_order)
        return max(ZERO, total - order.fees)

    # --- endings --------------------------------------------------------------------------------------------------
    def _transition(self, order: WorkingOrder, status: OrderStatus) -> None:
        if status not in ALLOWED.get(order.status, ()):
            raise IllegalTransition(f"order {order.id}: {order.status.value} -> {status.value} is not allowed")
        order.status = status
        order.updated_ns = self.clock._now_ns

    def _finish(self, order: WorkingOrder, status: OrderStatus, event: EventType, reason: RejectReason | None,
                note: RejectReason | None = None, fill: int | None = None) -> None:
        if status not in ALLOWED.get(order.status, ()):  # _transition, inline (every order ends here)
            self._transition(order, status)  # raises IllegalTransition
        order.status = status
        now = order.updated_ns = self.clock._now_ns
        if status is STATUS.CANCELED:
            order.canceled_ns = now
        elif status is STATUS.EXPIRED:
            order.expired_ns = now
        elif status is STATUS.REJECTED:
            order.reject_reason = reason
        if order.request.side is SIDE.SELL:
            self._untrack(order, order.qty - order.filled_qty)
        working = self.working.get(order.request.symbol)
        if working:
            working.pop(order.id, None)
        del self.open_orders_of[order.account_id][order.id]
        if order.request.extended_hours:
            self.market.extended_demand -= 1
        self.ledger.release(order.account_id, order.id)
        if self._unsized:
            self._unsized.discard(order.id)
        explained = reason or note
        self.emit(event, order, fill, explained.value if explained else None)
        if order.group is not None:
            order.group.on_finish(self, order)

    def before_market_event(self, event: MarketEvent, symbol: str) -> None:
        """A split changes what every price and quantity in ``symbol`` means: its open orders are canceled first
        (reason ``corporate_action``), as retail brokers do on the split date; the trader sends new ones."""
        if isinstance(event, Split):
            self.cancel_open_orders(symbol, RejectReason.CORPORATE_ACTION)

    def cancel_open_orders(self, symbol: str, reason: RejectReason) -> int:
        """Cancel every order in ``symbol`` that has not ended (on its way or at the venue), oldest first, each with
        a ``canceled`` event giving ``reason``; returns how many."""
        doomed = [order for open_orders in self.open_orders_of.values() for order in open_orders.values()
                  if order.request.symbol == symbol]
        for order in sorted(doomed, key=lambda o: o.created_ns):
            self._finish(order, STATUS.CANCELED, EVENT.CANCELED, None, reason)
        return len(doomed)

    # --- quantities that change: notional orders, bracket legs -------------------------------------------------------
    def _size_notional(self, order: WorkingOrder, market: SymbolMarket) -> bool:
        """A dollar order arriving: the shares it buys or sells at the touch now, to 9 places (rounded down); False
        (rejected) when that is nothing."""
        bid, ask = self.touch(market)
        price = ask if order.request.side is SIDE.BUY else bid
        shares = canonical_qty((order.request.notional / price).quantize(QTY_STEP, rounding=ROUND_DOWN))
        if not shares:
            self._finish(order, STATUS.REJECTED, EVENT.REJECTED, RejectReason.NOTIONAL_TOO_SMALL)
            return False
        self.set_qty(order, shares)
        return True

    def set_qty(self, order: WorkingOrder, qty) -> None:
        """Change an open order's quantity (a dollar order sized at the venue, a bracket leg following its entry or
        its sibling), keeping the open-sell count right."""
        change = qty - order.qty
        if change and order.request.side is SIDE.SELL and (order.group is None or order.group.counts(order)):
            key = (order.account_id, order.request.symbol)
            self.open_sells[key] = self.open_sells.get(key, 0) + change
        order.qty = qty

    def activate(self, order: WorkingOrder) -> None:
        """A held leg goes to the venue (its entry has filled): from now on it commits the shares it closes."""
        order.group.held.discard(order.id)
        if order.request.side is SIDE.SELL and order.group.counts(order):
            key = (order.account_id, order.request.symbol)
            self.open_sells[key] = self.open_sells.get(key, 0) + order.qty - order.filled_qty
        if order.request.extended_hours:
            self._extended_order_opens()
        self._send(order)

    def _extended_order_opens(self) -> None:
        market = self.market
        market.extended_demand += 1
        if market.extended_demand == 1:
            market.wake_for_extended_hours()

    def expire_day_orders(self, extended: bool = False) -> None:
        """Day orders end at the close; extended-hours day orders (``extended``) at the end of after-hours.
        Only open orders can expire: with none (most closes of a backtest) nothing is scanned, and with one
        account its open orders are scanned in the same (creation) order as all orders would be."""
        open_orders = [orders for orders in self.open_orders_of.values() if orders]
        if not open_orders:
            return
        candidates = open_orders[0].values() if len(open_orders) == 1 else self.orders.values()
        for order in list(candidates):
            if order.time_in_force is TIF.DAY and order.status not in _TERMINAL \
                    and order.request.extended_hours is extended:
                self._finish(order, STATUS.EXPIRED, EVENT.EXPIRED, None)
