"""Vectorized market data: ``n`` updates of one symbol as numpy arrays (time, bid, ask, last, volume), for the
``simulate`` command, the benchmarks and the statistical tests.

Rules:
- The same price model, drawing from the same named generator (``market/<SYMBOL>/price``), as the live simulator,
  so with no events a generated mid path is the live broker's model path; spread and volume use the same
  functions (``microstructure``). The tape (print counts, sizes, sides) is drawn vectorized here, so volumes and
  ``last`` differ from the live tape, by design: both come from ``market/<SYMBOL>/tape`` but in another order.
- Updates happen only inside regular sessions (09:30-16:00 New York, Monday to Friday), ``update_frequency`` ms
  apart, at the live simulator's times: the first one interval after the broker's start, then from each open.
- Events (a scenario's, or given with ``at_seconds``) bend the arrays with the shapes the live simulator uses
  (each event's own ``effect``): price, spread, volatility and volume factors while they last, their lasting
  price change after; a flash crash's optional stub-quote prints; a halt
  prints no trades; gaps, splits and dividends move the price at once.
- Prices are on the symbol's tick: the spread in whole ticks, centred on the mid (``microstructure.quote_ticks``,
  as the live book); ``last`` is the bid or the ask of the latest print. The same seed gives byte-identical output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..clock import DEFAULT_START, NS_PER_SECOND, to_ns
from ..config import BrokerConfig, SymbolConfig
from ..errors import ConfigurationError
from ..presets import apply_scenario
from ..seeds import SeedBank
from . import microstructure, session
from .events import Dividend, FlashCrash, Gap, Halt, MarketEvent, OfferedLiquidity, Resume, Split, parse_event
from .models import MODELS, TRADING_SECONDS_PER_DAY, HistoricalModel, create_model

@dataclass
class Ticks:
    symbol: str
    time_ns: np.ndarray
    mid: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    last: np.ndarray
    volume: np.ndarray
    tick: float

    def __len__(self) -> int:
        return len(self.mid)

    def write_csv(self, path: str | Path) -> Path:
        """``time,bid,ask,last,volume`` rows: ISO-8601 UTC times (ms), prices with the tick's decimals."""
        path = Path(path)
        places = max(0, -int(math.floor(math.log10(self.tick) + 1e-9))) if self.tick < 1 else 0
        times = np.datetime_as_string(self.time_ns.astype("datetime64[ns]").astype("datetime64[ms]"), unit="ms")
        fmt = f"%.{places}f"
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write("time,bid,ask,last,volume\n")
            body = np.char.add(np.char.add(times.astype(str), "Z,"), np.char.mod(fmt, self.bid))
            for column in (self.ask, self.last):
                body = np.char.add(np.char.add(body, ","), np.char.mod(fmt, column))
            body = np.char.add(np.char.add(body, ","), self.volume.astype(np.int64).astype(str))
            handle.write("\n".join(body.tolist()))
            handle.write("\n")
        return path


