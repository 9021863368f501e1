"""Bad input never breaks the service: 4xx with {"code", "message", "error"}, never 500, nothing half-applied."""

import math

import pytest

BASE = {"symbol": "ACME", "qty": 10, "side": "buy", "type": "market", "time_in_force": "day"}


def orders(client):
    return client.get("/v2/orders", params={"status": "all"}, headers=client.accounts["alice"]).json()


@pytest.mark.parametrize("change", [
    {"qty": True}, {"qty": False}, {"qty": "NaN"}, {"qty": 1e300}, {"qty": 10**30}, {"qty": -5}, {"qty": 0},
    {"qty": 1.5, "time_in_force": "gtc"}, {"qty": "1_000"}, {"qty": "1e3"}, {"qty": " +5 "}, {"qty": "ten"},
    {"qty": None}, {"notional": "0.50"}, {"qty": 1, "notional": 10}, {"qty": [10]}, {"qty": {"n": 10}},
    {"side": "BUY"}, {"side": "hold"}, {"type": "iceberg"}, {"time_in_force": "forever"},
    {"limit_price": True, "type": "limit"}, {"limit_price": -1, "type": "limit"}, {"limit_price": "1e999", "type": "limit"},
    {"symbol": 5}, {"symbol": "acme"}, {"extended_hours": "yes"}, {"notional": 100}, {"take_profit": {}},
    {"type": "limit"},  # no limit price: the engine refuses it
])
def test_bad_orders_are_refused(client, change):
    body = {**BASE, **change}
    r = client.post("/v2/orders", headers=client.accounts["alice"], json=body)
    assert 400 <= r.status_code < 500, r.text
    err = r.json()
    assert isinstance(err["code"], int) and err["message"] and err["error"]
    assert orders(client) == []


def test_missing_fields(client):
    for field in ("symbol", "qty", "side"):
        body = {k: v for k, v in BASE.items() if k != field}
        r = client.post("/v2/orders", headers=client.accounts["alice"], json=body)
        assert r.status_code == 422 and field in r.json()["message"]
    assert orders(client) == []


@pytest.mark.parametrize("raw", [b"{bad json", b"", b"[]", b"null", b"{\"qty\": NaN}", b"\xff\xfe"])
def test_malformed_bodies(client, raw):
    r = client.post("/v2/orders", headers={**client.accounts["alice"], "Content-Type": "application/json"},
                    content=raw)
    assert r.status_code in (400, 422), r.text
    assert r.json()["code"] in (40010001, 42210000)
    assert orders(client) == []


def test_nan_in_json_is_refused(client):
    r = client.post("/v2/orders", headers={**client.accounts["alice"], "Content-Type": "application/json"},
                    content=b'{"symbol":"ACME","qty":NaN,"side":"buy"}')
    assert 400 <= r.status_code < 500
    assert orders(client) == []


@pytest.mark.parametrize("body", [{"seconds": True}, {"seconds": -1}, {"seconds": 1e12}, {"seconds": "1"},
                                  {}, {"seconds": 1, "untilOrderSettled": "x"}, {"minutes": 1}])
def test_bad_advance(client, body):
    before = client.get("/health").json()["now_ns"]
    r = client.post("/mock/advance", json=body)
    assert r.status_code == 422, r.text
    assert client.get("/health").json()["now_ns"] == before


@pytest.mark.parametrize("body", [{"seed": True}, {"seed": -1}, {"symbols": []}, {"accounts": "x"},
                                  {"marketConfig": {"volatility": float("inf")}}, {"bogus": 1},
                                  {"executionConfig": {"fillProbability": 2}}, {"scenario": 3}])
def test_bad_configuration_changes_nothing(client, body):
    if any(isinstance(v, dict) and any(isinstance(x, float) and math.isinf(x) for x in v.values())
           for v in body.values()):
        r = client.post("/mock/configure", content=b'{"marketConfig": {"volatility": Infinity}}',
                        headers={"Content-Type": "application/json"})
    else:
        r = client.post("/mock/configure", json=body)
    assert 400 <= r.status_code < 500, r.text
    assert client.get("/v2/account", headers=client.accounts["alice"]).status_code == 200


def test_bad_query_and_paths(client):
    h = client.accounts["alice"]
    assert client.get("/v2/orders", params={"limit": "many"}, headers=h).status_code == 422
    assert client.get("/v2/orders", params={"status": "sideways"}, headers=h).status_code == 422
    assert client.get("/v2/orders/not-a-real-id", headers=h).status_code == 404
    assert client.get("/v2/stocks/bars", params={"symbols": "ACME", "timeframe": "7Fortnights"},
                      headers=h).status_code == 422
    assert client.get("/v2/orders", params={"after": "yesterday"}, headers=h).status_code == 422
    assert client.put("/v2/account", headers=h).status_code == 405


@pytest.mark.parametrize("change, reason", [
    ({"qty": 0}, "invalid_quantity"), ({"qty": -5}, "invalid_quantity"), ({"qty": 1.0000000001}, "invalid_quantity"),
    ({"qty": 1.5, "time_in_force": "gtc"}, "fractional_not_allowed"), ({"notional": 0.5, "qty": None}, "notional_too_small"),
    ({"qty": 10**30}, "invalid_quantity"), ({"type": "stop", "stop_price": "0.00"}, "invalid_price"),
    ({"type": "limit", "limit_price": -1}, "invalid_price"),
])
def test_out_of_range_values_get_the_engines_code_and_reason(client, change, reason):
    """Parity: the engine refuses these with InvalidOrder(reason); the service answers the same code and reason."""
    r = client.post("/v2/orders", headers=client.accounts["alice"], json={**BASE, **change})
    assert r.status_code == 422, r.text
    assert (r.json()["error"], r.json()["reason"]) == ("invalid_order", reason)
    assert orders(client) == []
