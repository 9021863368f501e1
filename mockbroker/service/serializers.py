"""Domain types -> Alpaca v2 JSON shapes (trading and market data).

Alpaca field names and string-typed numbers; what only the mock knows (account id, engine order id, reject
reason, fees, arrival mid, realized P&L) goes in a ``"mock"`` object that Alpaca clients ignore and
``HttpBroker`` reads back to rebuild the same domain dataclasses.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from ..clock import NS_PER_SECOND, iso, to_datetime, to_ns
from ..domain import (Account, Bar, Fill, MarketState, Order, OrderBook, OrderEvent, OrderStatus, Position, Quote,
                      Trade)
from .state import IdMap, account_uuid, asset_id

EXCHANGE = "NASDAQ"
"""The exchange every simulated asset reports (a valid Alpaca ``AssetExchange``)."""

_NEW_YORK = ZoneInfo("America/New_York")


def jsonable(value: Any) -> Any:
    """Any engine result (dicts of Decimals, enums, dataclasses, tuples) -> JSON-ready data."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(value.to_dict() if hasattr(value, "to_dict") else dataclasses.asdict(value))
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _s(value: Decimal | int | None) -> str | None:
    return None if value is None else str(value)


def _t(ns: int | None) -> str | None:
    return None if ns is None else iso(ns)


def order_json(order: Order, ids: IdMap, legs: list[Order] | None = None) -> dict:
    """An order in Alpaca's shape; ``legs`` (a bracket, OCO or OTO parent's legs) nests them, as Alpaca does in the
    answer to the order's submission and with ``nested=true``."""
    type_ = order.type.value
    status = order.status
    notional = order.notional
    return {
        "id": ids.public(order.id),
        "client_order_id": order.client_order_id,
        "created_at": iso(order.created_ns),
        "updated_at": iso(order.updated_ns),
        "submitted_at": iso(order.submitted_ns),
        "filled_at": _t(order.filled_ns),
        "expired_at": _t(order.expired_ns),
        "expires_at": None,
        "canceled_at": _t(order.canceled_ns),
        "failed_at": iso(order.updated_ns) if status is OrderStatus.REJECTED else None,
        "replaced_at": iso(order.updated_ns) if status is OrderStatus.REPLACED else None,
        "replaced_by": ids.public(order.replaced_by),
        "replaces": ids.public(order.replaces),
        "asset_id": asset_id(order.symbol),
        "symbol": order.symbol,
        "asset_class": "us_equity",
        "notional": None if notional is None else str(notional),
        "qty": None if notional is not None else str(order.qty),
        "filled_qty": str(order.filled_qty),
        "filled_avg_price": _s(order.filled_avg_price),
        "order_class": order.order_class.value,
        "order_type": type_,
        "type": type_,
        "side": order.side.value,
        "position_intent": None,
        "time_in_force": order.time_in_force.value,
        "limit_price": _s(order.limit_price),
        "stop_price": _s(order.stop_price),
        "status": status.value,
        "extended_hours": order.extended_hours,
        "legs": None if legs is None else [order_json(leg, ids) for leg in legs],
        "trail_percent": _s(order.trail_percent),
        "trail_price": _s(order.trail_price),
        "hwm": None,
        "mock": {
            "order_id": order.id,
            "account_id": order.account_id,
            "reject_reason": order.reject_reason.value if order.reject_reason is not None else None,
            "fees": str(order.fees),
            "arrival_mid": _s(order.arrival_mid),
            "replaced_by": order.replaced_by,
            "replaces": order.replaces,
            "created_ns": order.created_ns,
            "updated_ns": order.updated_ns,
            "submitted_ns": order.submitted_ns,
            "filled_ns": order.filled_ns,
            "canceled_ns": order.canceled_ns,
            "expired_ns": order.expired_ns,
            "qty": str(order.qty),
            "legs": [ids.public(leg) for leg in order.legs],
            "parent_id": ids.public(order.parent_id),
            "parent_order_id": order.parent_id,
            "leg_order_ids": list(order.legs),
        },
    }


