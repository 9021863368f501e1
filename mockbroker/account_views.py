"""What an account shows besides balances: its configurations, its activities and its portfolio history.

- **Configurations** (Alpaca's ``/v2/account/configurations``): ``no_shorting`` (sells that would go short are
  refused), ``fractional_trading`` (off: fractional and notional orders are refused), ``suspend_trade`` (new orders
  are refused), and ``dtbp_check``, ``pdt_check``, ``trade_confirm_email``, ``ptp_no_exception_entry`` (kept and
  shown; a cash account has no day-trading buying power, so they change nothing here). ``max_margin_multiplier``
  is "1": the mock's accounts are cash accounts.
- **Activities**: ``FILL`` for every fill (with the order's cumulative and remaining quantity at that fill), ``DIV``
  for every dividend paid or charged, ``SPLIT`` for every position a split changed (the shares it added, and the
  cash paid for a fraction of a share).
- **Portfolio history**: equity = cash + the market value of the positions, replayed from the account's fills and
  cash movements (splits included), priced at the close of the market's one-minute bars, at each step of the timeframe inside the
  period (intraday steps inside regular sessions; 1D steps at each session's close, stamped at midnight New York).
  ``profit_loss`` is equity minus the first point's equity (``base_value``).
"""

from __future__ import annotations

import bisect
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from .clock import NS_PER_SECOND, to_ns
from .errors import InvalidArgument
from .market import session

CONFIG_CHOICES = {"dtbp_check": ("both", "entry", "exit"), "pdt_check": ("both", "entry", "exit"),
                  "trade_confirm_email": ("all", "none")}
CONFIG_FLAGS = ("no_shorting", "fractional_trading", "suspend_trade", "ptp_no_exception_entry")


def configurations(acct: Any) -> dict:
    return {"dtbp_check": acct.dtbp_check, "fractional_trading": acct.fractional_trading,
            "max_margin_multiplier": "1", "no_shorting": not acct.shorting_enabled, "pdt_check": acct.pdt_check,
            "suspend_trade": acct.suspend_trade, "trade_confirm_email": acct.trade_confirm_email,
            "ptp_no_exception_entry": acct.ptp_no_exception_entry, "max_options_trading_level": 0}


def configure(acct: Any, changes: dict) -> dict:
    """Check every change first, then apply them all (nothing changes when one is refused)."""
    clean: dict = {}
    for key, value in changes.items():
        if value is None:
            continue  # alpaca-py sends every field; a null leaves the setting as it is
        if key in CONFIG_FLAGS:
            if not isinstance(value, bool):
                raise InvalidArgument(key, value, "must be true or false")
        elif key in CONFIG_CHOICES:
            if value not in CONFIG_CHOICES[key]:
                raise InvalidArgument(key, value, f"must be one of {', '.join(CONFIG_CHOICES[key])}")
        elif key == "max_margin_multiplier":
            if str(value) not in ("1", "1.0"):
                raise InvalidArgument(key, value, "must be 1: the mock's accounts are cash accounts (no margin)")
            continue
        elif key == "max_options_trading_level":
            if value not in (0, "0"):
                raise InvalidArgument(key, value, "must be 0: the mock trades no options")
            continue
        else:
            raise InvalidArgument(key, value, "unknown account configuration (known: " + ", ".join(
                sorted((*CONFIG_FLAGS, *CONFIG_CHOICES, "max_margin_multiplier", "max_options_trading_level"))) + ")")
        clean[key] = value
    for key, value in clean.items():
        if key == "no_shorting":
            acct.shorting_enabled = not value
        else:
            setattr(acct, key, value)
    return configurations(acct)


def activities(broker: Any, account: str, types: Any = None) -> list[dict]:
    wanted = None
    if types is not None:
        wanted = {types} if isinstance(types, str) else set(types)
        unknown = wanted - {"FILL", "DIV", "SPLIT"}
        if unknown:
            raise InvalidArgument("activity_types", sorted(unknown)[0], "the mock has FILL, DIV and SPLIT activities")
    out: list[dict] = []
    if wanted is None or "FILL" in wanted:
        cum: dict[str, Any] = {}
        for fill in broker.list_fills(account):
            order = broker.engine.orders[fill.order_id]
            done = cum[fill.order_id] = cum.get(fill.order_id, 0) + fill.qty
            out.append({"kind": "FILL", "time_ns": fill.time_ns, "id": fill.fill_id, "symbol": fill.symbol,
                        "qty": fill.qty, "price": fill.price, "side": fill.side.value, "order_id": fill.order_id,
                        "cum_qty": done, "leaves_qty": order.qty - done,
                        "type": "fill" if done == order.qty else "partial_fill",
                        "order_status": "filled" if done == order.qty else "partially_filled", "fee": fill.fee})
    for n, (time_ns, kind, symbol, qty, amount, per_share) in enumerate(broker.ledger[account].history, 1):
        if wanted is None or kind in wanted:
            out.append({"kind": kind, "time_ns": time_ns, "id": f"{kind}-{n:06d}", "symbol": symbol, "qty": qty,
                        "amount": amount, "per_share": per_share})
    out.sort(key=lambda a: (a["time_ns"], a["id"]))
    return out


