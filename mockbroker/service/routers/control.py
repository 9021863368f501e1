"""The control API (ours, from the product spec): configure, reset, advance, state, inject, events, market,
accounts, snapshots. Needs ``X-Mock-Admin-Key`` when the service runs with ``--admin-key``."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Optional

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ...config import AccountConfig, BrokerConfig
from ...errors import AlreadyExists, BrokerError, ConfigurationError, InvalidArgument
from .. import serializers as ser
from ..deps import get_state
from ..errors import responses
from ..models import ACCOUNT_PATTERN, SYMBOL_PATTERN, AccountIn, AdvanceIn
from ..inject_schema import check_inject_body, inject_schema
from ..strict import SNAPSHOT_NAME, whole_number
from ..state import ServiceState

log = logging.getLogger("mockbroker.service")

router = APIRouter(prefix="/mock", tags=["control"])
"""Included with ``require_admin`` as a dependency when the service has an admin key (see ``create_app``)."""
State = Annotated[ServiceState, Depends(get_state)]
SnapshotName = Annotated[str, Path(pattern=SNAPSHOT_NAME, description="a snapshot name: 1-64 letters, digits, "
                                                                      "'.', '_', '-'")]
CONTROL = (401, 422)


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class ConfigureOut(Loose):
    seed: int
    scenario: str
    accounts: list[dict]
    now: str


class NowOut(Loose):
    now: str
    now_ns: int


class EventsOut(Loose):
    events: list[dict]
    last_seq: int


class SnapshotOut(Loose):
    id: str
    now: str


def _engine_call(what: str, call, *args):
    """Run an engine call on fuzzable input: a non-BrokerError from bad input is a 422, not a 500."""
    try:
        return call(*args)
    except BrokerError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        log.warning("%s refused input: %r", what, exc)
        raise ConfigurationError(f"{what}: {type(exc).__name__}: {exc}") from None


def _now(state: ServiceState) -> dict:
    now_ns = state.broker.now_ns()
    return {"now": ser.iso(now_ns), "now_ns": now_ns}


@router.post("/configure", response_model=ConfigureOut, responses=responses(400, *CONTROL))
async def configure(state: State, body: Annotated[dict[str, Any], Body(
        openapi_examples={"default": {"value": {"scenario": "normal", "symbols": ["ACME"],
                                                "accounts": [{"id": "alice", "cash": "100000"}], "seed": 7}}})]):
    """Replace the whole simulation. Accounts without keys get keys derived from the seed; all are returned."""
    config = BrokerConfig.from_dict(body)
    with state.lock:
        config, result = _engine_call("configure", state.configure, config)
        return JSONResponse({"seed": config.seed, "scenario": config.scenario, "accounts": state.account_list(),
                             "symbols": [s.symbol for s in config.symbols], **_now(state),
                             "engine": ser.jsonable(result)})


@router.post("/reset", response_model=NowOut, responses=responses(*CONTROL))
async def reset(state: State):
    """Back to the configured initial state (same seed, same accounts and keys)."""
    with state.lock:
        state.broker.reset()
        return JSONResponse(_now(state))


@router.post("/advance", response_model=NowOut, responses=responses(400, 404, *CONTROL))
async def advance(body: AdvanceIn, state: State):
    """``{"seconds": N}`` moves the virtual clock; ``{"untilOrderSettled": id, "account": a, "maxSeconds": 5}``
    runs it until that order is done (or the bound passes) and returns the order."""
    with state.lock:
        if body.seconds is not None:
            state.broker.advance(body.seconds)
            return JSONResponse(_now(state))
        from ...interface import DEFAULT_ACCOUNT
        order = state.broker.settle_order(state.ids.internal(body.until_order_settled),
                                          body.account or DEFAULT_ACCOUNT,
                                          body.max_seconds if body.max_seconds is not None else 5.0)
        return JSONResponse({**_now(state), "order": ser.order_json(order, state.ids)})


@router.get("/state", response_model=Loose, responses=responses(*CONTROL))
async def get_state_(state: State):
    with state.lock:
        return JSONResponse({**_now(state), "state": ser.jsonable(state.broker.state())})


@router.post("/inject", response_model=Loose, responses=responses(400, 404, 409, *CONTROL))
async def inject(state: State, body: Annotated[dict[str, Any], WithJsonSchema(inject_schema()), Body(
        openapi_examples={"halt": {"value": {"type": "halt", "symbol": "ACME"}}})]):
    """Inject a market event or a fault. The body is checked against the published schema, then goes to the
    engine's ``inject`` as it is (an unknown symbol is a 404, a fault rule name in use a 409)."""
    check_inject_body(body)
    with state.lock:
        result = _engine_call("inject", state.broker.inject, body)
        return JSONResponse({**_now(state), "result": ser.jsonable(result)})


@router.get("/events", response_model=EventsOut, responses=responses(404, *CONTROL))
async def events(state: State, since: Annotated[int, Query(ge=0, le=2**62)] = 0,
                 account: Annotated[Optional[str], Query(pattern=ACCOUNT_PATTERN)] = None):
    """The order event log: events with ``seq`` > ``since`` (one account's, or all)."""
    with state.lock:
        log_ = state.broker.order_events(since, account)
        items = [ser.event_json(e, state.ids) for e in log_]
    return JSONResponse({"events": items, "last_seq": items[-1]["seq"] if items else since})