def account_json(account: Account, now_ns: int) -> dict:
    cash = str(account.cash)
    equity = str(account.equity)
    return {
        "id": account_uuid(account.id),
        "account_number": account.id,
        "status": "ACTIVE",
        "crypto_status": None,
        "currency": "USD",
        "buying_power": str(account.buying_power),
        "regt_buying_power": str(account.buying_power),
        "daytrading_buying_power": "0",
        "non_marginable_buying_power": str(account.buying_power),
        "cash": cash,
        "accrued_fees": "0",
        "pending_transfer_out": None,
        "pending_transfer_in": "0",
        "portfolio_value": equity,
        "pattern_day_trader": False,
        "trading_blocked": False,
        "transfers_blocked": False,
        "account_blocked": False,
        "created_at": iso(now_ns),
        "trade_suspended_by_user": False,
        "multiplier": "1",
        "shorting_enabled": account.shorting_enabled,
        "equity": equity,
        "last_equity": equity,
        "long_market_value": str(account.long_market_value),
        "short_market_value": str(account.short_market_value),
        "initial_margin": "0",
        "maintenance_margin": "0",
        "last_maintenance_margin": "0",
        "sma": "0",
        "daytrade_count": 0,
        "mock": {
            "account_id": account.id,
            "realized_pl": str(account.realized_pl),
            "unrealized_pl": str(account.unrealized_pl),
            "fees_paid": str(account.fees_paid),
        },
    }


def position_json(position: Position) -> dict:
    cost = position.cost_basis
    plpc = (position.unrealized_pl / abs(cost)) if cost else Decimal(0)
    return {
        "asset_id": asset_id(position.symbol),
        "symbol": position.symbol,
        "exchange": EXCHANGE,
        "asset_class": "us_equity",
        "asset_marginable": False,
        "avg_entry_price": str(position.avg_entry_price),
        "qty": str(position.qty),
        "qty_available": str(position.qty),
        "side": position.side,
        "market_value": str(position.market_value),
        "cost_basis": str(cost),
        "unrealized_pl": str(position.unrealized_pl),
        "unrealized_plpc": str(round(plpc, 6)),
        "unrealized_intraday_pl": str(position.unrealized_pl),
        "unrealized_intraday_plpc": str(round(plpc, 6)),
        "current_price": str(position.market_price),
        "lastday_price": str(position.market_price),
        "change_today": "0",
        "mock": {"account_id": position.account_id, "realized_pl": str(position.realized_pl)},
    }


def fill_json(fill: Fill, ids: IdMap) -> dict:
    """A ``FILL`` account activity (Alpaca ``/v2/account/activities/FILL``)."""
    return {
        "id": fill.fill_id,
        "activity_type": "FILL",
        "transaction_time": iso(fill.time_ns),
        "type": "fill",
        "price": str(fill.price),
        "qty": str(fill.qty),
        "side": fill.side.value,
        "symbol": fill.symbol,
        "order_id": ids.public(fill.order_id),
        "mock": {"order_id": fill.order_id, "account_id": fill.account_id, "fee": str(fill.fee),
                 "time_ns": fill.time_ns, "arrival_mid": str(fill.arrival_mid),
                 "slippage_bps": str(fill.slippage_bps), "liquidity": fill.liquidity},
    }


def event_json(event: OrderEvent, ids: IdMap) -> dict:
    return {
        "seq": event.seq,
        "event": event.event.value,
        "timestamp": iso(event.time_ns),
        "time_ns": event.time_ns,
        "order": order_json(event.order, ids),
        "fill": fill_json(event.fill, ids) if event.fill is not None else None,
        "reason": event.reason,
    }


# ----- market data (Alpaca market-data v2 keys)

def quote_json(quote: Quote) -> dict:
    return {"t": iso(quote.time_ns), "ax": "V", "ap": float(quote.ask), "as": quote.ask_size, "bx": "V",
            "bp": float(quote.bid), "bs": quote.bid_size, "c": ["R"], "z": "C",
            "mock": {"bid": str(quote.bid), "ask": str(quote.ask), "last": str(quote.last), "time_ns": quote.time_ns}}


def trade_json(trade: Trade, seq: int = 0) -> dict:
    return {"t": iso(trade.time_ns), "x": "V", "p": float(trade.price), "s": trade.size, "c": ["@"], "i": seq,
            "z": "C", "mock": {"price": str(trade.price), "time_ns": trade.time_ns}}


def bar_json(bar: Bar) -> dict:
    return {"t": iso(bar.start_ns), "o": float(bar.open), "h": float(bar.high), "l": float(bar.low),
            "c": float(bar.close), "v": bar.volume, "n": bar.trade_count,
            "vw": float(bar.vwap) if bar.vwap is not None else float(bar.close),
            "mock": {"start_ns": bar.start_ns, "open": str(bar.open), "high": str(bar.high), "low": str(bar.low),
                     "close": str(bar.close), "vwap": _s(bar.vwap)}}