def session_times(start_ns: int, n: int, dt_seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """Times of ``n`` updates inside regular sessions from ``start_ns`` on, and each one's fraction of its session."""
    step_ns = int(round(dt_seconds * NS_PER_SECOND))
    per_session = -(-int(session.SESSION_SECONDS * NS_PER_SECOND) // step_ns)  # as the live simulator: open, open + dt, ...
    times = np.empty(n, dtype=np.int64)
    fractions = np.empty(n)
    done = 0
    moment = start_ns + step_ns  # as the live simulator: the first update one interval after the start
    while done < n:
        first = session.next_open(moment)  # ``moment`` itself inside a session, else the next open
        open_ns, close_ns = session.session_bounds(first)  # holidays and early closes from the NYSE calendar
        count = min(n - done, max(0, (close_ns - first + step_ns - 1) // step_ns), per_session)
        k = np.arange(count, dtype=np.int64)
        times[done:done + count] = first + k * step_ns
        fractions[done:done + count] = (times[done:done + count] - open_ns) / (close_ns - open_ns)
        done += count
        moment = close_ns
    return times, fractions


def _event_window(event: MarketEvent, start: int, n: int, dt: float) -> int:
    if isinstance(event, FlashCrash):
        total = float(event.duration_seconds or 0) + event.recovery_seconds
    elif event.duration_seconds is None:
        return n
    else:
        total = float(event.duration_seconds)
    return min(n, start + int(math.ceil(total / dt)))


def _effects(event: MarketEvent, elapsed: np.ndarray) -> tuple:
    """The event's price, spread, liquidity, volatility and volume factors and stub share at each ``elapsed``
    second: the event's own ``effect``, so the generator and the live simulator bend the market alike."""
    if isinstance(event, FlashCrash):
        effects = [event.effect(float(t)) for t in elapsed]
        return tuple(np.array([getattr(e, name) for e in effects])
                     for name in ("price", "spread", "liquidity", "volatility", "volume", "stub"))
    e = event.effect(0.0)
    return e.price, e.spread, e.liquidity, e.volatility, e.volume, e.stub


def generate(config: BrokerConfig, steps: int, symbol: str | None = None, events: Sequence[dict] = (),
             start_ns: int | None = None) -> Ticks:
    """``steps`` updates of ``symbol`` (default: the first configured) under ``config`` and its scenario, plus
    ``events`` (dicts as ``MockBroker.inject`` takes them, ``at_seconds`` after the start)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ConfigurationError(f"steps={steps!r}: must be a whole number >= 1")
    effective, opening = apply_scenario(config, frozenset(MODELS))
    symbols = {s.symbol: s for s in effective.symbols}
    name = symbol or next(iter(symbols))
    if name not in symbols:
        raise ConfigurationError(f"symbol={name!r}: not one of the configured symbols ({', '.join(symbols)})")
    sym: SymbolConfig = symbols[name]
    market = effective.market
    seeds = SeedBank(config.seed)
    model = create_model(market, float(sym.price), seeds.generator(f"market/{name}/price"))
    tape = seeds.generator(f"market/{name}/tape")
    dt = market.update_frequency / 1000.0
    n = steps
    times, fractions = session_times(to_ns(DEFAULT_START) if start_ns is None else start_ns, n, dt)

    price_f, spread_f, vol_f, volume_f = np.ones(n), np.ones(n), np.ones(n), np.ones(n)
    stub_share, stub_price = np.zeros(n), 0.01
    halted = np.zeros(n, dtype=bool)
    jumps: list[tuple[int, MarketEvent]] = []
    offered: list[tuple[int, int, int | None]] = []
    for data in list(opening) + [dict(e) for e in events]:
        event = parse_event(data, default_symbol=name)
        if event.symbol not in (None, name):
            continue
        start = min(n, int(round(float(data.get("at_seconds") or 0.0) / dt)))
        end = _event_window(event, start, n, dt)
        if isinstance(event, (Gap, Split, Dividend)):
            jumps.append((start, event))
            continue
        if isinstance(event, Halt):
            halted[start:end] = True
            continue
        if isinstance(event, Resume):
            halted[start:] = False
            continue
        if isinstance(event, OfferedLiquidity):
            offered.append((start, end, event.shares))
            continue
        elapsed = (np.arange(start, end) - start + 1) * dt
        p, s, _, v, w, stub = _effects(event, elapsed)  # displayed size: no book here
        price_f[start:end] *= p
        spread_f[start:end] *= s
        vol_f[start:end] *= v
        volume_f[start:end] *= w
        stub_share[start:end] = np.maximum(stub_share[start:end], stub)
        if isinstance(event, FlashCrash):
            stub_price = event.stub_price
        price_f[end:] *= event.lasting_price_factor()

    if isinstance(model, HistoricalModel):
        recorded = model.path_volumes(n)
    raw = model.path(n, dt / TRADING_SECONDS_PER_DAY, vol_f, fractions)
    for start, event in sorted(jumps, key=lambda item: item[0]):
        if start >= n:
            continue
        if isinstance(event, Gap):
            price_f[start:] *= 1.0 + event.pct / 100.0
        elif isinstance(event, Split):
            price_f[start:] /= event.ratio
        else:
            level = raw[start] * price_f[start]
            price_f[start:] *= max(1e-6, 1.0 - event.amount / level)
    mid = raw * price_f

    ratios = np.sqrt(model.last_ratios) if model.last_ratios is not None else np.ones(n)
    shapes = model.last_spread_shapes if model.last_spread_shapes is not None else 1.0
    spread_bps = (market.spread * spread_f * microstructure.vol_factor(ratios) * shapes
                  * microstructure.thin_factor(market.liquidity))
    tick = float(sym.tick_size)
    bid_ticks, ask_ticks = microstructure.quote_ticks(mid, spread_bps, tick)

    profile = microstructure.normalize_profile(market.params.get("volume_profile"))
    if isinstance(model, HistoricalModel):
        volume = recorded.astype(np.int64)
    else:
        lot = microstructure.print_lot(sym.daily_volume)
        activity = model.last_activity if model.last_activity is not None else 1.0
        rate = (sym.daily_volume * volume_f * dt / TRADING_SECONDS_PER_DAY / (2 * lot)
                * microstructure.volume_profile(fractions, profile) * activity)
        counts = tape.poisson(rate)
        # each print is a geometric number of lots (1, 2, 3, ...; mean 2): k prints make k + NegBin(k, 1/2) lots
        lots = counts.astype(np.int64)
        printed = counts > 0
        lots[printed] += tape.negative_binomial(counts[printed], 0.5)
        volume = lot * lots
    volume = np.where(halted, 0, volume)
    for start, end, shares in offered:
        if shares is not None:
            volume[start:end] = np.minimum(volume[start:end], shares)
    at_ask = tape.random(n) < 0.5
    print_ticks = np.where(at_ask, ask_ticks, bid_ticks)
    if stub_share.any():  # stub-quote prints (a flash crash's option): a share of the prints at an absurd price
        stubbed = (tape.random(n) < stub_share) & (volume > 0)
        print_ticks = np.where(stubbed, max(1.0, round(stub_price / tick)), print_ticks)
    printed_at = np.where(volume > 0, np.arange(n), -1)
    latest = np.maximum.accumulate(printed_at)
    start_ticks = np.round(float(sym.price) / tick)
    last_ticks = np.where(latest >= 0, print_ticks[np.maximum(latest, 0)], start_ticks)
    return Ticks(name, times, mid, bid_ticks * tick, ask_ticks * tick, last_ticks * tick, volume, tick)


def opening_spread_factor(config: BrokerConfig) -> float:
    """How many times ``marketConfig.spread`` the market quotes at the first update of a session (after the
    scenario's preset): the realistic model's intraday spread shape at the open, 1 for the models without one.
    The steps use it so that "a spread of 2 cents" is the spread quoted as a scene starts, at 09:30."""
    market = apply_scenario(config, frozenset(MODELS))[0].market
    model = create_model(market, float(config.symbols[0].price), np.random.default_rng(0))
    dt = market.update_frequency / 1000.0
    model.begin(min(1.0, dt / session.SESSION_SECONDS), dt)  # the first update, one interval after the open
    return model.spread_shape()


def generate_many(config: BrokerConfig, steps: int, events: Sequence[dict] = ()) -> dict[str, Ticks]:
    """``generate`` for every configured symbol."""
    return {s.symbol: generate(config, steps, s.symbol, events) for s in config.symbols}
