"""Data tables with business headers, turned into domain values with the same parsers the steps use.

Headers are matched without regard to case; a missing required column or a bad cell names the row and column,
the bad value and the form it should take ("row 2, column 'limit price': 'abc' is not an amount of money: write
it like $49.00"). Each step that reads a table declares its ``TableShape`` (``takes_table``): the columns, what
each cell takes, the defaults and a complete example, which the step catalog prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from mockbroker.domain import OrderRequest, OrderType, Side, TimeInForce
from steps.types import (STATUS_WORDS, TIME_IN_FORCE_WORDS, parse_money, parse_order_type, parse_shares,
                         parse_side)


class TableError(AssertionError):
    """A table in the feature is malformed: the message names the row, the column, the bad cell and the form."""


class Row(dict):
    """One table row by (lower-case) column name; ``number`` counts from 1 below the header."""

    number: int = 0


def rows(table, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[Row]:
    if table is None:
        raise TableError(f"this step needs a table below it with the columns: {', '.join(required)}"
                         + (f" (optional: {', '.join(optional)})" if optional else ""))
    headings = [h.strip().lower() for h in table.headings]
    missing = [h for h in required if h not in headings]
    unknown = [h for h in headings if h not in required + optional]
    if missing or unknown:
        raise TableError(f"table columns {headings}: missing {missing or 'none'}, unknown {unknown or 'none'} "
                         f"(columns: {', '.join(required)}; optional: {', '.join(optional) or 'none'})")
    result = []
    for number, table_row in enumerate(table.rows, start=1):
        row = Row({h: c.strip() for h, c in zip(headings, table_row.cells)})
        row.number = number
        result.append(row)
    return result


def cell(row: dict[str, str], column: str, convert, default=None):
    text = row.get(column, "")
    if text in ("", "-"):
        return default
    try:
        return convert(text)
    except Exception as problem:  # noqa: BLE001 - reported with the row, in the feature's words
        where = f"row {row.number}" if isinstance(row, Row) else f"row {dict(row)}"
        takes = getattr(convert, "takes", None)
        if takes is None:
            raise TableError(f"{where}, column '{column}': {text!r} is not valid ({problem})") from None
        raise TableError(f"{where}, column '{column}': {text!r} is not {takes}") from None


def _described(takes: str):
    """Give a cell converter the words that say what it takes (for the error and the catalog)."""
    def mark(convert):
        convert.takes = takes
        return convert
    return mark


def _from_words(mapping: dict, what: str):
    @_described(f"{what}: write one of {', '.join(mapping)}")
    def convert(text: str):
        if text.lower() not in mapping:
            raise ValueError(text)
        return mapping[text.lower()]
    return convert


_SHARES = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)")
_MONEY = re.compile(r"-?\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_SYMBOL = re.compile(r"[A-Za-z][A-Za-z0-9.]{0,9}")


@_described("a number of shares: write it like 100 or 1,000")
def shares(text: str) -> int:
    if not _SHARES.fullmatch(text):
        raise ValueError(text)
    return parse_shares(text)


@_described("an amount of money: write it like $49.00 or $1,000,000")
def money(text: str) -> Decimal:
    if not _MONEY.fullmatch(text):
        raise ValueError(text)
    return parse_money(text)


@_described("a symbol: write a ticker like ACME")
def symbol(text: str) -> str:
    if not _SYMBOL.fullmatch(text):
        raise ValueError(text)
    return text.upper()


@_described("a client order id: 1 to 128 characters")
def client_order_id(text: str) -> str:
    if not 0 < len(text) <= 128:
        raise ValueError(text)
    return text


@_described("an account name: write it like alice")
def account(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", text):
        raise ValueError(text)
    return text


side = _from_words({"buy": Side.BUY, "sell": Side.SELL, "buys": Side.BUY, "sells": Side.SELL}, "a side")
order_type = _from_words({"market": OrderType.MARKET, "limit": OrderType.LIMIT, "stop": OrderType.STOP,
                          "stop limit": OrderType.STOP_LIMIT}, "an order type")
time_in_force = _from_words(TIME_IN_FORCE_WORDS, "a time in force")
status = _from_words({**STATUS_WORDS, "partially filled": "partially filled"}, "an order status")
yes_no = _from_words({"yes": True, "allowed": True, "no": False, "not allowed": False}, "yes or no")


# -- table shapes: the columns a step's table takes, for the step and for the catalog -------------------------------

@dataclass(frozen=True)
class Column:
    name: str
    takes: str
    required: bool = True
    default: str = ""


@dataclass(frozen=True)
class TableShape:
    """The table a step reads: its columns (required first), how it compares, and a complete example."""

    columns: tuple[Column, ...]
    example: tuple[tuple[str, ...], ...]
    compares: str = ""

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)

    def gherkin(self, indent: str = "  ") -> list[str]:
        """The example as Gherkin table lines, aligned."""
        lines = [tuple(c.name for c in self.columns)] + list(self.example)
        widths = [max(len(line[i]) for line in lines) for i in range(len(self.columns))]
        return [indent + "| " + " | ".join(v.ljust(w) for v, w in zip(line, widths)) + " |" for line in lines]


def takes_table(shape: TableShape):
    """Mark a step function with the table it reads (the step catalog prints the shape and its example)."""
    def mark(func):
        func.table_shape = shape
        return func
    return mark


def _optional(name: str, takes: str, default: str) -> Column:
    return Column(name, takes, required=False, default=default)


ORDER_TABLE = TableShape(
    columns=(Column("side", side.takes), Column("shares", shares.takes),
             _optional("symbol", symbol.takes, "the scenario's symbol (ACME)"),
             _optional("type", order_type.takes, "market"),
             _optional("limit price", money.takes, "none (needed for limit and stop limit)"),
             _optional("stop price", money.takes, "none (needed for stop and stop limit)"),
             _optional("time in force", time_in_force.takes, "day"),
             _optional("client order id", client_order_id.takes, "none: the broker gives one")),
    example=(("buy", "100", "ACME", "limit", "$45.00", "-", "good till canceled", "desk-1"),
             ("sell", "50", "ACME", "stop", "-", "$48.00", "day", "-"),
             ("buy", "10", "ACME", "market", "-", "-", "immediate or cancel", "-")))

ACCOUNTS_TABLE = TableShape(
    columns=(Column("account", account.takes), Column("cash", money.takes),
             _optional("short selling", yes_no.takes + " (allowed / not allowed)", "allowed")),
    example=(("alice", "$100,000", "allowed"), ("bob", "$25,000.50", "not allowed")))

POSITIONS_TABLE = TableShape(
    columns=(Column("account", account.takes), Column("symbol", symbol.takes),
             Column("shares", shares.takes + " (negative: short)")),
    example=(("alice", "ACME", "500"), ("bob", "ACME", "-200")))

HOLDINGS_TABLE = TableShape(
    columns=(Column("symbol", symbol.takes), Column("shares", shares.takes + " (negative: short)")),
    example=(("ACME", "100"), ("BOLT", "-50")))

HOLDINGS_EXACTLY_TABLE = TableShape(columns=HOLDINGS_TABLE.columns, example=HOLDINGS_TABLE.example,
                                    compares="exactly: every position the account holds, no more, no fewer, "
                                             "in any order")

ORDERS_SUMMARY_TABLE = TableShape(
    columns=(Column("side", side.takes), Column("shares", shares.takes), Column("status", status.takes),
             _optional("symbol", symbol.takes, "the scenario's symbol (ACME)")),
    example=(("buy", "100", "replaced", "ACME"), ("buy", "50", "resting", "ACME"),
             ("sell", "10", "filled", "ACME")),
    compares="exactly: every order this scenario placed for the account, no more, no fewer, in any order")

EVENT_WORDS = ("accepted", "new", "partial_fill", "fill", "pending_cancel", "canceled", "replaced", "expired",
               "rejected", "order_cancel_rejected", "order_replace_rejected")

EVENTS_TABLE = TableShape(
    columns=(Column("event", "an order event: one of " + ", ".join(EVENT_WORDS)),),
    example=(("accepted",), ("new",), ("pending_cancel",), ("canceled",)),
    compares="exactly and in order: every event of the order's log")

UPDATES_TABLE = TableShape(
    columns=(Column("event", "an order update: one of " + ", ".join(EVENT_WORDS)),),
    example=(("new",), ("canceled",)),
    compares="in this order, with other updates allowed between them (brokers add their own, such as "
             "pending_new or pending_cancel)")

CHANGES_TABLE = TableShape(
    columns=(Column("what", 'what may change: "the clock", "alice\'s cash", "alice\'s ACME position", '
                            '"alice\'s orders", "ACME price"'),
             _optional("from", "the value before, as the difference reads it (e.g. $100,000.00, 100 shares)",
                       "any"),
             _optional("to", "the value after (e.g. $94,498.90, none)", "any")),
    example=(("the clock", "-", "-"), ("alice's cash", "$100,000.00", "-"), ("alice's ACME position", "none",
                                                                             "100 shares")),
    compares="what the table names may change (to the values given, if any); anything else that changed fails")

ORDER_COLUMNS = tuple(c.name for c in ORDER_TABLE.columns)
"""The columns of an order table: side and shares required, the rest optional (empty or "-" = the default)."""


def order_requests(table, default_symbol: str) -> list[OrderRequest]:
    requests = []
    for row in rows(table, ORDER_TABLE.required, ORDER_TABLE.optional):
        requests.append(OrderRequest(
            symbol=cell(row, "symbol", symbol, default_symbol), qty=cell(row, "shares", shares),
            side=cell(row, "side", side), type=cell(row, "type", order_type, OrderType.MARKET),
            time_in_force=cell(row, "time in force", time_in_force, TimeInForce.DAY),
            limit_price=cell(row, "limit price", money), stop_price=cell(row, "stop price", money),
            client_order_id=cell(row, "client order id", client_order_id)))
    return requests


__all__ = ["rows", "cell", "shares", "money", "symbol", "account", "side", "order_type", "time_in_force", "status",
           "yes_no", "order_requests", "TableError", "TableShape", "Column", "takes_table", "ORDER_TABLE",
           "ACCOUNTS_TABLE", "POSITIONS_TABLE", "HOLDINGS_TABLE", "HOLDINGS_EXACTLY_TABLE", "ORDERS_SUMMARY_TABLE",
           "EVENTS_TABLE", "UPDATES_TABLE", "CHANGES_TABLE",
           "parse_order_type", "parse_side"]
