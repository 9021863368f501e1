"""Portfolio history (Alpaca's ``GET /v2/account/portfolio/history``): equity and P&L of an account over a window.

Equity = cash + the market value of the positions, replayed from the account's fills and cash movements (splits and
dividends included), priced at the close of the market's one-minute bars. The window and its points follow Alpaca's
reference (alpaca-py's ``GetPortfolioHistoryRequest``):

- **Window**: at most two of ``start``, ``end`` and ``period`` (all three is refused). ``end`` defaults to now (a
  later one is now: nothing is known of the future); ``start`` to ``end`` minus ``period`` (default 1M); ``start``
  with ``period``: the period after the start. An end before the start gives no points (as the calendar answers).
  ``date_end`` (a New York date; the older way to say ``end``) ends the window with that market date and goes with
  ``period`` only. A period in days (``3D``) counts market dates back from the end's (the current market date rolls
  over at the open, or at 04:00 with extended hours); weeks, months (30 days) and years (365 days) count calendar
  days. Nothing is kept before the account was opened (the clock's start).
- **Timeframe**: ``1Min``, ``5Min``, ``15Min``, ``1H`` or ``1D``; by default 1Min under 7 days, 15Min under 30, else
  1D. Intraday timeframes cover at most 30 days: a longer ``period`` is refused, and so is a ``start``-``end``
  window holding more than 30 days of the account's history.
- **Points** (left-labelled: a point's equity is as of the end of its step, or now): ``1D`` has one point per
  session, stamped at midnight New York, valued at its close. Intraday ``intraday_reporting=market_hours`` (the
  default) has points from each session's open to its close, both included; ``extended_hours`` (or the deprecated
  ``extended_hours=true``) from 04:00 to 20:00; ``continuous`` every step, day and night. Except for continuous, an
  intraday start moves to the beginning of its day's session (or the next session), as Alpaca's does.
- **P&L**: ``base_value`` is the equity at the close of the session before the first point (``base_value_asof``,
  its date); without one (the account is newer), the equity at the account's opening. Intraday with
  ``pnl_reset=per_day`` (the default), each day's P&L is against the previous session's closing equity; with
  ``no_reset`` and for ``1D``, against ``base_value``. ``profit_loss_pct`` = P&L / its base.
- **Cash flows**: ``cashflow_types`` (``ALL``, ``NONE`` by default, or activity types) gives ``cashflow``, per type the
  mock has (``DIV``), the cash it moved in each point's step; types it never has are left out.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from .clock import NS_PER_SECOND, to_ns
from .errors import InvalidArgument
from .market import session

TIMEFRAMES = {"1Min": 60, "5Min": 300, "15Min": 900, "1H": 3600, "1D": 86400}
PERIOD_DAYS = {"D": 1, "W": 7, "M": 30, "A": 365}
REPORTING = ("market_hours", "extended_hours", "continuous")
PNL_RESETS = ("per_day", "no_reset")
INTRADAY_MAX_DAYS = 30
DAY_NS = 86_400 * NS_PER_SECOND
CENTS, PCT_PLACES = Decimal("0.01"), Decimal("0.000001")


@dataclass(frozen=True)
class Window:
    start_ns: int
    end_ns: int
    timeframe: str
    reporting: str
    pnl_reset: str


def _period(period: str) -> tuple[int, str]:
    if not isinstance(period, str) or len(period) < 2 or not period[:-1].isdigit() or period[-1] not in PERIOD_DAYS \
            or int(period[:-1]) < 1:
        raise InvalidArgument("period", period, "use a number and D, W, M or A: 1D, 1W, 1M, 1A")
    return int(period[:-1]), period[-1]


def _moment(name: str, value: Any) -> int | None:
    """A time given in process: ns since the epoch, or a datetime with its zone."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidArgument(name, value, "give the time zone (an RFC 3339 time, e.g. 2026-01-05T14:30:00Z)")
        return to_ns(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise InvalidArgument(name, value, "must be a time: a datetime with its zone, or ns since the epoch")


def _day(name: str, value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidArgument(name, value, "must be a date (YYYY-MM-DD)")


def _midnight(day: date) -> int:
    return to_ns(datetime.combine(day, time(0), session.NEW_YORK))


def _market_date(ns: int, extended: bool) -> date:
    """The market date at ``ns``: that of the latest session begun by then (at its open; at 04:00 with extended
    hours)."""
    today = session.day_of(ns)
    begun = [s for s in session.sessions_between(today - timedelta(days=14), today)
             if (s.pre_open_ns if extended else s.open_ns) <= ns]
    return begun[-1].day if begun else today


def _sessions_from(day: date, count: int, forward: bool) -> date:
    """The date of the ``count``-th session from market date ``day`` (1: ``day``'s own, or the first after it when
    it has none), counting back or forward."""
    span = timedelta(days=2 * count + 14)
    sessions = session.sessions_between(day, day + span) if forward else session.sessions_between(day - span, day)
    if not sessions:
        return day
    return sessions[count - 1].day if forward else sessions[-count].day if count <= len(sessions) else sessions[0].day


def window(broker: Any, period: Any = None, timeframe: Any = None, start: Any = None, end: Any = None,
           date_end: Any = None, intraday_reporting: Any = None, extended_hours: Any = None,
           pnl_reset: Any = None) -> Window:
    """The window a request asks for, checked (``InvalidArgument`` names the parameter and says why)."""
    start_ns, end_ns, last_day = _moment("start", start), _moment("end", end), _day("date_end", date_end)
    if extended_hours is not None and not isinstance(extended_hours, bool):
        raise InvalidArgument("extended_hours", extended_hours, "must be true or false")
    if intraday_reporting is not None and intraday_reporting not in REPORTING:
        raise InvalidArgument("intraday_reporting", intraday_reporting, "use market_hours, extended_hours or "
                                                                        "continuous")
    if extended_hours and intraday_reporting == "market_hours":
        raise InvalidArgument("extended_hours", extended_hours, "extended_hours=true asks for extended hours and "
                              "intraday_reporting=market_hours for the regular session only: give one of them")
    reporting = intraday_reporting or ("extended_hours" if extended_hours else "market_hours")
    if pnl_reset is not None and pnl_reset not in PNL_RESETS:
        raise InvalidArgument("pnl_reset", pnl_reset, "use per_day or no_reset")
    if timeframe is not None and timeframe not in TIMEFRAMES:
        raise InvalidArgument("timeframe", timeframe, "use 1Min, 5Min, 15Min, 1H or 1D")
    if period is not None:
        _period(period)
    if start_ns is not None and end_ns is not None and period is not None:
        raise InvalidArgument("period", period, "give at most two of start, end and period (Alpaca's rule): "
                              "start and end, start and period, or end and period")
    if last_day is not None and (start_ns is not None or end_ns is not None):
        raise InvalidArgument("date_end", last_day.isoformat(), "date_end goes with period only: give start and "
                              "end (RFC 3339 times) or period and date_end, not both ways")
    count, unit = _period(period or "1M")
    asked_days = count * PERIOD_DAYS[unit] if period is not None or start_ns is None or end_ns is None else None
    if timeframe is not None and timeframe != "1D" and asked_days is not None and asked_days > INTRADAY_MAX_DAYS:
        raise InvalidArgument("timeframe", timeframe, f"an intraday timeframe covers at most {INTRADAY_MAX_DAYS} "
                              f"days (period {period or '1M'}): use 1D, or a shorter period")
    now, opened = broker.now_ns(), broker.started_ns
    extended = reporting != "market_hours"
    pnl = pnl_reset or "per_day"

    def nothing() -> Window:
        return Window(now + 1, now, timeframe or _default_timeframe(asked_days or 0), reporting, pnl)

    if start_ns is not None and end_ns is not None and start_ns >= end_ns:
        return nothing()  # an end before the start: nothing, as the calendar answers
    if last_day is not None:
        if last_day < session.day_of(opened):
            return nothing()
        if last_day < session.day_of(now):
            end_ns = _midnight(last_day + timedelta(days=1)) - 1  # the whole market date
    elif end_ns is None and start_ns is not None and period is not None:  # start and period: the window after start
        longest = (2 * count + 14 if unit == "D" else count * PERIOD_DAYS[unit]) * DAY_NS
        if start_ns > now or start_ns + longest < opened:
            return nothing()
        if unit == "D":
            first = session.session_at_or_after(start_ns).day  # after a session's close: the next one
            end_ns = _midnight(_sessions_from(first, count, True) + timedelta(days=1)) - 1
        else:
            end_ns = start_ns + longest
    end_ns = now if end_ns is None else min(end_ns, now)
    if end_ns < opened:
        return nothing()
    if start_ns is None:
        if unit == "D" and end_ns - count * DAY_NS < opened:
            start_ns = opened  # n market dates go back at least n days: before the account, whatever the calendar
        elif unit == "D":  # market dates, counting the end's own
            start_ns = _midnight(_sessions_from(_market_date(end_ns, extended), count, False))
        else:
            start_ns = end_ns - count * PERIOD_DAYS[unit] * DAY_NS
    start_ns = max(start_ns, opened)  # nothing before the account was opened
    if start_ns > end_ns:
        return nothing()
    days = asked_days if asked_days is not None else (end_ns - start_ns) / DAY_NS
    timeframe = timeframe or _default_timeframe(days)
    if timeframe != "1D" and days > INTRADAY_MAX_DAYS:
        raise InvalidArgument("timeframe", timeframe, f"an intraday timeframe covers at most {INTRADAY_MAX_DAYS} "
                              f"days of the account's history (this window holds {days:.0f}): use 1D, or a "
                              f"shorter window")
    return Window(start_ns, end_ns, timeframe, reporting, pnl)


def _default_timeframe(days: float) -> str:
    return "1Min" if days < 7 else "15Min" if days < INTRADAY_MAX_DAYS else "1D"


def _stamps(w: Window) -> list[tuple[int, int, date]]:
    """(label ns, valued-at ns, market date) of every point."""
    start, end, step = w.start_ns, w.end_ns, TIMEFRAMES[w.timeframe] * NS_PER_SECOND
    if start > end:
        return []
    out: list[tuple[int, int, date]] = []
    if w.timeframe == "1D":
        for s in session.sessions_between(session.day_of(start), session.day_of(end)):
            if s.open_ns > end:
                break
            if s.close_ns <= start:
                continue
            out.append((_midnight(s.day), min(s.close_ns, end), s.day))
        return out
    if w.reporting == "continuous":
        t = start - start % step
        while t <= end:
            out.append((t, min(t + step, end), session.day_of(t)))
            t += step
        return out
    extended = w.reporting == "extended_hours"
    for s in session.sessions_between(session.day_of(start), session.day_of(end)):
        first, last = (s.pre_open_ns, s.after_close_ns) if extended else (s.open_ns, s.close_ns)
        if last < start:  # started after this session: the next one begins the history
            continue
        t = first
        while t <= min(last, end):
            out.append((t, min(t + step, last, end), s.day))
            t += step
    return out


CASHFLOW_TYPES = ("DIV",)
"""The cash flows the mock has (dividends: paid or, on a short, charged); Alpaca's others (CSD, CSW, JNLC, FEE, ...)
never happen here."""


def _cashflow_types(value: Any) -> tuple[str, ...]:
    """The cash-flow series asked for: ``ALL``, ``NONE`` (the default) or activity types separated by commas."""
    if value is None or value == "NONE":
        return ()
    if value == "ALL":
        return CASHFLOW_TYPES
    names = value.split(",") if isinstance(value, str) else None
    if not names or any(not n or not n.isalpha() or not n.isupper() for n in names):
        raise InvalidArgument("cashflow_types", value, "use ALL, NONE or activity types separated by commas "
                              "(e.g. DIV,CSD)")
    return tuple(n for n in CASHFLOW_TYPES if n in names)


def _cashflows(broker: Any, account: str, kinds: tuple[str, ...], stamps: list) -> dict:
    """Per kind, the cash it moved in each point's step (after the previous point's moment, up to this one's)."""
    out: dict = {}
    for kind in kinds:
        flows = sorted((t, amount) for t, k, _, _, amount, _ in broker.ledger[account].history if k == kind)
        series, previous, i = [], None, 0
        for _, valued, _ in stamps:
            total = Decimal(0)
            while i < len(flows) and flows[i][0] <= valued:
                if previous is None or flows[i][0] > previous:
                    total += flows[i][1]
                i += 1
            series.append(total.quantize(CENTS))
            previous = valued
        out[kind] = series
    return out


def history(broker: Any, account: str, cashflow_types: Any = None, **request: Any) -> dict:
    """The portfolio history of ``account`` for a request with Alpaca's parameters (see the module's rules)."""
    kinds = _cashflow_types(cashflow_types)
    w = window(broker, **request)
    stamps = _stamps(w)
    if not stamps:
        opened = broker.started_ns
        base = _equity_series(broker, account, [opened])[0].quantize(CENTS)
        return {"timestamp": [], "equity": [], "profit_loss": [], "profit_loss_pct": [], "base_value": base,
                "base_value_asof": session.day_of(opened).isoformat(), "timeframe": w.timeframe,
                "cashflow": {kind: [] for kind in kinds}}
    first_day = stamps[0][2] if stamps else session.day_of(w.end_ns)
    days = sorted({day for _, _, day in stamps} | {first_day})
    earlier = session.sessions_between(days[0] - timedelta(days=10), days[0] - timedelta(days=1))
    closes = {}  # market date -> the previous session's close (the base of that day's P&L)
    previous = earlier[-1] if earlier else None
    for s in session.sessions_between(days[0], days[-1]):
        closes[s.day] = previous
        previous = s
    base_session = closes.get(first_day, earlier[-1] if earlier else None)
    opened = broker.started_ns
    base_at = max(base_session.close_ns, opened) if base_session is not None else opened
    moments = sorted({valued for _, valued, _ in stamps} | {base_at}
                     | {max(c.close_ns, opened) for c in closes.values() if c is not None})
    values = dict(zip(moments, _equity_series(broker, account, moments)))
    base = values[base_at]
    equity, pnl, pct = [], [], []
    per_day = w.pnl_reset == "per_day" and w.timeframe != "1D"
    for _, valued, day in stamps:
        e = values[valued]
        reference = base
        if per_day and closes.get(day) is not None:
            reference = values[max(closes[day].close_ns, opened)]
        equity.append(e.quantize(CENTS))
        pnl.append((e - reference).quantize(CENTS))
        pct.append(((e - reference) / reference).quantize(PCT_PLACES) if reference else Decimal(0))
    asof = base_session.day if base_session is not None and base_session.close_ns >= opened \
        else session.day_of(opened)
    return {"timestamp": [label // NS_PER_SECOND for label, _, _ in stamps], "equity": equity, "profit_loss": pnl,
            "profit_loss_pct": pct, "base_value": base.quantize(CENTS), "base_value_asof": asof.isoformat(),
            "timeframe": w.timeframe, "cashflow": _cashflows(broker, account, kinds, stamps)}


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
