"""The backtest runner: replay history through a broker and call the strategy on every bar.

The timeline of bar ``i`` (the same in both modes):
1. the market opens at bar ``i``'s open price;
2. the strategy's ``on_bar(bar i-1, broker)`` runs: the previous bar is complete, the broker quotes bar ``i``'s
   open, and a market order sent now trades at that open;
3. the rest of bar ``i`` happens (resting orders meet its range), and the equity is marked at its close.
The last bar is only marked: an order decided on it could never fill, so ``on_bar`` is not called for it. This is
backtesting.py's order of events (``next()`` on bar ``i-1``'s close, fills at bar ``i``'s open), seen from the
moment of the fill, so sizing "all of the equity" uses the price the order fills at, as backtesting.py does.

Modes:
- ``ideal``: ``IdealBroker`` -- fills at the open, no spread, no slippage, no latency, ``commission`` x notional.
- ``realistic``: a ``MockBroker`` whose market follows the history (``replay.HistoryDriver``), one session per bar,
  with the mock's execution models: latency, the synthetic book (spread, displayed size, depth), slippage, impact
  and fees. Settings in ``RealisticExecution``; the commission rate is charged as fees there too, so the two modes
  differ by execution alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from ..config import AccountConfig, BrokerConfig, ExecutionConfig, FeeConfig, MarketConfig, SymbolConfig
from ..domain import EventType, Fill
from ..market import session
from ..market.microstructure import quote_ticks
from ..seeds import DEFAULT_SEED
from .data import History, load_history
from .ideal import IdealBroker
from .replay import CLOSE_POINT_NS, HistoryDriver, SettlingBroker
from .results import BacktestResult, statistics, trades_from_fills
from .strategies import load_strategy

MODES = ("ideal", "realistic")
FILL_EVENTS = (EventType.FILL, EventType.PARTIAL_FILL)


@dataclass(frozen=True)
class RealisticExecution:
    """How the mock executes in realistic mode. ``execution`` and ``market`` pass any further ``ExecutionConfig`` /
    ``MarketConfig`` fields through (by their snake_case or camelCase names)."""

    spread_bps: float = 4.0
    liquidity: int = 2_000
    slippage_bps: float = 1.0
    latency_min_ms: float = 20.0
    latency_max_ms: float = 60.0
    fee_per_share: Decimal = Decimal("0.005")
    fee_min_per_order: Decimal = Decimal("1.00")
    seed: int = DEFAULT_SEED
    execution: dict = field(default_factory=dict)
    market: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["fee_per_share"], data["fee_min_per_order"] = str(self.fee_per_share), str(self.fee_min_per_order)
        return data


class Backtest:
    """``Backtest(data, "sma_crossover", mode="realistic", cash=10_000).run()`` -> ``BacktestResult``.

    ``data``: a CSV path, a DataFrame with OHLC(V) columns, or a ``History``. ``strategy``: a name in
    ``STRATEGIES``, ``"module:Class"``, a class or an instance; ``parameters`` go to its constructor.
    """

    def __init__(self, data: Any, strategy: Any, *, mode: str = "ideal", cash: float | Decimal = 10_000,
                 commission: float = 0.0, symbol: str | None = None, parameters: dict | None = None,
                 realistic: RealisticExecution | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode={mode!r}: must be one of {', '.join(MODES)}")
        if not 0 <= commission < 0.1:
            raise ValueError(f"commission={commission!r}: must be a rate from 0 to 0.1 (0.002 = 0.2%)")
        if not float(cash) > 0:
            raise ValueError(f"cash={cash!r}: must be above 0")
        self.history = data if isinstance(data, History) else load_history(data, symbol)
        self.strategy_spec = strategy
        self.parameters = dict(parameters or {})
        self.mode = mode
        self.cash = Decimal(str(cash))
        self.commission = float(commission)
        self.realistic = realistic or RealisticExecution()

    skip_quiet_bars = True
    """Realistic mode: skip the mock on quiet bars, and the extremes of bars nothing could see them in (the same
    results, faster; tests turn it off to compare)."""

    def run(self) -> BacktestResult:
        strategy = load_strategy(self.strategy_spec, **self.parameters)
        if self.mode == "ideal":
            equity, fills, settings = self._run_ideal(strategy)
        else:
            equity, fills, settings = self._run_realistic(strategy)
        return self._result(strategy, equity, fills, settings)

    # --- ideal ----------------------------------------------------------------------------------------------------
    def _run_ideal(self, strategy: Any) -> tuple[list[float], list[tuple[int, Fill]], dict]:
        history = self.history
        broker = IdealBroker(history.symbol, self.cash, self.commission)
        on_bar, events, closes = strategy.on_bar, broker.events, history.close
        equity = [0.0] * len(history)
        fills: list[tuple[int, Fill]] = []
        seen, previous = 0, None
        for i, bar in enumerate(history.bars):
            broker.open_bar(bar)
            if previous is not None:
                on_bar(previous, broker)
            broker.close_bar(bar)
            equity[i] = broker.equity_at(closes[i])
            if len(events) != seen:
                fills.extend((i, e.fill) for e in events[seen:] if e.fill is not None)
                seen = len(events)
            previous = bar
        broker.after_last_bar()
        broker.cancel_all_orders()
        return equity, fills, {"commission": self.commission}

    # --- realistic ------------------------------------------------------------------------------------------------
    def _realistic_broker(self):
        from ..broker import MockBroker

        r = self.realistic
        history = self.history
        market = MarketConfig.from_dict({"model": "random_walk", "volatility": min(100.0, history.daily_volatility_pct),
                                         "drift": 0.0, "spread": r.spread_bps, "liquidity": r.liquidity,
                                         "update_frequency": 3_600_000, **r.market})
        fees = FeeConfig(per_share=r.fee_per_share, min_per_order=r.fee_min_per_order,
                         bps=Decimal(repr(self.commission)) * 10_000)
        execution = ExecutionConfig.from_dict({"latency_min": r.latency_min_ms, "latency_max": r.latency_max_ms,
                                               "slippage_bps": r.slippage_bps, "fees": fees, **r.execution})
        bar_volume = sorted(history.volume)[len(history) // 2]  # the median bar's; a day has bars_per_day of them
        symbol = SymbolConfig(symbol=history.symbol, price=history.bars[0].open,
                              daily_volume=max(1, int(bar_volume * history.bars_per_day)))
        config = BrokerConfig(market=market, execution=execution, symbols=(symbol,),
                              accounts=(AccountConfig(id="default", cash=self.cash),), seed=r.seed)
        return MockBroker(config)

    def _run_realistic(self, strategy: Any) -> tuple[list[float], list[tuple[int, Fill]], dict]:
        """Each bar: the mock runs to the bar's session open, takes its open price, the strategy sees the
        previous bar, the price walks the bar's path, the equity is marked at the close.

        Skipping quiet bars: when the mock is ``idle()`` after a bar (no order open, nothing pending or scheduled
        but the sessions' own events), the next bars do not run the mock unless the strategy uses the broker:
        their equity is the account's at each close's mark, and the strategy's first use of the broker brings the
        mock up to that bar's open (``HistoryDriver.open_idle_session``: ``MockBroker.skip_idle_sessions``).
        Nothing a strategy can see or a fill can depend on differs (tests/backtest/test_backtest_speed_results.py
        pins the fills)."""
        history = self.history
        mock = self._realistic_broker()
        driver = HistoryDriver(mock, history.symbol)
        driver.skip_unseen_extremes = self.skip_quiet_bars
        broker = SettlingBroker(mock)
        on_bar, engine, equity_of = strategy.on_bar, mock.engine, mock.account_equity
        ledger_equity, account = mock.ledger.equity, "default"
        bars, opens, highs, lows, closes = history.bars, history.open, history.high, history.low, history.close
        equity = [0.0] * len(history)
        fills: list[tuple[int, Fill]] = []
        seen, previous = 0, None
        open_session, set_price, walk = driver.open_session, driver.set_price, driver.walk_prices
        ran = _MockProgress(mock, driver, opens, closes)
        catch_up = ran.catch_up
        for i, bar in enumerate(bars):
            if ran.idle and previous is not None and self.skip_quiet_bars:
                ran.target = i
                broker.before_use = catch_up
                on_bar(previous, broker)
                if broker.before_use is not None:  # the strategy did not look: the bar passes without the mock
                    broker.before_use = None
                    equity[i] = float(ledger_equity(account, ran))  # (idle: no fault rule to consult)
                    previous = bar
                    continue
                open_ns = ran.open_ns  # the mock ran up to this bar's open when the strategy looked
            else:
                open_ns = open_session(first=i == 0)
                set_price(opens[i])
                if previous is not None:
                    on_bar(previous, broker)
            walk(open_ns, opens[i], highs[i], lows[i], closes[i])
            ran.ran(i, open_ns)
            equity[i] = float(equity_of())
            if engine.fill_count != seen:  # the fills of this bar, as the engine logged them
                fills.extend((i, engine.fill(n)) for n in range(seen, engine.fill_count))
                seen = engine.fill_count
            previous = bar
        mock.cancel_all_orders()
        settings = {"commission": self.commission, "realistic": self.realistic.to_dict(),
                    "market_adapter": "mockbroker.backtest.replay.HistoryDriver (one session per bar)"}
        return equity, fills, settings

    # --- results --------------------------------------------------------------------------------------------------
    def _result(self, strategy: Any, equity: list[float], fills: list[tuple[int, Fill]], settings: dict) -> BacktestResult:
        history = self.history
        closes = list(history.close)
        trades, still_open = trades_from_fills(fills, list(history.times_ns), closes[-1])
        stats = statistics(equity, closes, trades, still_open, history.periods_per_year)
        fees = sum(float(f.fee) for _, f in fills)
        slippage, drag = _slippage_and_drag(fills, equity, float(self.cash))
        name = getattr(strategy, "name", None) or type(strategy).__name__
        parameters = dict(getattr(strategy, "parameters", None) or self.parameters)
        return BacktestResult(
            mode=self.mode, symbol=history.symbol, strategy=name, parameters=parameters,
            start=_day(history.times_ns[0]), end=_day(history.times_ns[-1]), bars=len(history),
            starting_cash=float(self.cash), fees=fees, slippage=slippage, cost_drag_pct=drag * 100,
            trades=trades, open_trades=still_open, times_ns=list(history.times_ns), equity_curve=equity,
            closes=closes, settings={"mode": self.mode, "cash": str(self.cash), **settings}, fills=fills, **stats)


class _MockProgress:
    """How far the realistic run has taken the mock: the last bar it ran (its clock at that bar's close point), that
    bar's session open, and whether the mock was idle after it. While it is idle nothing in it changes, so the
    bars it skips are marked at their closes' touch, computed for all closes at once (the same float operations as
    the book's, ``microstructure.quote_ticks``) for the spread and price factor of the stretch."""

    MAX_MARK_TABLES = 4  # after this many changes of spread or price factor, marks are computed bar by bar

    def __init__(self, mock: Any, driver: HistoryDriver, opens: tuple[float, ...], closes: tuple[float, ...]) -> None:
        self.mock, self.driver, self.opens, self.closes = mock, driver, opens, closes
        self.bar, self.bar_open_ns, self.idle = -1, 0, False
        self.target = 0  # the bar ``catch_up`` runs the mock to
        self.open_ns = 0  # and that bar's session open, once it did
        self.symbol, self.tick = driver.symbol, driver.market.tick
        self._table_for: tuple | None = None
        self._tables = 0
        self._ticks: tuple[list[int], list[int]] | None = None

    def ran(self, bar: int, open_ns: int) -> None:
        self.bar, self.bar_open_ns = bar, open_ns
        self.idle = idle = self.mock.idle()
        if idle:
            market = self.driver.market
            key = (market.spread_bps, market.effect.price)
            if key != self._table_for:
                self._table_for = key
                self._tables += 1
                self._ticks = self._touch_ticks(*key) if self._tables <= self.MAX_MARK_TABLES else None

    def _touch_ticks(self, spread_bps: float, factor: float) -> tuple[list[int], list[int]]:
        market = self.driver.market
        bids, asks = quote_ticks(np.asarray(self.closes, dtype=float) * factor, spread_bps, market.book._tick_float)
        return bids.astype(np.int64).tolist(), asks.astype(np.int64).tolist()

    def get(self, symbol: str, default: Any = None) -> Any:
        """``marks.get``: the mark of ``symbol`` at the close of bar ``target`` (the mock skipped it)."""
        if symbol != self.symbol:
            return default
        ticks = self._ticks
        if ticks is None:
            return self.driver.mark_at(self.closes[self.target])
        # (bid + ask) / 2 with bid and ask whole ticks times the tick: the same Decimal, value and places
        return Decimal(ticks[0][self.target] + ticks[1][self.target]) * self.tick / 2

    def catch_up(self) -> None:
        """Bring the mock to bar ``target``'s open and price, as if every bar since the last one it ran had run
        (they were idle: nothing but their prices would have changed, and nobody looked): the clock jumps to the
        bar's session open, the book is replenished, the open price is set."""
        self.open_ns = bar_open_after(self.bar_open_ns, self.target - self.bar)
        self.driver.open_idle_session(self.open_ns)
        self.driver.set_price(self.opens[self.target])


def bar_open_after(open_ns: int, bars: int) -> int:
    """The session open of the bar ``bars`` bars after the one that opened at ``open_ns``, as
    ``HistoryDriver.open_session`` counts them: from a bar's close point, the next close, then the next open (so
    after an early close, which is before the close point, a session is passed over). The same as
    ``next_open(next_close(open + CLOSE_POINT_NS))`` ``bars`` times, stepping through the sessions once."""
    sessions = session.sessions_from(open_ns)
    s = next(sessions)
    point = open_ns + CLOSE_POINT_NS
    for _ in range(bars):
        while s.close_ns <= point:  # the session whose close is after the close point...
            s = next(sessions)
        s = next(sessions)  # ...and the one after it
        point = s.open_ns + CLOSE_POINT_NS
    return s.open_ns


def _slippage_and_drag(fills: list[tuple[int, Fill]], equity: list[float], cash: float) -> tuple[float, float]:
    slippage = 0.0
    cost_by_bar: dict[int, float] = {}
    for bar, fill in fills:
        slip = float((fill.price - fill.arrival_mid) * fill.qty * fill.side.sign)
        slippage += slip
        cost_by_bar[bar] = cost_by_bar.get(bar, 0.0) + slip + float(fill.fee)
    kept = 1.0
    for bar, cost in cost_by_bar.items():
        before = equity[bar - 1] if bar else cash
        if before > 0:
            kept *= max(0.0, 1 - cost / before)
    return slippage, 1 - kept


def _day(ns: int) -> str:
    from ..clock import iso

    return iso(ns)[:10] if ns % (86_400 * 10**9) == 0 else iso(ns)


def run_backtest(strategy: Any, data: Any, **options: Any) -> BacktestResult:
    """One call: ``run_backtest("sma_crossover", "GOOG.csv", mode="ideal", parameters={"fast": 10, "slow": 20})``."""
    return Backtest(data, strategy, **options).run()


__all__ = ["Backtest", "RealisticExecution", "run_backtest", "MODES"]
