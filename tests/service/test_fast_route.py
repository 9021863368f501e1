"""POST /v2/orders answers on KeyedJsonRoute's direct path exactly as on FastAPI's own path (fastroute.py).

Two services with the same configuration get the same requests in the same order; one has a dependency override
set (for a function no route uses), which sends every request down FastAPI's own path. Status, body and headers
must match request for request: valid orders, every kind of refusal, malformed and odd bodies, missing keys.
"""

from __future__ import annotations

import json

import fastapi.routing
import pytest
from fastapi.testclient import TestClient

from mockbroker.service import create_app
from mockbroker.service.fastroute import KeyedJsonRoute
from mockbroker.service.routers import trading

KEYS = {"APCA-API-KEY-ID": "PKALICE", "APCA-API-SECRET-KEY": "alice-secret"}
CONFIG = {"symbols": ["ACME", "BETA"], "seed": 7,
          "accounts": [{"id": "alice", "cash": "100000", "api_key_id": "PKALICE", "api_secret_key": "alice-secret"}]}
JSON = {"Content-Type": "application/json"}


def _limit(**fields) -> dict:
    return {"symbol": "ACME", "qty": 1, "side": "buy", "type": "limit", "limit_price": "1.00",
            "time_in_force": "gtc", **fields}


# (headers, raw body) in order; state carries over (a duplicate client_order_id needs the first)
CASES = [
    ({**JSON, **KEYS}, json.dumps(_limit())),
    ({**JSON, **KEYS}, json.dumps(_limit(client_order_id="mine-1"))),
    ({**JSON, **KEYS}, json.dumps(_limit(client_order_id="mine-1"))),  # duplicate: 409
    ({**JSON, **KEYS}, json.dumps(_limit(qty="2.5", time_in_force="day"))),  # fractional
    ({**JSON, **KEYS}, json.dumps({"symbol": "ACME", "qty": 5, "side": "buy", "type": "market",
                                   "time_in_force": "day"})),
    ({**JSON, **KEYS}, json.dumps(_limit(order_class="bracket", take_profit={"limit_price": "2.00"},
                                         stop_loss={"stop_price": "0.50"}))),
    ({**JSON, **KEYS}, json.dumps(_limit(qty=0))),  # out of range: the engine's invalid_order
    ({**JSON, **KEYS}, json.dumps(_limit(qty="1e3"))),
    ({**JSON, **KEYS}, json.dumps(_limit(limit_price="1.005"))),  # off the cents
    ({**JSON, **KEYS}, json.dumps(_limit(qty=10_000, limit_price="999.00"))),  # buying power: 403
    ({**JSON, **KEYS}, json.dumps(_limit(symbol="NOPE"))),
    ({**JSON, **KEYS}, json.dumps(_limit(colour="red"))),  # unknown field
    ({**JSON, **KEYS}, json.dumps(_limit(stop_price=None))),  # null is no value
    ({**JSON, **KEYS}, json.dumps(_limit(side="sell", position_intent="buy_to_open"))),
    ({**JSON, **KEYS}, '{"symbol": "ACME", "qty": NaN, "side": "buy"}'),
    ({**JSON, **KEYS}, "{"),  # malformed
    ({**JSON, **KEYS}, "[]"),
    ({**JSON, **KEYS}, ""),  # no body
    ({**KEYS}, json.dumps(_limit())),  # no content type
    ({"Content-Type": "text/plain", **KEYS}, json.dumps(_limit())),
    ({"Content-Type": "application/json; charset=utf-8", **KEYS}, json.dumps(_limit())),
    (JSON, json.dumps(_limit())),  # no keys
    (JSON, ""),
    ({**JSON, "APCA-API-KEY-ID": "PKALICE", "APCA-API-SECRET-KEY": "wrong"}, json.dumps(_limit())),
    ({**JSON, "APCA-API-KEY-ID": "PKALICE"}, "{"),
]


def _answers(client: TestClient) -> list[tuple]:
    out = []
    for headers, body in CASES:
        r = client.post("/v2/orders", content=body.encode(), headers=headers)
        kept = {k: v for k, v in r.headers.items() if k in ("content-type", "content-length") or k.startswith("x-")}
        out.append((r.status_code, r.json(), kept))
    return out


def _unused_dependency() -> None:  # pragma: no cover - never called: its override only switches the path
    pass