def book_json(book: OrderBook) -> dict:
    return {"symbol": book.symbol, "t": iso(book.time_ns), "time_ns": book.time_ns,
            "b": [{"p": str(level.price), "s": level.size} for level in book.bids],
            "a": [{"p": str(level.price), "s": level.size} for level in book.asks]}


def market_state_json(state: MarketState) -> dict:
    return jsonable(state)


def asset_json(symbol_config: Any, symbol: str) -> dict:
    shortable = bool(getattr(symbol_config, "shortable", True))
    fractionable = bool(getattr(symbol_config, "fractionable", True))
    tick = getattr(symbol_config, "tick_size", Decimal("0.01"))
    return {
        "id": asset_id(symbol), "class": "us_equity", "exchange": EXCHANGE, "symbol": symbol,
        "name": f"{symbol} (simulated)", "status": "active", "tradable": True, "marginable": False,
        "maintenance_margin_requirement": 100, "shortable": shortable, "easy_to_borrow": shortable,
        "fractionable": fractionable, "min_order_size": "0.000000001" if fractionable else "1",
        "min_trade_increment": "0.000000001" if fractionable else "1", "price_increment": str(tick),
        "attributes": ["fractional_eh_enabled"] if fractionable else [],
    }


# ----- the clock and the calendar (the NYSE's sessions: mockbroker.market.session)

def clock_json(now_ns: int) -> dict:
    from ..market import session

    is_open = session.is_open(now_ns)
    open_ns, close_ns = session.session_bounds(now_ns)
    next_open = session.session_bounds(close_ns)[0] if is_open else open_ns
    return {"timestamp": iso(now_ns), "is_open": is_open, "next_open": iso(next_open), "next_close": iso(close_ns),
            "mock": {"now_ns": now_ns, "next_open_ns": next_open, "next_close_ns": close_ns,
                     "extended_hours": session.is_extended(now_ns)}}


def calendar_json(s: Any) -> dict:
    """One session as Alpaca's ``/v2/calendar`` gives it (times in New York)."""
    from ..market import session

    return {"date": s.day.isoformat(), "open": session.local_hhmm(s.open_ns), "close": session.local_hhmm(s.close_ns),
            "session_open": session.local_hhmm(s.pre_open_ns).replace(":", ""),
            "session_close": session.local_hhmm(s.after_close_ns).replace(":", ""),
            "settlement_date": (s.day + timedelta(days=1)).isoformat()}


def activity_json(activity: dict, account_id: str, ids: IdMap) -> dict:
    """A FILL (trade) or DIV / SPLIT (non-trade) activity in Alpaca's shape."""
    kind = activity["kind"]
    if kind == "FILL":
        return {"id": activity["id"], "account_id": account_uuid(account_id), "activity_type": "FILL",
                "transaction_time": iso(activity["time_ns"]), "type": activity["type"],
                "price": str(activity["price"]), "qty": str(activity["qty"]), "side": activity["side"],
                "symbol": activity["symbol"], "leaves_qty": str(activity["leaves_qty"]),
                "order_id": ids.public(activity["order_id"]), "cum_qty": str(activity["cum_qty"]),
                "order_status": activity["order_status"],
                "mock": {"order_id": activity["order_id"], "fee": str(activity["fee"]), "time_ns": activity["time_ns"]}}
    day = to_datetime(activity["time_ns"]).astimezone(_NEW_YORK).date().isoformat()
    return {"id": activity["id"], "account_id": account_uuid(account_id), "activity_type": kind, "date": day,
            "net_amount": str(activity["amount"]), "description": "cash dividend" if kind == "DIV" else
            "stock split: shares added (qty), cash paid for a fraction of a share (net_amount)", "status": "executed",
            "symbol": activity["symbol"],
            "qty": str(activity["qty"]), "per_share_amount": str(activity["per_share"]),
            "mock": {"time_ns": activity["time_ns"]}}


def daily_start_ns(start_ns: int) -> int:
    """Midnight New York of the day holding ``start_ns``: Alpaca stamps daily bars there (05:00Z or 04:00Z)."""
    local = to_datetime(start_ns).astimezone(_NEW_YORK)
    return to_ns(datetime.combine(local.date(), datetime.min.time(), _NEW_YORK))


SECONDS = {"Sec": 1, "S": 1, "Min": 60, "T": 60, "Hour": 3600, "H": 3600, "Day": 86400, "D": 86400,
           "Week": 7 * 86400, "W": 7 * 86400, "Month": 30 * 86400, "M": 30 * 86400}


def timeframe_name(seconds: int) -> str:
    for unit, size in (("Day", 86400), ("Hour", 3600), ("Min", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}Sec"


NS = NS_PER_SECOND
