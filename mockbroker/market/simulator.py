"""The simulated market: one ``SymbolMarket`` per symbol, moved forward by the broker's clock.

Rules:
- Every ``update_frequency`` ms of market time, each symbol's price model takes one step; active events bend the
  result (price, spread, displayed size, volatility); the book replenishes; the tape may print a trade; the
  current one-minute bar is updated. Then listeners (the execution engine) are told, so resting orders see
  every update.
- Randomness per symbol comes from named generators (``market/<SYMBOL>/price``, ``market/<SYMBOL>/tape``).
- Before the start, ``HISTORY_BARS`` one-minute bars of history are generated (ending at the start price), so a
  chart or a strategy has something to look at from the first second.
- The spread widens with the model's current volatility and in thin markets; the tape prints more at the open
  and the close than at midday (``microstructure``).
- Corporate actions: a split divides prices (the history's bars too) by its ratio; a dividend drops the price by
  its amount. Positions are the broker's business (``MockBroker.inject`` adjusts the ledger).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import numpy as np

from ..clock import NS_PER_MS, NS_PER_SECOND, VirtualClock
from ..config import MarketConfig, SymbolConfig
from ..domain import Bar, BookLevel, MarketState, OrderBook, Quote, Side, Trade
from ..errors import UnknownSymbol
from ..seeds import SeedBank
from .book import SyntheticBook, to_tick
from .events import Dividend, Effect, Gap, Halt, MarketEvent, OfferedLiquidity, Resume, Split, parse_event
from . import microstructure, session
from .models import TRADING_SECONDS_PER_DAY, PriceModel, create_model

BAR_SECONDS = 60
BAR_NS = BAR_SECONDS * NS_PER_SECOND
HISTORY_BARS = 120
AVERAGE_PRINT_SIZE = 100
PRICE_PLACES = Decimal("0.0001")
EXTENDED_LIQUIDITY = 0.2
"""In pre-market and after-hours trading the book shows a fifth of its regular depth..."""
EXTENDED_SPREAD = 3.0
"""...and the spread is three times as wide (extended hours trade a few percent of the day's volume)."""


@dataclass
class _BarBuilder:
    start_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: int = 0
    trades: int = 0
    notional: float = 0.0


class SymbolMarket:
    def __init__(self, symbol: SymbolConfig, market: MarketConfig, seeds: SeedBank, start_ns: int) -> None:
        self.config = symbol
        self.symbol = symbol.symbol
        self.market = market
        self.tick = symbol.tick_size
        self.model: PriceModel = create_model(market, float(symbol.price), seeds.generator(f"market/{self.symbol}/price"))
        self.tape_rng = seeds.generator(f"market/{self.symbol}/tape")
        self.book = SyntheticBook(self.tick)
        self.events: list[MarketEvent] = []
        self.halted = False
        self.effect = Effect()
        self.mid = self.model.price  # the symbol's price, or where a replay starts
        self.profile = microstructure.normalize_profile(market.params.get("volume_profile"))
        self.session_fraction = 0.5
        self.last_trade = Trade(self.symbol, to_tick(self.mid, self.tick, "ROUND_HALF_EVEN"), AVERAGE_PRINT_SIZE, start_ns)
        self.bars: list[Bar] = self._history(seeds.generator(f"history/{self.symbol}"), start_ns)
        self.current_bar: _BarBuilder | None = None
        self.high_water = self.mid
        self.extended_hours = False  # pre-market or after-hours: a thinner book and a wider spread
        self.fading = 0.0
        """Log price move of past trades' impact that is still to fade (``apply_impact``)."""
        self.fading_half_life = 0.0

    # --- history and bars -------------------------------------------------------------------------------------
    def _history(self, rng: np.random.Generator, start_ns: int) -> list[Bar]:
        dt = BAR_SECONDS / TRADING_SECONDS_PER_DAY
        sigma = self.market.volatility / 100.0 * math.sqrt(dt)
        returns = rng.standard_normal((HISTORY_BARS, 4)) * sigma / 2
        closes = self.mid / np.exp(np.cumsum(returns[::-1, 0]))[::-1]
        closes = np.append(closes[1:], self.mid)
        bars = []
        prev = closes[0] * math.exp(-returns[0, 1])
        for i, close in enumerate(closes):
            wiggle = abs(returns[i, 2:]) * max(prev, close)
            high, low = max(prev, close) + wiggle[0], min(prev, close) - wiggle[1]
            volume = int(self.config.daily_volume * dt * (0.5 + rng.random()))
            bars.append(Bar(self.symbol, start_ns - (HISTORY_BARS - i) * BAR_SECONDS * NS_PER_SECOND,
                            self._price(prev), self._price(high), self._price(low), self._price(close),
                            volume, max(1, volume // AVERAGE_PRINT_SIZE), self._price((high + low + close) / 3)))
            prev = close
        return bars

    def _price(self, value: float) -> Decimal:
        return to_tick(value, self.tick, "ROUND_HALF_EVEN")

    def _record(self, now_ns: int, price: float, volume: int = 0) -> None:
        start = now_ns - now_ns % BAR_NS
        bar = self.current_bar
        if bar is None or bar.start_ns != start:
            if bar is not None:
                self.bars.append(self._finish(bar))
            bar = self.current_bar = _BarBuilder(start, price, price, price, price)
        if price > bar.high:
            bar.high = price
        elif price < bar.low:
            bar.low = price
        bar.close = price
        if volume:
            bar.volume += volume
            bar.trades += 1
            bar.notional += price * volume

    def _finish(self, bar: _BarBuilder) -> Bar:
        vwap = self._price(bar.notional / bar.volume) if bar.volume else None
        return Bar(self.symbol, bar.start_ns, self._price(bar.open), self._price(bar.high), self._price(bar.low),
                   self._price(bar.close), bar.volume, bar.trades, vwap)

    def all_bars(self) -> list[Bar]:
        return self.bars + ([self._finish(self.current_bar)] if self.current_bar else [])

    # --- the update ----------------------------------------------------------------------------------------------
    def update(self, now_ns: int, dt_seconds: float, session_fraction: float | None = None) -> None:
        if session_fraction is not None:
            self.session_fraction = session_fraction
        effect = self._combined_effect(now_ns)
        if self.fading:
            self._fade_impact(dt_seconds)
        # The model hears where in the session this update falls only when the caller says (else it counts on)
        raw = self.model.step(dt_seconds / TRADING_SECONDS_PER_DAY, effect.volatility, session_fraction)
        self.effect = self._combined_effect(now_ns)
        self.mid = raw * self.effect.price
        self.book.replenish(dt_seconds)
        size = self._tape_print(dt_seconds)
        self._record(now_ns, self.mid)
        if size:
            bid, ask = self.touch()
            price = ask if self.tape_rng.random() < 0.5 else bid
            if self.effect.stub and self.tape_rng.random() < self.effect.stub:
                price = max(self.tick, to_tick(self.effect.stub_price, self.tick, "ROUND_HALF_EVEN"))
            self.last_trade = Trade(self.symbol, price, size, now_ns)
            self._record(now_ns, float(price), size)

    def _tape_print(self, dt_seconds: float) -> int:
        """Other participants' trades: a Poisson number of prints per update, each a geometric number of round lots
        (mean 2), so the day's volume is ``daily_volume``, shaped by the intraday profile."""
        if self.halted:
            return 0
        lot = microstructure.print_lot(self.config.daily_volume)
        rate = self.config.daily_volume * self.effect.volume * dt_seconds / TRADING_SECONDS_PER_DAY / (2 * lot)
        rate *= microstructure.volume_profile(self.session_fraction, self.profile) * self.model.activity()
        if self.extended_hours:
            rate *= EXTENDED_LIQUIDITY
        count = int(self.tape_rng.poisson(rate))
        if count == 0:
            return 0
        return int(lot * self.tape_rng.geometric(0.5, count).sum())

    def _combined_effect(self, now_ns: int) -> Effect:
        total = Effect()
        keep = []
        for event in self.events:
            elapsed = (now_ns - event.started_ns) / NS_PER_SECOND
            if event.finished(elapsed):
                self.model.shift(event.lasting_price_factor())
                if isinstance(event, OfferedLiquidity):
                    self.book.set_offered(None)
                if isinstance(event, Halt):
                    self.halted = False
                continue
            keep.append(event)
            e = event.effect(elapsed)
            total.price *= e.price
            total.spread *= e.spread
            total.liquidity *= e.liquidity
            total.volatility *= e.volatility
            total.volume *= e.volume
            if e.stub > total.stub:
                total.stub, total.stub_price = e.stub, e.stub_price
        self.events = keep
        return total

    # --- events ----------------------------------------------------------------------------------------------------
    def apply(self, event: MarketEvent, now_ns: int) -> None:
        event.started_ns = now_ns
        if isinstance(event, Halt):
            self.halted = True
            if event.duration_seconds:
                self.events.append(event)
            return
        if isinstance(event, Resume):
            self.halted = False
            self.events = [e for e in self.events if not isinstance(e, Halt)]
            return
        if isinstance(event, Gap):
            self.model.shift(1.0 + event.pct / 100.0)
            self.mid *= 1.0 + event.pct / 100.0
            return
        if isinstance(event, Split):
            self._split(event.ratio)
            return
        if isinstance(event, Dividend):
            factor = max(1e-6, 1.0 - event.amount / self.model.price)
            self.model.shift(factor)
            self.mid *= factor
            return
        if isinstance(event, OfferedLiquidity):
            self.book.set_offered(event.shares)
        self.events.append(event)
        self.effect = self._combined_effect(now_ns)
        self.mid = self.model.price * self.effect.price

    def _split(self, ratio: float) -> None:
        """Prices divide by the ratio, volumes multiply: the bars are split-adjusted, as data vendors show them."""
        self.model.shift(1.0 / ratio)
        self.mid /= ratio
        r = Decimal(repr(ratio))
        self.bars = [Bar(b.symbol, b.start_ns, self._price(float(b.open) / ratio), self._price(float(b.high) / ratio),
                         self._price(float(b.low) / ratio), self._price(float(b.close) / ratio),
                         int(b.volume * ratio), b.trade_count,
                         None if b.vwap is None else self._price(float(b.vwap) / ratio)) for b in self.bars]
        if self.current_bar is not None:
            bar = self.current_bar
            bar.open, bar.high, bar.low, bar.close = (v / ratio for v in (bar.open, bar.high, bar.low, bar.close))
            bar.volume = int(bar.volume * ratio)
        self.last_trade = Trade(self.symbol, self._price(float(self.last_trade.price / r)),
                                int(self.last_trade.size * ratio) or 1, self.last_trade.time_ns)

    # --- what traders see ------------------------------------------------------------------------------------------
    @property
    def spread_bps(self) -> float:
        return (self.market.spread * self.effect.spread * (EXTENDED_SPREAD if self.extended_hours else 1.0)
                * microstructure.vol_factor(self.model.vol_ratio()) * self.model.spread_shape()
                * microstructure.thin_factor(self.market.liquidity))

    @property
    def touch_size(self) -> float:
        return self.market.liquidity * self.effect.liquidity * (EXTENDED_LIQUIDITY if self.extended_hours else 1.0)

    def touch(self) -> tuple[Decimal, Decimal]:
        return self.book.touch(self.mid, self.spread_bps)

    def levels(self, side: Side) -> list[BookLevel]:
        """Bids for ``Side.BUY``, asks for ``Side.SELL``, best first."""
        return self.book.levels_for(side, self.mid, self.spread_bps, self.touch_size)

    def quote(self, now_ns: int) -> Quote:
        bids, asks = self.levels(Side.BUY), self.levels(Side.SELL)
        bid, ask = self.touch()
        return Quote(self.symbol, bids[0].price if bids else bid, asks[0].price if asks else ask,
                     bids[0].size if bids else 0, asks[0].size if asks else 0, self.last_trade.price, now_ns)

    def mid_decimal(self) -> Decimal:
        bid, ask = self.touch()
        return (bid + ask) / 2

    def state(self) -> MarketState:
        bid, ask = self.touch()
        mid = (bid + ask) / 2
        return MarketState(self.symbol, mid, ((ask - bid) / mid * 10_000).quantize(Decimal("0.01")),
                           round(self.market.volatility * self.effect.volatility * self.model.vol_ratio(), 4),
                           int(self.touch_size),
                           self.halted, tuple(e.describe() for e in self.events))

    def apply_impact(self, fraction: float, lasting: float = 1.0, half_life_s: float = 0.0) -> None:
        """Market impact of trades (execution engine): the price moves by ``fraction`` (+0.001 = up 10 bps) and
        the model carries on from there; all but ``lasting`` of the move fades away with a half-life of
        ``half_life_s`` seconds of market time (0: nothing fades)."""
        self.model.shift(1.0 + fraction)
        self.mid *= 1.0 + fraction
        if lasting < 1.0 and half_life_s > 0:
            self.fading += (1.0 - lasting) * math.log1p(fraction)
            self.fading_half_life = half_life_s

    def _fade_impact(self, dt_seconds: float) -> None:
        """Let the transient part of past trades' impact fade by one update."""
        gone = self.fading * -math.expm1(-math.log(2) * dt_seconds / self.fading_half_life)
        self.fading -= gone
        if abs(self.fading) < 1e-12:
            gone += self.fading
            self.fading = 0.0
        self.model.shift(math.exp(-gone))

    def print_trade(self, price: Decimal, size: int, now_ns: int) -> None:
        """Our own fills print on the tape too (the ``Trade`` is built when someone reads it)."""
        self._last_trade = (price, size, now_ns)
        self._record(now_ns, float(price), size)

    @property
    def last_trade(self) -> Trade:
        last = self._last_trade
        if last.__class__ is tuple:
            last = self._last_trade = Trade(self.symbol, *last)
        return last

    @last_trade.setter
    def last_trade(self, trade: Trade) -> None:
        self._last_trade = trade

    @property
    def last_trade_ns(self) -> int:
        last = self._last_trade
        return last[2] if last.__class__ is tuple else last.time_ns


class MarketSimulator:
    def __init__(self, clock: VirtualClock, market: MarketConfig, symbols: tuple[SymbolConfig, ...], seeds: SeedBank) -> None:
        self.clock = clock
        self.config = market
        self.symbols = {s.symbol: SymbolMarket(s, market, seeds, clock.now_ns()) for s in symbols}
        self.listeners: list[Callable[[str], None]] = []
        """Called with a symbol after its market updated or took an event (the engine matches then)."""
        self.event_listeners: list[Callable[[MarketEvent, str], None]] = []
        """Called with an injected event and a symbol just before the event applies (the engine cancels open
        orders before a split)."""
        self.interval_ns = market.update_frequency * NS_PER_MS
        self._session_close_ns = 0
        self._session_open_ns = 0
        self.extended_demand = 0
        """Open extended-hours orders (the engine counts them): while there are any, the market also updates in
        pre-market and after-hours trading, with a thinner book (``EXTENDED_LIQUIDITY``, ``EXTENDED_SPREAD``)."""
        self._extended_start_ns = self._extended_end_ns = 0
        self._next_update = self.clock.schedule_at(self._next_update_ns(clock.now_ns() + self.interval_ns),
                                                   self._update, "market update")
        first = self._next_update.due_ns  # where the first update falls: the models quote that time's shapes
        fraction = (first - self._session_open_ns) / (self._session_close_ns - self._session_open_ns)
        for market in self.symbols.values():
            market.model.begin(fraction, self.interval_ns / NS_PER_SECOND)

    def __getitem__(self, symbol: str) -> SymbolMarket:
        try:
            return self.symbols[symbol]
        except KeyError:
            raise UnknownSymbol(f"symbol {symbol!r} is not traded here (symbols: {', '.join(sorted(self.symbols))})",
                                symbol=symbol) from None

    def _update(self) -> None:
        now = self.clock.now_ns()
        dt = self.interval_ns / NS_PER_SECOND
        regular = self._session_open_ns <= now < self._session_close_ns
        if regular:
            fraction = (now - self._session_open_ns) / (self._session_close_ns - self._session_open_ns)
        else:  # extended hours: the volume profile's quiet ends
            fraction = 0.0 if now < self._session_open_ns else 1.0
        thin = not regular
        for market in self.symbols.values():
            market.extended_hours = thin
            market.update(now, dt, fraction)
        for symbol in self.symbols:
            for listener in self.listeners:
                listener(symbol)
        self._next_update = self.clock.schedule_at(self._next_update_ns(now + self.interval_ns), self._update,
                                                   "market update")

    def _next_update_ns(self, wanted_ns: int) -> int:
        """Outside the regular session nothing trades: past the close, the next update is at the next open (or, while
        extended-hours orders work, in the extended hours: from 04:00 to 20:00 New York on session days)."""
        if wanted_ns < self._session_close_ns and wanted_ns >= self._session_open_ns:
            return wanted_ns
        if self.extended_demand:
            if wanted_ns < self._extended_end_ns and not wanted_ns < self._extended_start_ns:
                return wanted_ns
            start, self._extended_end_ns = session.next_extended(wanted_ns)
            self._extended_start_ns = start
            self._session_open_ns, self._session_close_ns = session.session_bounds(start)
            return start
        due = session.next_open(wanted_ns)
        self._session_open_ns, self._session_close_ns = session.session_bounds(due)
        return due

    def wake_for_extended_hours(self) -> None:
        """An extended-hours order started working: if the market sleeps until the next open, update in the
        extended hours instead (called by the engine when ``extended_demand`` becomes 1)."""
        now = self.clock.now_ns()
        due = self._next_update_ns(now + self.interval_ns)
        if due < self._next_update.due_ns:
            self._next_update.cancel()
            self._next_update = self.clock.schedule_at(due, self._update, "market update")

    def inject(self, data: dict) -> MarketEvent:
        default = next(iter(self.symbols)) if len(self.symbols) == 1 else None
        event = parse_event(data, default_symbol=default)
        targets = [self[event.symbol]] if event.symbol else list(self.symbols.values())
        for market in targets:
            for listener in self.event_listeners:  # before the event: what is open still sees the old market
                listener(event, market.symbol)
            copy = type(event)(**{k: v for k, v in event.__dict__.items()})
            market.apply(copy, self.clock.now_ns())
        for symbol in [m.symbol for m in targets]:
            for listener in self.listeners:
                listener(symbol)
        return event
