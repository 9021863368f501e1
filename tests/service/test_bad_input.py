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
    ({"qty": "2.0000000005"}, "invalid_quantity"), ({"qty": 1.5, "time_in_force": "gtc"}, "fractional_not_allowed"),
    ({"qty": 0.5, "type": "trailing_stop", "trail_price": 1}, "fractional_not_allowed"),
    ({"qty": None, "notional": 5, "type": "limit", "limit_price": 1}, "fractional_not_allowed"),
    ({"qty": 10**30}, "invalid_quantity"), ({"type": "stop", "stop_price": "0.00"}, "invalid_price"),
    ({"type": "limit", "limit_price": -1}, "invalid_price"), ({"type": "limit", "limit_price": "1.005"}, "price_not_on_tick"),
    ({"order_class": "bracket", "time_in_force": "ioc", "take_profit": {"limit_price": 80},
      "stop_loss": {"stop_price": 1}}, "invalid_order_class"),
])
def test_out_of_range_values_get_the_engines_code_and_reason(client, change, reason):
    """Parity: the engine refuses these with InvalidOrder(reason); the service answers the same code and reason."""
    body = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    r = client.post("/v2/orders", headers=client.accounts["alice"], json=body)
    assert r.status_code == 422, r.text
    assert (r.json()["error"], r.json()["reason"]) == ("invalid_order", reason)
    assert orders(client) == []


@pytest.mark.parametrize("change, status, reason", [
    ({"notional": 0.5}, 403, "notional_too_small"),  # Alpaca: 403 "cost basis must be >= 1"
    ({"qty": 10, "side": "sell", "type": "limit", "limit_price": 60, "time_in_force": "gtc", "order_class": "oco",
      "take_profit": {"limit_price": 60}, "stop_loss": {"stop_price": 40}}, 403, "insufficient_position"),
    ({"qty": 0.5, "side": "sell"}, 403, "short_sale_not_allowed"),  # Alpaca: fractional orders cannot sell short
    ({"qty": 10, "order_class": "bracket", "take_profit": {"limit_price": 2000}, "stop_loss": {"stop_price": 1500}},
     409, "invalid_leg_price"),  # the stop loss above the market for a buy entry
    ({"qty": 10, "type": "limit", "limit_price": 40, "order_class": "oto",
      "stop_loss": {"stop_price": 45}}, 409, "invalid_leg_price"),  # ... above the entry's limit price
])
def test_what_depends_on_the_state_or_relates_two_prices_is_403_or_409(client, change, status, reason):
    """Well-formed orders (the published schema accepts them) that the account, the position or the market refuse:
    403 where Alpaca answers 403, 409 where Alpaca answers 422 but no schema can state the rule; never a 422."""
    body = {k: v for k, v in {**BASE, "qty": None, **change}.items() if v is not None}
    r = client.post("/v2/orders", headers=client.accounts["alice"], json=body)
    assert r.status_code == status, r.text
    assert (r.json()["error"], r.json()["reason"]) == ("invalid_order", reason)
    assert r.json()["code"] == {403: 40310000, 409: 40910000}[status]
    assert orders(client) == []
