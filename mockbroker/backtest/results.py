"""What a backtest produces: the equity curve, the trades, the statistics; as an object, as JSON, as a chart.

Definitions (``equity`` is the account's equity at each bar's close, positions marked at the close):
- ``return_pct`` = final / starting equity - 1, in percent.
- ``annual_volatility_pct`` = standard deviation (ddof 1) of bar-to-bar equity returns x sqrt(bars a year).
- ``sharpe`` = mean / standard deviation of those returns x sqrt(bars a year), risk-free rate 0.
- ``max_drawdown_pct`` = the deepest fall of equity from its running peak, in percent (negative, as
  backtesting.py prints it).
- ``win_rate_pct`` = closed trades with a positive P&L (after fees) / closed trades.
- ``exposure_pct`` = bars during which a position was held at some time (from a trade's entry bar to its exit bar,
  both included, as backtesting.py counts) / all bars.
- ``fees`` = commissions and fees paid; ``slippage`` = what fills cost against the price the order was sent at
  (the bar's open in both modes: ``(fill - reference) x qty``, signed against the trader, so it includes the
  half-spread, book walking and slippage), in money.
- ``cost_drag_pct`` = how much of the equity execution costs took, compounded: 1 - prod(1 - cost of the fills of
  a bar / equity before them). With all-in sizing, final equity with costs ~= final equity without x (1 - drag).
- Trades are built from the fills first-in first-out: a fill that reduces a position closes the oldest open lots;
  each closed lot is one trade, its P&L = size x (exit - entry) minus its share of both fills' fees. A lot closed
  by several fills in one bar (a cover sent in parts) is one trade at their average exit price. Times are the bars'
  times in the history (in realistic mode the mock's own clock runs one session per bar, on its own calendar).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from ..clock import iso
from ..domain import Fill


@dataclass(frozen=True)
class TradeRecord:
    """One round trip. ``size`` is signed (negative = short). Bars are indices into the history."""

    size: int
    entry_bar: int
    exit_bar: int | None
    entry_price: float
    exit_price: float | None
    entry_time: str
    exit_time: str | None
    pnl: float
    fees: float

    @property
    def return_pct(self) -> float:
        if self.exit_price is None:
            return 0.0
        return math.copysign(1, self.size) * (self.exit_price / self.entry_price - 1) * 100


@dataclass
class _Lot:
    size: int
    price: Decimal
    bar: int
    fee_per_share: Decimal
    closed_at: int | None = None  # the bar of this lot's last closing fill, to merge fills of one bar


def trades_from_fills(fills: Iterable[tuple[int, Fill]], times_ns: list[int],
                      last_price: float | None = None) -> tuple[list[TradeRecord], list[TradeRecord]]:
    """Closed trades and the trades still open, from (bar index, fill) pairs in time order. Times are the bars'.
    A lot closed by several fills in the same bar (a cover sent in parts) is one trade at their average price."""
    lots: list[_Lot] = []
    closed: list[TradeRecord] = []
    last_lot: _Lot | None = None
    for bar, fill in fills:
        sign = fill.side.sign
        remaining = fill.qty
        fee_per_share = fill.fee / fill.qty
        while remaining and lots and lots[0].size * sign < 0:
            lot = lots[0]
            qty = min(remaining, abs(lot.size))
            size = qty if lot.size > 0 else -qty
            fees = (lot.fee_per_share + fee_per_share) * qty
            pnl = size * (fill.price - lot.price) - fees
            trade = TradeRecord(size, lot.bar, bar, float(lot.price), float(fill.price), iso(times_ns[lot.bar]),
                                iso(times_ns[bar]), float(pnl), float(fees))
            if last_lot is lot and lot.closed_at == bar and closed:
                previous = closed.pop()
                total = previous.size + size
                exit_price = (previous.exit_price * previous.size + float(fill.price) * size) / total
                trade = TradeRecord(total, lot.bar, bar, float(lot.price), exit_price, trade.entry_time,
                                    trade.exit_time, previous.pnl + float(pnl), previous.fees + float(fees))
            closed.append(trade)
            lot.closed_at, last_lot = bar, lot
            lot.size += sign * qty
            remaining -= qty
            if lot.size == 0:
                lots.pop(0)
        if remaining:
            lots.append(_Lot(sign * remaining, fill.price, bar, fee_per_share))
    still_open = []
    for lot in lots:
        fees = lot.fee_per_share * abs(lot.size)
        pnl = lot.size * (last_price - float(lot.price)) - float(fees) if last_price is not None else -float(fees)
        still_open.append(TradeRecord(lot.size, lot.bar, None, float(lot.price), None, iso(times_ns[lot.bar]), None,
                                      pnl, float(fees)))
    return closed, still_open


@dataclass
class BacktestResult:
    mode: str
    symbol: str
    strategy: str
    parameters: dict
    start: str
    end: str
    bars: int
    starting_cash: float
    final_equity: float
    return_pct: float
    buy_and_hold_return_pct: float
    annual_volatility_pct: float
    sharpe: float
    max_drawdown_pct: float
    win_rate_pct: float
    exposure_pct: float
    fees: float
    slippage: float
    cost_drag_pct: float
    trades: list[TradeRecord]
    open_trades: list[TradeRecord]
    times_ns: list[int] = field(repr=False)
    equity_curve: list[float] = field(repr=False)
    closes: list[float] = field(repr=False)
    settings: dict = field(default_factory=dict)
    fills: list[tuple[int, Fill]] = field(default_factory=list, repr=False, compare=False)
    """Every fill, with the index of the bar it happened in, oldest first (not in ``to_dict``: the trades are)."""

    @property
    def trade_count(self) -> int:
        return len(self.trades)

    def fills_sha256(self) -> str:
        """A fingerprint of every fill (``fills_sha256``): equal for runs that filled exactly the same way."""
        return fills_sha256(self.fills)

    # --- representations ----------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        data = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.name not in _NOT_IN_DICT}
        data["trade_count"] = self.trade_count
        data["trades"] = [_trade_dict(t) for t in self.trades]
        data["open_trades"] = [_trade_dict(t) for t in self.open_trades]
        data["equity_curve"] = [{"time": iso(t), "equity": round(e, 6)} for t, e in zip(self.times_ns, self.equity_curve)]
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def save_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    SUMMARY_ROWS = (
        ("Mode", "mode", "{}"), ("Symbol", "symbol", "{}"), ("Strategy", "strategy", "{}"),
        ("Start", "start", "{}"), ("End", "end", "{}"), ("Bars", "bars", "{:,}"),
        ("Starting cash [$]", "starting_cash", "{:,.2f}"), ("Final equity [$]", "final_equity", "{:,.2f}"),
        ("Return [%]", "return_pct", "{:.2f}"), ("Buy & hold return [%]", "buy_and_hold_return_pct", "{:.2f}"),
        ("Volatility (ann.) [%]", "annual_volatility_pct", "{:.2f}"), ("Sharpe ratio", "sharpe", "{:.3f}"),
        ("Max. drawdown [%]", "max_drawdown_pct", "{:.2f}"), ("Trades", "trade_count", "{:,}"),
        ("Win rate [%]", "win_rate_pct", "{:.2f}"), ("Exposure [%]", "exposure_pct", "{:.2f}"),
        ("Fees [$]", "fees", "{:,.2f}"), ("Slippage [$]", "slippage", "{:,.2f}"),
        ("Execution cost drag [%]", "cost_drag_pct", "{:.2f}"),
    )

    def summary_rows(self) -> list[tuple[str, str]]:
        return [(label, fmt.format(getattr(self, name))) for label, name, fmt in self.SUMMARY_ROWS]

    def summary_table(self) -> str:
        rows = self.summary_rows()
        width = max(len(label) for label, _ in rows)
        value_width = max(len(value) for _, value in rows)
        return "\n".join(f"{label:<{width}}  {value:>{value_width}}" for label, value in rows)

    def save_chart(self, path: str | Path, compare: "BacktestResult | None" = None) -> Path:
        """A PNG: price with entries and exits, then equity (and ``compare``'s, e.g. the ideal run), then drawdown."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np

        times = np.array(self.times_ns, dtype="datetime64[ns]")
        equity = np.asarray(self.equity_curve)
        fig, (ax_price, ax_equity, ax_dd) = plt.subplots(3, 1, figsize=(11, 8), sharex=True,
                                                         gridspec_kw={"height_ratios": [3, 3, 1.2]})
        ax_price.plot(times, self.closes, color="#444", linewidth=0.8, label=f"{self.symbol} close")
        from matplotlib.collections import LineCollection
        from matplotlib.dates import date2num

        everything = list(self.trades) + list(self.open_trades)
        for is_long, marker, color in ((True, "^", "#1a9850"), (False, "v", "#d73027")):
            chosen = [t for t in everything if (t.size > 0) == is_long]
            if not chosen:
                continue
            ax_price.scatter(times[[t.entry_bar for t in chosen]], [t.entry_price for t in chosen], marker=marker,
                             color=color, s=18, zorder=3, label="long entry" if is_long else "short entry")
            segments = [[(date2num(times[t.entry_bar]), t.entry_price), (date2num(times[t.exit_bar]), t.exit_price)]
                        for t in chosen if t.exit_bar is not None]
            ax_price.add_collection(LineCollection(segments, colors=color, linewidths=1.0, alpha=0.7))
        ax_price.set_ylabel("price")
        ax_price.legend(loc="upper left")
        ax_price.set_title(f"{self.strategy} on {self.symbol} ({self.mode}): return {self.return_pct:.1f}%, "
                           f"Sharpe {self.sharpe:.2f}, max drawdown {self.max_drawdown_pct:.1f}%, {self.trade_count} trades")
        ax_equity.plot(times, equity, color="#2166ac", label=f"equity ({self.mode})")
        if compare is not None:
            ax_equity.plot(np.array(compare.times_ns, dtype="datetime64[ns]"), compare.equity_curve, color="#999",
                           linewidth=0.9, label=f"equity ({compare.mode})")
        ax_equity.set_ylabel("equity [$]")
        ax_equity.legend(loc="upper left")
        peak = np.maximum.accumulate(equity)
        ax_dd.fill_between(times, (equity / peak - 1) * 100, 0, color="#d73027", alpha=0.5)
        ax_dd.set_ylabel("drawdown [%]")
        fig.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=90)
        plt.close(fig)
        return path


