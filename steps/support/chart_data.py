"""The data of a scenario's price chart: its own window, its orders and fills, the bounds its steps asserted.

Collected after the scenario (a few broker reads), drawn by ``order_chart`` and attached with the chart. One chart
per symbol the scenario ordered in (or, for a failed scenario without orders, each symbol of its scene).

All times are milliseconds from the scenario's start (when the scene was set), with the start in ISO 8601.
"""

from __future__ import annotations

from decimal import Decimal

from mockbroker.domain import Fill, Order, Side

from .market_context import MarketLens
from .words import iso_ms, offset_ms, order_essentials

SCHEMA = "mockbroker.price-chart/1"


def _f(value) -> float | None:
    return None if value is None else float(value)


def chart_specs(desk, lens: MarketLens, orders: list[Order], fills: list[Fill], title: str, failed: bool,
                failure: str | None) -> list[dict]:
    """One chart spec per symbol worth drawing."""
    symbols = list(dict.fromkeys(o.symbol for o in orders))
    if not symbols and failed:
        symbols = list(desk.start_mid)
    if not symbols:
        return []
    start, end = desk.start_ns, lens.broker.now_ns()
    labels = {o.id: f"#{n}" for n, o in enumerate(sorted(orders, key=lambda o: (o.created_ns, o.id)), start=1)}
    return [_spec(desk, lens, symbol, start, end, [o for o in orders if o.symbol == symbol],
                  [f for f in fills if f.symbol == symbol], labels, title, failed, failure) for symbol in symbols]


def _spec(desk, lens, symbol, start, end, orders, fills, labels, title, failed, failure) -> dict:
    t = lambda ns: offset_ms(ns, start)  # noqa: E731
    bars = [{"t_ms": t(max(b.start_ns, start)), "t_end_ms": t(min(b.start_ns + 60_000_000_000, end)),
             "low": _f(b.low), "high": _f(b.high), "close": _f(b.close)}
            for b in lens.bars(symbol, start, end)]
    quotes = [{"t_ms": 0.0, "mid": _f(desk.start_mid.get(symbol)), "spread_bps": None}] \
        if symbol in desk.start_mid else []
    quotes += [{"t_ms": t(s.time_ns), "mid": _f(s.mid), "spread_bps": _f(s.spread_bps)}
               for s in lens.samples.get(symbol, [])]
    by_id = {o.id: o for o in orders}
    spec_orders = []
    for order in sorted(orders, key=lambda o: (o.created_ns, o.id)):
        order_start, order_end = lens.order_window(order)
        spec_orders.append({"label": labels[order.id], "id": order.id, "account": order.account_id,
                            "essentials": order_essentials(order), "side": order.side.value,
                            "status": order.status.value, "submit_ms": t(order_start), "end_ms": t(order_end),
                            "limit": _f(order.limit_price), "stop": _f(order.stop_price),
                            "arrival_mid": _f(order.arrival_mid)})
    spec_fills = [{"t_ms": t(f.time_ns), "price": _f(f.price), "qty": f.qty, "side": f.side.value,
                   "order": labels.get(f.order_id, "?"), "slippage_bps": _f(f.slippage_bps)}
                  for f in sorted(fills, key=lambda f: f.time_ns)]
    bands = []
    for note in lens.notes:
        order = by_id.get(note.order_id)
        if order is not None and (note.unit == "price" or order.arrival_mid is not None):
            bands.append(_band(note, order, labels[order.id], t))
    return {"schema": SCHEMA, "symbol": symbol, "title": title, "failed": failed, "failure": failure,
            "start": iso_ms(start), "end_ms": t(end), "bars": bars, "quotes": quotes, "orders": spec_orders,
            "fills": spec_fills, "bands": bands}


def _band(note, order: Order, label: str, t) -> dict:
    """An asserted bound as a price band: where the fills had to be for the step to hold."""
    if note.unit == "price":
        edge = note.expected
        below = note.bound in ("below", "at most")
    else:  # slippage in bps from the arrival mid; positive = worse for the trader
        mid = order.arrival_mid
        edge = mid * (1 + order.side.sign * note.expected / Decimal(10_000))
        worse_is_up = order.side is Side.BUY
        above_bound = note.bound in ("above", "at least")
        below = not (above_bound == worse_is_up)
    return {"order": label, "label": f"{label} asserted: {note.what}", "edge": _f(edge), "below": below,
            "held": note.held, "from_ms": t(order.submitted_ns or order.created_ns)}
