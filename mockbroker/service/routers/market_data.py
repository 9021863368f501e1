"""Alpaca Market Data v2 (stocks): latest quotes and trades, bars, latest bars, and our order-book depth.

Both forms Alpaca has: the multi-symbol one alpaca-py's ``StockHistoricalDataClient`` calls
(``/v2/stocks/quotes/latest?symbols=A,B`` -> ``{"quotes": {"A": {...}}}``) and the single-symbol one
(``/v2/stocks/{symbol}/quotes/latest`` -> ``{"symbol": "A", "quote": {...}}``). Any account's keys may read.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from ...errors import InvalidArgument
from .. import serializers as ser
from ..deps import current_account, get_state
from ..errors import responses
from ..models import SYMBOL_PATTERN
from ..strict import SYMBOL_LIST
from ..state import ServiceState
from .trading import _parse_time

router = APIRouter(prefix="/v2/stocks", tags=["market data"])

Account = Annotated[str, Depends(current_account)]
State = Annotated[ServiceState, Depends(get_state)]
Symbol = Annotated[str, Path(pattern=SYMBOL_PATTERN, description="symbol, e.g. ACME")]
Symbols = Annotated[str, Query(min_length=1, max_length=1000, pattern=SYMBOL_LIST,
                               description="comma-separated symbols, e.g. ACME,BETA")]
Time = Annotated[Optional[str], Query(max_length=64, json_schema_extra={"format": "date-time"},
                                      description="an RFC 3339 time, e.g. 2026-01-05T14:30:00Z")]
Feed = Annotated[Optional[str], Query(max_length=16)]
Timeframe = Annotated[str, Query(max_length=16, pattern=r"^[1-9][0-9]{0,3}(Min|T|Hour|H|Day|D|Week|W|Month|M)$",
                                 description="e.g. 1Min, 5Min, 1Hour, 1Day")]
Limit = Annotated[int, Query(ge=1, le=10_000)]

MAX_BARS = 10_000
"""The most bars one request returns (alpaca-py asks for 10,000 per page; the mock serves one page)."""

DATA = (400, 404, 401, 422, 429, 503, 504)


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class LatestQuotes(Loose):
    quotes: dict[str, dict]


class LatestTrades(Loose):
    trades: dict[str, dict]


class MultiBars(Loose):
    bars: dict[str, list[dict]]
    next_page_token: Optional[str] = None


class LatestBars(Loose):
    bars: dict[str, dict]


class SingleQuote(Loose):
    symbol: str
    quote: dict


class SingleTrade(Loose):
    symbol: str
    trade: dict


class SingleBars(Loose):
    symbol: str
    bars: list[dict]
    next_page_token: Optional[str] = None


class Book(Loose):
    symbol: str
    t: str
    b: list[dict]
    a: list[dict]


def _symbols(raw: str) -> list[str]:
    """The symbols of a ``symbols`` parameter (validated against ``SYMBOL_LIST`` already), each once."""
    if not re.fullmatch(SYMBOL_LIST, raw):
        raise InvalidArgument("symbols", raw, "comma-separated symbols without spaces, e.g. ACME,BETA")
    return list(dict.fromkeys(raw.split(",")))


def _timeframe_seconds(timeframe: str) -> int:
    match = re.fullmatch(r"([0-9]+)([A-Za-z]+)", timeframe)
    if not match or match.group(2) not in ser.SECONDS:
        raise InvalidArgument("timeframe", timeframe, "use e.g. 1Min, 5Min, 1Hour, 1Day")
    return int(match.group(1)) * ser.SECONDS[match.group(2)]


def _bars(state: ServiceState, symbol: str, timeframe: str, limit: int, start: str | None, end: str | None,
          sort: str) -> list[dict]:
    seconds = _timeframe_seconds(timeframe)
    start_ns, end_ns = _parse_time("start", start), _parse_time("end", end)
    bars = state.broker.get_bars(symbol, seconds, min(limit, MAX_BARS))
    selected = [b for b in bars if (start_ns is None or b.start_ns >= start_ns)
                and (end_ns is None or b.start_ns <= end_ns)]
    if sort == "desc":
        selected.reverse()
    return [ser.bar_json(b) for b in selected]


@router.get("/quotes/latest", response_model=LatestQuotes, responses=responses(*DATA))
async def latest_quotes(symbols: Symbols, account: Account, state: State, feed: Feed = None,
                        currency: Feed = None):
    names = _symbols(symbols)
    with state.lock:
        return JSONResponse({"quotes": {s: ser.quote_json(state.broker.get_quote(s)) for s in names}})


@router.get("/trades/latest", response_model=LatestTrades, responses=responses(*DATA))
async def latest_trades(symbols: Symbols, account: Account, state: State, feed: Feed = None,
                        currency: Feed = None):
    names = _symbols(symbols)
    with state.lock:
        return JSONResponse({"trades": {s: ser.trade_json(state.broker.get_latest_trade(s)) for s in names}})


@router.get("/bars", response_model=MultiBars, responses=responses(*DATA))
async def bars(symbols: Symbols, timeframe: Timeframe, account: Account, state: State,
               start: Time = None, end: Time = None,
               limit: Limit = MAX_BARS, sort: Literal["asc", "desc"] = "asc",
               page_token: Annotated[Optional[str], Query(max_length=256)] = None,
               adjustment: Feed = None, feed: Feed = None, asof: Feed = None, currency: Feed = None):
    names = _symbols(symbols)
    with state.lock:
        data = {s: _bars(state, s, timeframe, limit, start, end, sort) for s in names}
    return JSONResponse({"bars": data, "next_page_token": None})


@router.get("/bars/latest", response_model=LatestBars, responses=responses(*DATA))
async def latest_bars(symbols: Symbols, account: Account, state: State, feed: Feed = None,
                      currency: Feed = None):
    names = _symbols(symbols)
    with state.lock:
        out = {}
        for s in names:
            bars = state.broker.get_bars(s, 60, 1)
            if bars:
                out[s] = ser.bar_json(bars[-1])
    return JSONResponse({"bars": out})


def _snapshot(state: ServiceState, symbol: str) -> dict:
    """Alpaca's snapshot: latest trade and quote, the latest minute bar, today's daily bar so far and the previous
    session's (daily bars stamped at midnight New York)."""
    broker = state.broker
    minutes = broker.get_bars(symbol, 60, 10_000)
    days = broker.get_bars(symbol, 86_400, 10_000)
    today = ser.daily_start_ns(broker.now_ns())
    daily = days[-1] if days and days[-1].start_ns == today else None
    previous = [d for d in days if d.start_ns < today]
    return {"latestTrade": ser.trade_json(broker.get_latest_trade(symbol)),
            "latestQuote": ser.quote_json(broker.get_quote(symbol)),
            "minuteBar": ser.bar_json(minutes[-1]) if minutes else None,
            "dailyBar": ser.bar_json(daily) if daily is not None else None,
            "prevDailyBar": ser.bar_json(previous[-1]) if previous else None}


