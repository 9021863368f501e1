"""Alpaca Trading API v2: account, orders, positions, clock, assets, fill activities."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional

import jsonschema_rs
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from ...domain import OrderClass, OrderRequest, OrderType, Side, TimeInForce
from ...errors import BrokerError, InvalidArgument, InvalidOrder, OrderNotFound, RejectReason
from .. import serializers as ser
from ..deps import current_account, get_state
from ..errors import responses
from ..models import SYMBOL_PATTERN, ConfigurationsIn, OrderIn, ReplaceIn
from ..strict import DATE_SCHEMA, DATE_TIME_SCHEMA, SYMBOL_LIST, decimal_pattern, parse_full_date, parse_rfc3339
from ..state import ServiceState

router = APIRouter(prefix="/v2", tags=["trading"])

Account = Annotated[str, Depends(current_account)]
State = Annotated[ServiceState, Depends(get_state)]
OrderId = Annotated[str, Path(min_length=1, max_length=128, description="order id (UUID)")]
Symbol = Annotated[str, Path(pattern=SYMBOL_PATTERN, description="symbol, e.g. ACME")]
Time = Annotated[Optional[str], Query(max_length=64, json_schema_extra={"format": "date-time"},
                                      description="an RFC 3339 time, e.g. 2026-01-05T14:30:00Z")]
SymbolList = Annotated[Optional[str], Query(max_length=1000, pattern=SYMBOL_LIST,
                                            description="comma-separated symbols, e.g. ACME,BETA")]

AUTH = (401, 422, 429, 503, 504)


class Loose(BaseModel):
    """Response documentation: an object (fields as in docs/http-api.md and Alpaca's reference)."""

    model_config = ConfigDict(extra="allow")


class OrderOut(Loose):
    id: str
    client_order_id: str
    status: str
    symbol: str
    qty: Optional[str] = None
    notional: Optional[str] = None
    filled_qty: str
    side: str
    type: str
    order_type: str
    time_in_force: str
    created_at: str
    updated_at: str
    submitted_at: str
    extended_hours: bool
    order_class: str
    asset_id: str
    asset_class: str


class AccountOut(Loose):
    id: str
    account_number: str
    status: str
    currency: str
    cash: str
    buying_power: str
    equity: str


class PositionOut(Loose):
    asset_id: str
    symbol: str
    exchange: str
    asset_class: str
    avg_entry_price: str
    qty: str
    side: str
    cost_basis: str
    market_value: str


class CancelResult(Loose):
    id: str
    status: int
    body: Optional[OrderOut] = None


class ClockOut(Loose):
    timestamp: str
    is_open: bool
    next_open: str
    next_close: str


class AssetOut(Loose):
    id: str
    symbol: str
    exchange: str
    status: str
    tradable: bool


class ActivityOut(Loose):
    id: str
    activity_type: str
    symbol: Optional[str] = None
    qty: Optional[str] = None


class ClosedPosition(Loose):
    symbol: str
    status: int
    order_id: Optional[str] = None
    body: dict


class CalendarOut(Loose):
    date: str
    open: str
    close: str
    session_open: str
    session_close: str


class ConfigurationsOut(Loose):
    dtbp_check: str
    fractional_trading: bool
    max_margin_multiplier: str
    no_shorting: bool
    pdt_check: str
    suspend_trade: bool
    trade_confirm_email: str
    ptp_no_exception_entry: bool


class PortfolioHistoryOut(Loose):
    timestamp: list[int]
    equity: list[float]
    profit_loss: list[float]
    profit_loss_pct: list[float]
    base_value: float
    timeframe: str




def _order_request(body: OrderIn) -> OrderRequest:
    if body.position_intent is not None and not body.position_intent.startswith(body.side.value):
        raise InvalidOrder(f"position_intent {body.position_intent} does not fit side {body.side.value}",
                           reason=RejectReason.INVALID_ORDER_TYPE)
    return OrderRequest(
        symbol=body.symbol, qty=body.qty, side=Side(body.side.value), type=OrderType(body.type.value),
        time_in_force=TimeInForce(body.time_in_force.value), limit_price=body.limit_price,
        stop_price=body.stop_price, trail_price=body.trail_price, trail_percent=body.trail_percent,
        client_order_id=body.client_order_id, extended_hours=bool(body.extended_hours), notional=body.notional,
        order_class=OrderClass(body.order_class or "simple"),
        take_profit=body.take_profit.limit_price if body.take_profit is not None else None,
        stop_loss=body.stop_loss.stop_price if body.stop_loss is not None else None,
        stop_loss_limit=body.stop_loss.limit_price if body.stop_loss is not None else None)


def _order_out(state: ServiceState, order, account: str, nested: bool) -> dict:
    """An order, with its legs nested when it is a group's parent and ``nested`` (Alpaca's rule)."""
    legs = [state.broker.get_order(leg, account) for leg in order.legs] if nested and order.legs else None
    return ser.order_json(order, state.ids, legs)


@router.get("/account", response_model=AccountOut, responses=responses(*AUTH))
async def get_account(account: Account, state: State):
    with state.lock:
        acct = state.broker.get_account(account)
        return JSONResponse(ser.account_json(acct, state.broker.now_ns()))


@router.post("/orders", response_model=OrderOut, responses=responses(400, 403, 404, 409, *AUTH))
async def submit_order(body: OrderIn, account: Account, state: State):
    request = _order_request(body)
    with state.lock:
        order = state.broker.submit_order(request, account)
        return JSONResponse(_order_out(state, order, account, True))


def _parse_time(name: str, value: str | None) -> int | None:
    """An RFC 3339 time (the schema's ``date-time``) in ns since the epoch; None when not given."""
    if value is None:
        return None
    ns = parse_rfc3339(value)
    if ns is None:
        raise InvalidArgument(name, value, "not an RFC 3339 time (e.g. 2026-01-05T14:30:00Z)")
    return ns


@router.get("/orders", response_model=list[OrderOut], responses=responses(*AUTH))
async def list_orders(account: Account, state: State,
                      status: Literal["open", "closed", "all"] = "open",
                      limit: Annotated[int, Query(ge=1, le=10_000, description="Alpaca allows up to 500; the mock up to 10,000")] = 50,
                      after: Time = None, until: Time = None,
                      direction: Literal["asc", "desc"] = "desc",
                      nested: Optional[bool] = None,
                      side: Optional[Literal["buy", "sell"]] = None,
                      symbols: SymbolList = None):
    after_ns = _parse_time("after", after)
    until_ns = _parse_time("until", until)
    wanted = set(symbols.split(",")) if symbols is not None else None
    with state.lock:
        orders = state.broker.list_orders(account, status=status)  # the engine's filter: no snapshots of the rest
        selected = []
        for o in orders:
            if status == "open" and not o.is_open or status == "closed" and o.is_open:
                continue
            if side is not None and o.side.value != side:
                continue
            if wanted is not None and o.symbol not in wanted:
                continue
            if after_ns is not None and o.submitted_ns <= after_ns:
                continue
            if until_ns is not None and o.submitted_ns >= until_ns:
                continue
            if nested and o.parent_id is not None:
                continue  # nested: legs appear under their parent
            selected.append(o)
        selected.sort(key=lambda o: (o.submitted_ns, o.created_ns), reverse=direction == "desc")
        return JSONResponse([_order_out(state, o, account, bool(nested)) for o in selected[:limit]])


@router.get("/orders:by_client_order_id", response_model=OrderOut, responses=responses(404, *AUTH))
async def get_order_by_client_id(account: Account, state: State,
                                 client_order_id: Annotated[str, Query(min_length=1, max_length=128)]):
    with state.lock:
        order = state.broker.get_order_by_client_id(client_order_id, account)
        return JSONResponse(ser.order_json(order, state.ids))


@router.get("/orders/{order_id}", response_model=OrderOut, responses=responses(404, *AUTH))
async def get_order(order_id: OrderId, account: Account, state: State, nested: Optional[bool] = None):
    with state.lock:
        order = state.broker.get_order(state.ids.internal(order_id), account)
        return JSONResponse(_order_out(state, order, account, bool(nested)))


@router.patch("/orders/{order_id}", response_model=OrderOut, responses=responses(400, 403, 404, *AUTH))
async def replace_order(order_id: OrderId, body: ReplaceIn, account: Account, state: State):
    with state.lock:
        order = state.broker.replace_order(
            state.ids.internal(order_id), account, qty=body.qty, limit_price=body.limit_price,
            stop_price=body.stop_price,
            time_in_force=TimeInForce(body.time_in_force.value) if body.time_in_force is not None else None,
            trail=body.trail, client_order_id=body.client_order_id)
        return JSONResponse(ser.order_json(order, state.ids))


@router.delete("/orders/{order_id}", status_code=204, response_class=Response, responses=responses(404, *AUTH))
async def cancel_order(order_id: OrderId, account: Account, state: State):
    with state.lock:
        state.broker.cancel_order(state.ids.internal(order_id), account)
    return Response(status_code=204)


@router.delete("/orders", status_code=207, response_model=list[CancelResult], responses=responses(*AUTH))
async def cancel_all_orders(account: Account, state: State):
    with state.lock:
        orders = state.broker.cancel_all_orders(account)
        body = [{"id": ser.order_json(o, state.ids)["id"], "status": 200, "body": ser.order_json(o, state.ids)}
                for o in orders]
    return JSONResponse(body, status_code=207)


@router.get("/positions", response_model=list[PositionOut], responses=responses(*AUTH))
async def list_positions(account: Account, state: State):
    with state.lock:
        return JSONResponse([ser.position_json(p) for p in state.broker.list_positions(account)])


@router.get("/positions/{symbol}", response_model=PositionOut, responses=responses(404, *AUTH))
async def get_position(symbol: Symbol, account: Account, state: State):
    with state.lock:
        return JSONResponse(ser.position_json(state.broker.get_position(symbol, account)))


CLOSE_AMOUNT = {"type": "object", "additionalProperties": False, "maxProperties": 1, "properties": {
    "qty": {"type": "string", "maxLength": 32, "pattern": decimal_pattern(9, 10**10, inclusive=False),
            "description": "shares to close (above 0, at most 9 decimal places)"},
    "percentage": {"type": "string", "maxLength": 32, "pattern": decimal_pattern(9, 100, inclusive=True),
                   "description": "percent of the position to close (above 0, at most 100, at most 9 decimal places)"}},
    "description": "how much to close: qty or percentage, not both (the whole position when neither is given)"}
"""``DELETE /v2/positions/{symbol}``'s query: one form-exploded object parameter, so the schema can say "not both"
(OpenAPI has no rule across separate query parameters). On the wire: ``?qty=1.5`` or ``?percentage=50``."""
_CLOSE_AMOUNT = jsonschema_rs.validator_for(CLOSE_AMOUNT)


@router.delete("/positions/{symbol}", response_model=OrderOut, responses=responses(403, 404, *AUTH),
               openapi_extra={"parameters": [{"name": "amount", "in": "query", "required": False, "style": "form",
                                              "explode": True, "schema": CLOSE_AMOUNT}]})
async def close_position(symbol: Symbol, account: Account, state: State, request: Request):
    """Close the whole position at market, or ``qty`` shares, or ``percentage`` percent of it (not both). An amount
    larger than the position holds, or a percentage that comes to less than a whole share of a whole-share
    position: 403 (``insufficient_position`` / ``invalid_quantity``), as Alpaca answers "insufficient qty"."""
    amount = dict(request.query_params)
    if len(request.query_params.multi_items()) != len(amount) or not _CLOSE_AMOUNT.is_valid(amount):
        problem = next(iter(_CLOSE_AMOUNT.iter_errors(amount)), None)
        raise InvalidArgument("query", str(request.url.query)[:200],
                              "give qty (shares, e.g. qty=1.5) or percentage (e.g. percentage=50), once, not both"
                              + (f" ({problem.message})" if problem is not None else ""))
    with state.lock:
        order = state.broker.close_position(symbol, account, qty=amount.get("qty"),
                                            percentage=amount.get("percentage"))
        return JSONResponse(ser.order_json(order, state.ids))


@router.delete("/positions", status_code=207, response_model=list[ClosedPosition], responses=responses(*AUTH))
async def close_all_positions(account: Account, state: State, cancel_orders: Optional[bool] = None):
    """Close every position at market (after canceling every open order, with ``cancel_orders``): 207 with one
    ``{"symbol", "status", "order_id", "body"}`` per position, as Alpaca answers."""
    with state.lock:
        results = state.broker.close_all_positions(account, cancel_orders=bool(cancel_orders))
        body = []
        for symbol, outcome in results:
            if isinstance(outcome, BrokerError):
                from ..errors import ALPACA_CODES

                status = outcome.http_status
                body.append({"symbol": symbol, "status": status, "order_id": None,
                             "body": {"code": ALPACA_CODES.get(status, status * 100_000), "message": outcome.message,
                                      "symbol": symbol, "error": outcome.code}})
            else:
                order = ser.order_json(outcome, state.ids)
                body.append({"symbol": symbol, "status": 200, "order_id": order["id"], "body": order})
    return JSONResponse(body, status_code=207)


@router.get("/clock", response_model=ClockOut, responses=responses(*AUTH))
async def get_clock(account: Account, state: State):
    """Now, whether the regular session is open, and the next open and close (NYSE holidays and early closes)."""
    with state.lock:
        return JSONResponse(ser.clock_json(state.broker.now_ns()))


CALENDAR_FIRST, CALENDAR_LAST = date(1970, 1, 1), date(2099, 12, 31)
"""What ``GET /v2/calendar`` serves (Alpaca's serves 1970 to 2029): dates outside are answered with nothing."""
CalendarDate = Annotated[Optional[str], Query(max_length=10, json_schema_extra=DATE_SCHEMA,
                                              description="YYYY-MM-DD (an RFC 3339 full-date)")]


@router.get("/calendar", response_model=list[CalendarOut], responses=responses(*AUTH))
async def get_calendar(account: Account, state: State, start: CalendarDate = None, end: CalendarDate = None):
    """The NYSE's sessions from ``start`` to ``end`` (both included; default: the current date on the virtual clock
    to a month later): date, open and close in New York (13:00 on early-close days), and the extended session
    (04:00-20:00, 17:00 after an early close). The calendar covers 1970 to 2099 (Alpaca's, 1970 to 2029); an end
    before the start answers an empty list."""
    from ...market import session

    with state.lock:
        today = session.day_of(state.broker.now_ns())
    first = _calendar_date("start", start) if start is not None else today
    last = _calendar_date("end", end) if end is not None else min(first + timedelta(days=31), CALENDAR_LAST)
    first, last = max(first, CALENDAR_FIRST), min(last, CALENDAR_LAST)
    days = []
    for year in range(first.year, last.year + 1) if first <= last else ():
        days += [d for d in _calendar_year(year) if first.isoformat() <= d["date"] <= last.isoformat()]
    return JSONResponse(days)


@functools.lru_cache(maxsize=None)
def _calendar_year(year: int) -> tuple[dict, ...]:
    """A year's sessions as Alpaca writes them (built once per process: a whole century is asked for at times)."""
    from ...market import session

    return tuple(ser.calendar_json(s) for s in session.sessions_between(date(year, 1, 1), date(year, 12, 31)))


def _calendar_date(name: str, value: str) -> date:
    """A full-date as the schema's ``format: date`` has it, within the calendar's years (clamped to them)."""
    parts = parse_full_date(value)
    if parts is None:
        raise InvalidArgument(name, value, "not a date (YYYY-MM-DD)")
    if parts < (CALENDAR_FIRST.year, 1, 1):
        return CALENDAR_FIRST
    if parts > (CALENDAR_LAST.year, 12, 31):
        return CALENDAR_LAST
    return date(*parts)


@router.get("/assets", response_model=list[AssetOut], responses=responses(*AUTH))
async def list_assets(account: Account, state: State,
                      status: Optional[Literal["active", "inactive"]] = None,
                      asset_class: Optional[Literal["us_equity", "us_option", "crypto"]] = None,
                      exchange: Annotated[Optional[str], Query(max_length=16, pattern=r"^[A-Z]{0,10}$")] = None,
                      attributes: Annotated[Optional[str], Query(max_length=200)] = None):
    """Every simulated symbol as an Alpaca asset (all active us_equity on NASDAQ), narrowed by the filters."""
    with state.lock:
        configs = list(state.config.symbols) if state.config is not None else []
    assets = [ser.asset_json(c, c.symbol) for c in configs]
    wanted = {a.strip() for a in attributes.split(",") if a.strip()} if attributes else set()
    assets = [a for a in assets if (status is None or a["status"] == status)
              and (asset_class is None or a["class"] == asset_class)
              and (exchange is None or a["exchange"] == exchange)
              and (not wanted or wanted & set(a["attributes"]))]
    return JSONResponse(sorted(assets, key=lambda a: a["symbol"]))


@router.get("/assets/{symbol}", response_model=AssetOut, responses=responses(404, *AUTH))
async def get_asset(symbol: Symbol, account: Account, state: State):
    with state.lock:
        config = state.symbol_config(symbol)
        if config is None:  # no configuration known: ask the engine (raises UnknownSymbol)
            state.broker.market_state(symbol)
        return JSONResponse(ser.asset_json(config, symbol))


@router.get("/account/configurations", response_model=ConfigurationsOut, responses=responses(*AUTH))
async def get_configurations(account: Account, state: State):
    with state.lock:
        return JSONResponse(state.broker.get_account_configurations(account))


@router.patch("/account/configurations", response_model=ConfigurationsOut, responses=responses(400, *AUTH))
async def set_configurations(body: ConfigurationsIn, account: Account, state: State):
    """Change the account's settings; ``no_shorting``, ``fractional_trading`` and ``suspend_trade`` change what
    orders are accepted (docs/http-api.md)."""
    with state.lock:
        return JSONResponse(state.broker.set_account_configurations(account, **body.model_dump(exclude_none=True)))


@router.get("/account/portfolio/history", response_model=PortfolioHistoryOut, responses=responses(*AUTH))
async def portfolio_history(account: Account, state: State,
                            period: Annotated[Optional[str], Query(max_length=8, pattern=r"^[1-9][0-9]{0,3}[DWMA]$")] = None,
                            timeframe: Optional[Literal["1Min", "5Min", "15Min", "1H", "1D"]] = None,
                            date_end: Annotated[Optional[str], Query(max_length=10)] = None,
                            extended_hours: Optional[bool] = None,
                            intraday_reporting: Annotated[Optional[str], Query(max_length=32)] = None,
                            pnl_reset: Annotated[Optional[str], Query(max_length=32)] = None,
                            start: Annotated[Optional[str], Query(max_length=64)] = None,
                            end: Annotated[Optional[str], Query(max_length=64)] = None,
                            cashflow_types: Annotated[Optional[str], Query(max_length=64)] = None):
    """Equity and P&L over ``period`` at ``timeframe`` steps, replayed from the account's fills and cash movements at
    the market's prices (docs/http-api.md). ``date_end``, ``start``, ``end`` and the reporting options are accepted
    and ignored: the history always ends now, on the virtual clock."""
    with state.lock:
        history = state.broker.portfolio_history(account, period, timeframe)
    return JSONResponse({**ser.jsonable(history), "equity": [float(v) for v in history["equity"]],
                         "profit_loss": [float(v) for v in history["profit_loss"]],
                         "profit_loss_pct": [float(v) for v in history["profit_loss_pct"]],
                         "base_value": float(history["base_value"]), "cashflow": {}})


ACTIVITY_TYPES = ("FILL", "DIV", "SPLIT")
"""The activities the mock produces."""
ALPACA_ACTIVITY_TYPES = ("FILL", "ACATC", "ACATS", "CFEE", "CIL", "CSD", "CSW", "DIV", "DIVCGL", "DIVCGS", "DIVNRA",
                         "DIVROC", "DIVTXEX", "DIVWH", "EXTRD", "FEE", "FXTRD", "INT", "INTPNL", "JNLC", "JNLS", "MA",
                         "MEM", "NC", "OCT", "OPASN", "OPCSH", "OPEXC", "OPEXP", "OPTRD", "PTC", "REORG", "SPIN",
                         "SPLIT", "SWP", "VOF", "WH")
"""Alpaca's activity types (alpaca-py's ``ActivityType``): asking for one the mock never produces answers nothing,
as Alpaca answers for an account without such activities."""
_ONE_TYPE = "(?:" + "|".join(ALPACA_ACTIVITY_TYPES) + ")"
ActivityTypeName = Literal[ALPACA_ACTIVITY_TYPES[1:]]  # type: ignore[valid-type]  (FILL has its own route)


@router.get("/account/activities", response_model=list[ActivityOut], responses=responses(*AUTH))
async def activities(account: Account, state: State,
                     activity_types: Annotated[Optional[str], Query(
                         max_length=300, pattern=f"^{_ONE_TYPE}(?:,{_ONE_TYPE})*$",
                         description="comma-separated activity types, e.g. FILL,DIV")] = None,
                     direction: Literal["asc", "desc"] = "desc",
                     page_size: Annotated[int, Query(ge=1, le=100)] = 100,
                     date: Annotated[Optional[str], Query(max_length=10)] = None,
                     until: Annotated[Optional[str], Query(max_length=64)] = None,
                     after: Annotated[Optional[str], Query(max_length=64)] = None,
                     page_token: Annotated[Optional[str], Query(max_length=128)] = None):
    """Every activity of the account the mock produces: FILL, DIV (dividends), SPLIT (a fraction's cash-out); any
    other of Alpaca's types answers nothing (the mock has none)."""
    types = [t for t in activity_types.split(",") if t in ACTIVITY_TYPES] if activity_types else None
    if types == []:
        return JSONResponse([])
    with state.lock:
        items = [ser.activity_json(a, account, state.ids) for a in state.broker.list_activities(account, types)]
    if direction == "desc":
        items.reverse()
    return JSONResponse(items[:page_size])


@router.get("/account/activities/FILL", response_model=list[ActivityOut], responses=responses(404, *AUTH))
async def fill_activities(account: Account, state: State,
                          order_id: Annotated[Optional[str], Query(min_length=1, max_length=128)] = None):
    """Fills of the account (Alpaca's FILL activities); ``order_id`` narrows them to one order (ours)."""
    with state.lock:
        internal = state.ids.internal(order_id) if order_id is not None else None
        if internal is not None:
            state.broker.get_order(internal, account)  # 404 for someone else's order
        fills = state.broker.list_fills(account, internal)
        return JSONResponse([ser.fill_json(f, state.ids) for f in fills])


@router.get("/account/activities/{activity_type}", response_model=list[ActivityOut], responses=responses(*AUTH))
async def activities_of_type(activity_type: ActivityTypeName, account: Account, state: State,
                             direction: Literal["asc", "desc"] = "desc"):
    """Dividends (DIV) or split cash-outs (SPLIT) of the account; Alpaca's other types answer nothing."""
    if activity_type not in ACTIVITY_TYPES:
        return JSONResponse([])
    with state.lock:
        items = [ser.activity_json(a, account, state.ids)
                 for a in state.broker.list_activities(account, [activity_type])]
    if direction == "desc":
        items.reverse()
    return JSONResponse(items)