def test_the_direct_path_answers_as_fastapi_does():
    with TestClient(create_app(config=CONFIG)) as direct, TestClient(create_app(config=CONFIG)) as generic:
        generic.app.dependency_overrides[_unused_dependency] = _unused_dependency
        fast, slow = _answers(direct), _answers(generic)
    for (headers, body), a, b in zip(CASES, fast, slow):
        assert a == b, f"headers {headers}, body {body!r}: direct path {a} but FastAPI's path {b}"
    statuses = {status for status, _, _ in fast}
    assert {200, 400, 401, 403, 409, 422} <= statuses, statuses  # the cases reach every kind of answer


def test_the_order_route_takes_the_direct_path(monkeypatch):
    route = next(r for r in trading.router.routes if getattr(r, "path", None) == "/v2/orders"
                 and "POST" in getattr(r, "methods", ()))
    assert isinstance(route, KeyedJsonRoute)
    calls = []
    solve = fastapi.routing.solve_dependencies

    async def counting(*args, **kwargs):
        calls.append(kwargs["dependant"].call)
        return await solve(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    with TestClient(create_app(config=CONFIG)) as client:
        assert route.direct
        r = client.post("/v2/orders", json=_limit(), headers=KEYS)
        assert r.status_code == 200, r.text
        assert trading.submit_order not in calls  # answered without FastAPI's dependency resolution
        r = client.post("/v2/orders", json=_limit(qty=0), headers=KEYS)
        assert r.status_code == 422 and trading.submit_order in calls  # a refusal is FastAPI's own answer


@pytest.mark.parametrize("endpoint_shape", ["query", "two bodies"])
def test_other_shapes_keep_fastapi_path(endpoint_shape):
    from fastapi import APIRouter, FastAPI
    from pydantic import BaseModel

    class Thing(BaseModel):
        name: str

    router = APIRouter(route_class=KeyedJsonRoute)
    if endpoint_shape == "query":
        @router.post("/x")
        async def with_query(body: Thing, limit: int = 1):  # pragma: no cover - only built
            return {}
    else:
        @router.post("/x")
        async def two_bodies(a: Thing, b: Thing):  # pragma: no cover - only built
            return {}
    app = FastAPI()
    app.include_router(router)
    assert not router.routes[0].direct


def test_order_answers_render_the_bytes_starlette_would():
    from fastapi.responses import JSONResponse

    from mockbroker.service.responses import OrderJSONResponse

    with TestClient(create_app(config=CONFIG)) as client:
        bodies = [client.post("/v2/orders", json=order, headers=KEYS) for order in (
            _limit(), _limit(client_order_id="ordre-é-注文-🚀"), _limit(qty="2.5", time_in_force="day"),
            _limit(order_class="bracket", take_profit={"limit_price": "2.00"}, stop_loss={"stop_price": "0.50"}))]
        assert all(r.status_code == 200 for r in bodies), [r.text for r in bodies]
        bodies.append(client.get("/v2/orders", params={"status": "all", "nested": "true"}, headers=KEYS))
    for r in bodies:
        content = r.json()
        assert OrderJSONResponse(content).body == JSONResponse(content).body == r.content
    huge = {"n": 2**70, 1: "int key"}  # what orjson refuses goes to Starlette's renderer
    assert OrderJSONResponse(huge).body == JSONResponse(huge).body


def test_the_published_operation_is_fastapis():
    with TestClient(create_app(config=CONFIG)) as client:
        operation = client.get("/openapi.json").json()["paths"]["/v2/orders"]["post"]
    assert operation["security"] == [{"ApiKeyId": []}, {"ApiSecretKey": []}]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/OrderIn"}
    assert operation["operationId"] == "submit_order_v2_orders_post"
    assert {"200", "401", "403", "409", "422"} <= set(operation["responses"])


def test_headers_are_read_as_starlette_reads_them():
    from starlette.datastructures import Headers

    from mockbroker.service.fastroute import _headers

    names = [b"content-type", b"apca-api-key-id", b"apca-api-secret-key", b"host", b"x-other"]
    for raw in ([], [(b"content-type", b"application/json")],
                [(n, b"%s-%d" % (n, i)) for i in range(3) for n in names],  # each repeated: the first counts
                [(b"apca-api-key-id", b"caf\xe9"), (b"host", b"x")]):  # Latin-1, as ASGI headers are
        seen = Headers(raw=raw)
        assert _headers(raw) == (seen.get("content-type"), seen.get("apca-api-key-id"),
                                 seen.get("apca-api-secret-key"))