@router.get("/reconcile", response_model=Loose, responses=responses(*CONTROL))
async def reconcile(state: State):
    """Per account: fills explain positions and cash exactly, the ledger identity holds, no id is duplicated
    (``mockbroker.reconciliation``); ``ok`` is true when every account passes."""
    from ...reconciliation import reconcile as reconcile_all

    with state.lock:
        result = reconcile_all(state.broker, [(a.id, a.cash) for a in state.accounts.values()])
    return JSONResponse({**_now(state), **result})


@router.get("/market/{symbol}", response_model=Loose, responses=responses(404, *CONTROL))
async def market(symbol: Annotated[str, Path(pattern=SYMBOL_PATTERN)], state: State):
    with state.lock:
        return JSONResponse(ser.market_state_json(state.broker.market_state(symbol)))


@router.get("/accounts", response_model=list[dict], responses=responses(*CONTROL))
async def accounts(state: State):
    """Every account with its key pair."""
    with state.lock:
        return JSONResponse(state.account_list())


@router.post("/accounts", status_code=201, response_model=dict, responses=responses(400, 404, 409, *CONTROL))
async def open_account(body: AccountIn, state: State):
    """Open another account (keys derived from the seed when omitted); returns it with its keys. An opening
    position in a symbol not traded here answers 404 ``unknown_symbol``, as an order for it does."""
    data = body.model_dump(exclude_none=True)
    account = AccountConfig.from_dict(data)
    with state.lock:
        if account.id in state.accounts:
            raise AlreadyExists("id", account.id, "an account with this id exists")
        if account.api_key_id is not None and account.api_key_id in state.keys:
            raise AlreadyExists("api_key_id", account.api_key_id, "this key id belongs to another account")
        account, result = _engine_call("open_account", state.open_account, account)
        out = next(a for a in state.account_list() if a["id"] == account.id)
    return JSONResponse({**out, "engine": ser.jsonable(result)}, status_code=201)


class SnapshotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Optional[Annotated[str, Field(pattern=SNAPSHOT_NAME)]] = None


@router.post("/snapshot", status_code=201, response_model=SnapshotOut, responses=responses(400, *CONTROL))
async def snapshot(state: State, body: Optional[SnapshotIn] = None):
    """Save the whole simulation under ``name`` (generated when omitted; saving a name again replaces it)."""
    with state.lock:
        info = state.snapshot(body.name if body is not None else None)
    return JSONResponse(ser.jsonable(info), status_code=201)


@router.get("/snapshots", response_model=list[SnapshotOut], responses=responses(*CONTROL))
async def snapshots(state: State):
    with state.lock:
        return JSONResponse(ser.jsonable(state.list_snapshots()))


@router.post("/snapshots/{snapshot_id}/restore", response_model=SnapshotOut, responses=responses(404, *CONTROL))
async def restore(snapshot_id: SnapshotName, state: State):
    with state.lock:
        return JSONResponse(ser.jsonable(state.restore(snapshot_id)))


@router.delete("/snapshots/{snapshot_id}", status_code=204, response_class=Response,
               responses=responses(404, *CONTROL))
async def delete_snapshot(snapshot_id: SnapshotName, state: State):
    """Forget a snapshot (404 ``snapshot_not_found`` when there is none by that name)."""
    with state.lock:
        state.delete_snapshot(snapshot_id)
    return Response(status_code=204)


class RewindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_ns: whole_number("to_ns", 0, description="a time in ns since the epoch, not later than now")


@router.post("/rewind", response_model=NowOut, responses=responses(400, 404, 409, *CONTROL))
async def rewind(body: RewindIn, state: State):
    """Step the clock back to ``to_ns``: the latest snapshot at or before it is restored and the simulation runs
    forward to ``to_ns`` (404 ``snapshot_not_found`` when no snapshot is that early; 409 ``not_in_the_past``
    when ``to_ns`` is later than now: go forward with ``/mock/advance``)."""
    with state.lock:
        if not hasattr(state.broker, "rewind"):
            raise InvalidArgument("to_ns", body.to_ns, "this engine cannot step back in time")
        info = state.broker.rewind(body.to_ns)
        state._relearn()  # the accounts (and their keys) of the restored state
        return JSONResponse({**_now(state), "snapshot": ser.jsonable(info.to_dict())})


@router.get("/snapshots/{before}/diff", response_model=Loose, responses=responses(404, *CONTROL))
async def diff(before: SnapshotName, state: State,
               after: Annotated[Optional[str], Query(pattern=SNAPSHOT_NAME)] = None):
    """What changed between snapshot ``before`` and ``after`` (or now)."""
    with state.lock:
        if not hasattr(state.broker, "diff_snapshots"):
            raise InvalidArgument("before", before, "this engine cannot compare snapshots")
        return JSONResponse(ser.jsonable(state.broker.diff_snapshots(before, after).to_dict()))
