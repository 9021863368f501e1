"""Data tables with business headers, turned into domain values with the same parsers the steps use.

Headers are matched without regard to case; a missing required column or a bad cell names the row and column.
"""

from __future__ import annotations

from decimal import Decimal

from mockbroker.domain import OrderRequest, OrderType, Side, TimeInForce
from steps.types import (STATUS_WORDS, TIME_IN_FORCE_WORDS, parse_money, parse_order_type, parse_shares,
                         parse_side)


class TableError(AssertionError):
    pass


def rows(table, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[dict[str, str]]:
    if table is None:
        raise TableError(f"this step needs a table with the columns: {', '.join(required)}")
    headings = [h.strip().lower() for h in table.headings]
    missing = [h for h in required if h not in headings]
    unknown = [h for h in headings if h not in required + optional]
    if missing or unknown:
        raise TableError(f"table columns {headings}: missing {missing or 'none'}, unknown {unknown or 'none'} "
                         f"(columns: {', '.join(required)}; optional: {', '.join(optional) or 'none'})")
    return [{h: cell.strip() for h, cell in zip(headings, row.cells)} for row in table.rows]


def cell(row: dict[str, str], column: str, convert, default=None):
    text = row.get(column, "")
    if text in ("", "-"):
        return default
    try:
        return convert(text)
    except Exception as problem:  # noqa: BLE001 - reported with the row
        raise TableError(f"row {row}: column '{column}' has {text!r}, which is not valid ({problem})") from None


def _enum(parser, words: str):
    def convert(text: str):
        value = parser(text)
        if value is None:
            raise ValueError(f"expected one of {words}")
        return value
    return convert


def _from_words(mapping: dict):
    def convert(text: str):
        if text.lower() not in mapping:
            raise ValueError(f"expected one of {', '.join(mapping)}")
        return mapping[text.lower()]
    return convert


def shares(text: str) -> int:
    return parse_shares(text)


def money(text: str) -> Decimal:
    return parse_money(text)


side = _from_words({"buy": Side.BUY, "sell": Side.SELL, "buys": Side.BUY, "sells": Side.SELL})
order_type = _from_words({"market": OrderType.MARKET, "limit": OrderType.LIMIT, "stop": OrderType.STOP,
                          "stop limit": OrderType.STOP_LIMIT})
time_in_force = _from_words(TIME_IN_FORCE_WORDS)
status = _from_words({**STATUS_WORDS, "partially filled": "partially filled"})
yes_no = _from_words({"yes": True, "allowed": True, "no": False, "not allowed": False})


ORDER_COLUMNS = ("side", "shares", "symbol", "type", "limit price", "stop price", "time in force", "client order id")
"""The columns of an order table: side and shares required, the rest optional (empty or "-" = the default)."""


def order_requests(table, default_symbol: str) -> list[OrderRequest]:
    requests = []
    for row in rows(table, ("side", "shares"), ORDER_COLUMNS[2:]):
        requests.append(OrderRequest(
            symbol=cell(row, "symbol", str, default_symbol), qty=cell(row, "shares", shares),
            side=cell(row, "side", side), type=cell(row, "type", order_type, OrderType.MARKET),
            time_in_force=cell(row, "time in force", time_in_force, TimeInForce.DAY),
            limit_price=cell(row, "limit price", money), stop_price=cell(row, "stop price", money),
            client_order_id=cell(row, "client order id", str)))
    return requests


__all__ = ["rows", "cell", "shares", "money", "side", "order_type", "time_in_force", "status", "yes_no",
           "order_requests", "TableError", "parse_order_type", "parse_side"]
