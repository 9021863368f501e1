"""Alpaca Trading API v2: account, orders, positions, clock, assets, fill activities."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from ...domain import OrderRequest, OrderType, Side, TimeInForce
from ...errors import InvalidArgument, OrderNotFound
from .. import serializers as ser
from ..deps import current_account, get_state
from ..errors import responses
from ..models import SYMBOL_PATTERN, OrderIn, ReplaceIn
from ..strict import DATE_TIME_SCHEMA, SYMBOL_LIST, parse_rfc3339
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
    qty: str
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
    order_id: str
    symbol: str
    qty: str
    price: str
    side: str


def _order_request(body: OrderIn) -> OrderRequest:
    return OrderRequest(
        symbol=body.symbol, qty=body.qty, side=Side(body.side.value), type=OrderType(body.type.value),
        time_in_force=TimeInForce(body.time_in_force.value), limit_price=body.limit_price,
        stop_price=body.stop_price, trail_price=body.trail_price, trail_percent=body.trail_percent,
        client_order_id=body.client_order_id, extended_hours=bool(body.extended_hours))


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
        return JSONResponse(ser.order_json(order, state.ids))


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
            selected.append(o)
        selected.sort(key=lambda o: (o.submitted_ns, o.created_ns), reverse=direction == "desc")
        return JSONResponse([ser.order_json(o, state.ids) for o in selected[:limit]])


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
        return JSONResponse(ser.order_json(order, state.ids))


@router.patch("/orders/{order_id}", response_model=OrderOut, responses=responses(400, 403, 404, *AUTH))
async def replace_order(order_id: OrderId, body: ReplaceIn, account: Account, state: State):
    with state.lock:
        order = state.broker.replace_order(
            state.ids.internal(order_id), account, qty=body.qty, limit_price=body.limit_price,
            stop_price=body.stop_price,
            time_in_force=TimeInForce(body.time_in_force.value) if body.time_in_force is not None else None)
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


@router.delete("/positions/{symbol}", response_model=OrderOut, responses=responses(403, 404, *AUTH))
async def close_position(symbol: Symbol, account: Account, state: State, request: Request):
    """Close the whole position at market. Alpaca's ``qty`` and ``percentage`` (partial closes) are not in this
    mock's API: given, they are refused rather than ignored."""
    partial = [name for name in ("qty", "percentage") if name in request.query_params]
    if partial:
        raise InvalidArgument(partial[0], request.query_params[partial[0]],
                              "partial closes are not supported by the mock; close the whole position")
    with state.lock:
        order = state.broker.close_position(symbol, account)
        return JSONResponse(ser.order_json(order, state.ids))


@router.get("/clock", response_model=ClockOut, responses=responses(*AUTH))
async def get_clock(account: Account, state: State):
    with state.lock:
        return JSONResponse(ser.clock_json(state.broker.now_ns()))


@router.get("/assets/{symbol}", response_model=AssetOut, responses=responses(404, *AUTH))
async def get_asset(symbol: Symbol, account: Account, state: State):
    with state.lock:
        config = state.symbol_config(symbol)
        if config is None:  # no configuration known: ask the engine (raises UnknownSymbol)
            state.broker.market_state(symbol)
        return JSONResponse(ser.asset_json(config, symbol))


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
