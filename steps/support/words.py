"""Trader's words for numbers, times and orders, shared by failure messages, evidence and charts.

- money: ``$1,234.50``; shares: ``1,000``; basis points: ``6.0 bps``;
- a span of simulated time: ``42 ms``, ``1.5 s``, ``5 min``, ``2 h 10 min``, ``3 days``;
- an order's essentials, without its id: ``buy 100 ACME limit $45.00 gtc`` (what a trader would read out);
- times: ISO 8601 with milliseconds (``2026-03-02T14:30:00.042Z``) and offsets in ms from the scenario's start.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

NS_PER_MS = 1_000_000


def money(amount: Decimal | float | None) -> str:
    if amount is None:
        return "none"
    amount = Decimal(str(amount)) if isinstance(amount, float) else amount
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def shares(count: int) -> str:
    return f"{count:,}"


def bps(value) -> str:
    return f"{Decimal(value):.1f} bps"


def percent(value) -> str:
    return f"{Decimal(value):.2f}%"


def span(ns: int) -> str:
    """A span of (simulated) time in the unit a trader would use."""
    ns = max(0, int(ns))
    if ns < 1_000 * NS_PER_MS:
        ms = ns / NS_PER_MS
        return f"{ms:.0f} ms" if ms >= 10 or ms == int(ms) else f"{ms:.1f} ms"
    seconds = ns / 1e9
    if seconds < 60:
        return f"{seconds:.1f} s".replace(".0 s", " s")
    minutes = seconds / 60
    if minutes < 60:
        return f"{minutes:.0f} min" if abs(minutes - round(minutes)) < 0.05 else f"{minutes:.1f} min"
    hours, rest = divmod(round(minutes), 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{seconds / 86_400:.1f} days".replace(".0 days", " days")


def iso_ms(ns: int) -> str:
    """ISO 8601 in UTC with milliseconds."""
    moment = datetime.fromtimestamp(ns // 1_000_000_000, tz=timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{(ns % 1_000_000_000) // NS_PER_MS:03d}Z"


def offset_ms(ns: int, start_ns: int) -> float:
    """Milliseconds after the scenario's start (three decimals: microseconds)."""
    return round((ns - start_ns) / NS_PER_MS, 3)


def order_essentials(order) -> str:
    """``buy 100 ACME limit $45.00 gtc``: side, shares (or dollars: ``buy $1,000.00 of ACME``), symbol, type with its
    prices, time in force."""
    kind = order.type.value.replace("_", " ")
    prices = ""
    trail_price, trail_percent = getattr(order, "trail_price", None), getattr(order, "trail_percent", None)
    if kind == "trailing stop":
        trail = money(trail_price) if trail_price is not None else (
            f"{trail_percent:g}%" if trail_percent is not None else "")
        words = [order.side.value, shares(order.qty), order.symbol, f"trailing stop {trail}".strip(),
                 order.time_in_force.value]
        return " ".join(words)
    if order.stop_price is not None:
        prices += f" stop {money(order.stop_price)}"
    if order.limit_price is not None:
        prices += f" limit {money(order.limit_price)}"
    if kind in ("limit", "stop", "stop limit") and prices:
        kind = ""  # "limit $45.00" says it already
    notional = getattr(order, "notional", None)
    amount = f"{money(notional)} of" if notional is not None else shares(order.qty)  # "buy $1,000.00 of ACME"
    words = [order.side.value, amount, order.symbol, kind + prices, order.time_in_force.value]
    return " ".join(w.strip() for w in words if w.strip())


def status_words(status) -> str:
    return status.value.replace("_", " ")