TIMEFRAMES = {"1Min": 60, "5Min": 300, "15Min": 900, "1H": 3600, "1D": 86400}
PERIOD_DAYS = {"D": 1, "W": 7, "M": 30, "A": 365}


def _period_days(period: str) -> int:
    if len(period) < 2 or not period[:-1].isdigit() or period[-1] not in PERIOD_DAYS or int(period[:-1]) < 1:
        raise InvalidArgument("period", period, "use a number and D, W, M or A: 1D, 1W, 1M, 1A")
    return int(period[:-1]) * PERIOD_DAYS[period[-1]]


def portfolio_history(broker: Any, account: str, period: str | None, timeframe: str | None) -> dict:
    days = _period_days(period or "1M")
    if timeframe is None:
        timeframe = "1Min" if days < 7 else "15Min" if days < 30 else "1D"
    if timeframe not in TIMEFRAMES:
        raise InvalidArgument("timeframe", timeframe, "use 1Min, 5Min, 15Min, 1H or 1D")
    now = broker.now_ns()
    start = max(now - days * 86_400 * NS_PER_SECOND, broker.started_ns)
    stamps: list[tuple[int, int]] = []  # (label ns, valued-at ns)
    if timeframe == "1D":
        for s in session.sessions_between(session.day_of(start), session.day_of(now)):
            if s.open_ns > now:
                break
            midnight = to_ns(datetime.combine(s.day, time(0), session.NEW_YORK))
            stamps.append((midnight, min(s.close_ns, now)))
    else:
        step = TIMEFRAMES[timeframe] * NS_PER_SECOND
        for s in session.sessions_between(session.day_of(start) - timedelta(days=1), session.day_of(now)):
            t = max(s.open_ns, start - (start - s.open_ns) % step if start > s.open_ns else s.open_ns)
            while t < min(s.close_ns, now + 1):
                stamps.append((t, t))
                t += step
    equity = _equity_series(broker, account, [valued for _, valued in stamps])
    base = equity[0] if equity else Decimal(0)
    cents = Decimal("0.01")
    return {"timestamp": [label // NS_PER_SECOND for label, _ in stamps],
            "equity": [e.quantize(cents) for e in equity],
            "profit_loss": [(e - base).quantize(cents) for e in equity],
            "profit_loss_pct": [((e - base) / base).quantize(Decimal("0.000001")) if base else Decimal(0)
                                for e in equity],
            "base_value": base.quantize(cents), "timeframe": timeframe}


def _equity_series(broker: Any, account: str, moments: list[int]) -> list[Decimal]:
    """Cash + positions at market, at each moment (ascending), replayed from the account's start."""
    acct = broker.ledger[account]
    cash = acct.starting_cash
    held: dict[str, Any] = {}
    config = next((a for a in broker.config.accounts if a.id == account), None)
    for opening in getattr(config, "positions", ()) or ():
        held[opening["symbol"]] = held.get(opening["symbol"], 0) + opening["qty"]
    changes: list[tuple[int, int, str, Any, Decimal]] = []  # (time, order, symbol, shares, cash)
    for i, f in enumerate(broker.list_fills(account)):
        sign = 1 if f.side.value == "buy" else -1
        changes.append((f.time_ns, i, f.symbol, sign * f.qty, -sign * f.qty * f.price - f.fee))
    for j, (time_ns, kind, symbol, qty, amount, _) in enumerate(acct.history):
        changes.append((time_ns, 10**9 + j, symbol, qty if kind == "SPLIT" else 0, amount))
    changes.sort(key=lambda c: (c[0], c[1]))
    bars = {symbol: broker.market[symbol].all_bars() for symbol in broker.market.symbols}
    starts = {symbol: [b.start_ns for b in series] for symbol, series in bars.items()}
    out, k = [], 0
    for moment in moments:
        while k < len(changes) and changes[k][0] <= moment:
            _, _, symbol, shares, flow = changes[k]
            held[symbol] = held.get(symbol, 0) + shares
            cash += flow
            k += 1
        value = cash
        for symbol, shares in held.items():
            if shares:
                series = bars[symbol]
                i = bisect.bisect_right(starts[symbol], moment) - 1
                price = series[max(i, 0)].close if series else Decimal(0)
                value += shares * price
        out.append(value)
    return out