_NOT_IN_DICT = ("trades", "open_trades", "times_ns", "equity_curve", "closes", "fills")


def fills_sha256(fills: Iterable[tuple[int, Fill]]) -> str:
    """SHA-256 of the fills as canonical JSON lines, ``[bar index, fill.to_dict()]`` each (keys sorted, no spaces,
    Decimals as their text): any change to a fill's bar, id, order, side, quantity, price, fee, time, arrival mid or
    liquidity changes it. Pinned by tests/backtest/test_backtest_speed_results.py, so a speed-up cannot change what
    a realistic run fills."""
    digest = hashlib.sha256()
    for bar, fill in fills:
        digest.update(json.dumps([bar, fill.to_dict()], sort_keys=True, separators=(",", ":")).encode() + b"\n")
    return digest.hexdigest()


def _trade_dict(t: TradeRecord) -> dict:
    data = asdict(t)
    data["return_pct"] = round(t.return_pct, 6)
    return data


def statistics(equity: list[float], closes: list[float], trades: list[TradeRecord], open_trades: list[TradeRecord],
               periods_per_year: float) -> dict:
    """The numbers of ``BacktestResult`` computed from the equity curve and the trades (definitions above)."""
    n = len(equity)
    start, final = equity[0], equity[-1]
    returns = [b / a - 1 for a, b in zip(equity, equity[1:]) if a]
    mean = sum(returns) / len(returns) if returns else 0.0
    var = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1) if len(returns) > 1 else 0.0
    sd = math.sqrt(var)
    peak, deepest = -math.inf, 0.0
    for value in equity:
        if value > peak:  # max() and min() without the calls: the same values
            peak = value
        if peak > 0:
            fall = value / peak - 1
            if fall < deepest:
                deepest = fall
    held = bytearray(n)
    for t in list(trades) + list(open_trades):
        end = n - 1 if t.exit_bar is None else t.exit_bar
        held[t.entry_bar:end + 1] = b"\x01" * (end + 1 - t.entry_bar)
    wins = sum(1 for t in trades if t.pnl > 0)
    return {
        "final_equity": final,
        "return_pct": (final / start - 1) * 100 if start else 0.0,
        "buy_and_hold_return_pct": (closes[-1] / closes[0] - 1) * 100,
        "annual_volatility_pct": sd * math.sqrt(periods_per_year) * 100,
        "sharpe": mean / sd * math.sqrt(periods_per_year) if sd else 0.0,
        "max_drawdown_pct": deepest * 100,
        "win_rate_pct": wins / len(trades) * 100 if trades else 0.0,
        "exposure_pct": sum(held) / n * 100 if n else 0.0,
    }