class Snapshots(Loose):
    pass


class SingleSnapshot(Loose):
    symbol: str


@router.get("/snapshots", response_model=dict[str, dict], responses=responses(*DATA))
async def snapshots(symbols: Symbols, account: Account, state: State, feed: Feed = None, currency: Feed = None):
    """Snapshots of several symbols, keyed by symbol (the form alpaca-py's ``get_stock_snapshot`` calls)."""
    names = _symbols(symbols)
    with state.lock:
        return JSONResponse({s: _snapshot(state, s) for s in names})


@router.get("/{symbol}/snapshot", response_model=SingleSnapshot, responses=responses(*DATA))
async def snapshot(symbol: Symbol, account: Account, state: State, feed: Feed = None, currency: Feed = None):
    with state.lock:
        return JSONResponse({"symbol": symbol, **_snapshot(state, symbol)})


@router.get("/{symbol}/quotes/latest", response_model=SingleQuote, responses=responses(*DATA))
async def latest_quote(symbol: Symbol, account: Account, state: State, feed: Feed = None):
    with state.lock:
        return JSONResponse({"symbol": symbol, "quote": ser.quote_json(state.broker.get_quote(symbol))})


@router.get("/{symbol}/trades/latest", response_model=SingleTrade, responses=responses(*DATA))
async def latest_trade(symbol: Symbol, account: Account, state: State, feed: Feed = None):
    with state.lock:
        return JSONResponse({"symbol": symbol, "trade": ser.trade_json(state.broker.get_latest_trade(symbol))})


@router.get("/{symbol}/bars", response_model=SingleBars, responses=responses(*DATA))
async def symbol_bars(symbol: Symbol, timeframe: Timeframe, account: Account, state: State,
                      start: Time = None, end: Time = None,
                      limit: Limit = MAX_BARS, sort: Literal["asc", "desc"] = "asc",
                      page_token: Annotated[Optional[str], Query(max_length=256)] = None,
                      adjustment: Feed = None, feed: Feed = None):
    with state.lock:
        data = _bars(state, symbol, timeframe, limit, start, end, sort)
    return JSONResponse({"symbol": symbol, "bars": data, "next_page_token": None})


@router.get("/{symbol}/book", response_model=Book, responses=responses(*DATA))
async def order_book(symbol: Symbol, account: Account, state: State,
                     depth: Annotated[int, Query(ge=1, le=50)] = 5):
    """Ours (Alpaca has no stock depth endpoint): the synthetic L2 book, ``depth`` levels a side."""
    with state.lock:
        return JSONResponse(ser.book_json(state.broker.get_order_book(symbol, depth)))
