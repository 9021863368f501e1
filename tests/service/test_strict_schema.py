"""The published OpenAPI schema and the server agree exactly (issue 17): what the schema accepts the server
accepts (never a 400 or 422), what it refuses the server refuses. The disagreements the probe found are each a
case here, and hypothesis compares the two on generated quantities, prices and times."""

from __future__ import annotations

import json
from decimal import Decimal

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockbroker.service.strict import parse_rfc3339

BASE = {"symbol": "ACME", "side": "buy", "type": "limit", "time_in_force": "gtc"}


@pytest.fixture(scope="module")
def openapi():
    from fastapi.testclient import TestClient

    from mockbroker.service import create_app

    with TestClient(create_app()) as client:
        return client.get("/openapi.json").json()


def body_schema(openapi: dict, path: str, method: str) -> dict:
    """The request body's schema with the document's components, ready for a validator."""
    ref = openapi["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return {**ref, "components": openapi["components"]}


def field_schema(openapi: dict, model: str, field: str) -> dict:
    return openapi["components"]["schemas"][model]["properties"][field]


def valid(schema: dict, value) -> bool:
    return jsonschema_rs.validator_for(schema, validate_formats=True).is_valid(value)


def refused(response) -> bool:
    return response.status_code in (400, 422)


DAY = {"symbol": "ACME", "side": "buy", "type": "limit", "time_in_force": "day"}


@pytest.mark.parametrize("qty, accepted", [("1_000", False), (" +5 ", False), ("1e3", False), ("+5", False),
                                           ("05", False), ("0x10", False), ("١٢", False), ("1.", False), (".5", False),
                                           ("0", False), ("0.0000000001", False), ("1.0", True), ("2.25", True),
                                           ("0.000000001", True), ("10.500000000", True), ("10000000", True),
                                           ("10000000.5", False)])
def test_quantity_strings_are_plain_decimals_with_up_to_nine_places(client, openapi, qty, accepted):
    body = {**DAY, "qty": qty, "limit_price": "0.01"}
    assert valid(body_schema(openapi, "/v2/orders", "post"), body) is accepted
    r = client.post("/v2/orders", headers=client.accounts["alice"], json=body)
    assert refused(r) is not accepted, r.text


def test_a_fractional_quantity_is_schema_valid_where_the_engine_takes_it(client, openapi):
    schema = body_schema(openapi, "/v2/orders", "post")
    assert valid(field_schema(openapi, "OrderIn", "qty"), 6328607.026102012)  # 9 places: a fraction of a share
    assert not valid(field_schema(openapi, "OrderIn", "qty"), 1.0000000001)  # 10 places
    for body, ok in (({**BASE, "qty": 10.0, "limit_price": 1}, True),  # what alpaca-py sends: whole
                     ({**BASE, "qty": 2.5, "limit_price": 1}, False),  # a fraction in a gtc order
                     ({**DAY, "qty": 2.5, "limit_price": 1}, True),
                     ({**DAY, "type": "trailing_stop", "qty": 2.5, "trail_price": 1}, False),
                     ({**DAY, "qty": "2.50", "limit_price": 1, "extended_hours": True}, False),
                     ({**DAY, "qty": "2.00", "limit_price": 1, "extended_hours": True}, True)):
        assert valid(schema, body) is ok, body
        r = client.post("/v2/orders", headers=client.accounts["alice"], json=body)
        assert (r.status_code == 200) is ok, r.text
        if not ok:
            assert r.status_code == 422 and r.json()["reason"] in ("fractional_not_allowed",
                                                                   "extended_hours_not_allowed"), r.text


@pytest.mark.parametrize("price, accepted", [("5e1", False), ("5E+1", False), ("0.50", True), ("0.5", True),
                                             ("50.100", True), ("050", False), (" 5", False), ("1_0", False),
                                             ("0.00", False), ("50.001", False), (50.5, True), (0.57, True)])
def test_prices_mean_the_same_to_the_schema_and_the_server(client, openapi, price, accepted):
    assert valid(field_schema(openapi, "OrderIn", "limit_price"), price) is accepted
    r = client.post("/v2/orders", headers=client.accounts["alice"], json={**BASE, "qty": 1, "limit_price": price})
    assert refused(r) is not accepted, r.text
    if accepted:
        assert r.json()["limit_price"] == str(Decimal(str(price)))  # echoed as given, never "5E+1"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_a_body_that_is_not_plain_utf8_json_is_refused(client, encoding):
    raw = json.dumps({**BASE, "qty": 1, "limit_price": "1.00"}).encode(encoding)
    r = client.post("/v2/orders", headers={**client.accounts["alice"], "Content-Type": "application/json"},
                    content=raw)
    assert r.status_code == 400 and "UTF-8" in r.json()["message"], r.text


def test_patch_needs_a_field_and_takes_no_nulls(client, openapi):
    schema = body_schema(openapi, "/v2/orders/{order_id}", "patch")
    order = client.post("/v2/orders", headers=client.accounts["alice"], json={**BASE, "qty": 1, "limit_price": 1}).json()
    for body, ok in (({}, False), ({"qty": None}, False), ({"qty": 2}, True)):
        assert valid(schema, body) is ok
        r = client.patch(f"/v2/orders/{order['id']}", headers=client.accounts["alice"], json=body)
        assert refused(r) is not ok, r.text
        if ok:
            order = r.json()


@pytest.mark.parametrize("body, ok", [({"seconds": 1}, True), ({"seconds": 1, "untilOrderSettled": "x"}, False),
                                      ({"seconds": 1, "maxSeconds": 5}, False), ({}, False),
                                      ({"untilOrderSettled": "no-such-order", "maxSeconds": 1}, True),
                                      ({"seconds": None}, False)])
def test_advance_takes_one_way_of_moving_the_clock(client, openapi, body, ok):
    assert valid(body_schema(openapi, "/mock/advance", "post"), body) is ok
    r = client.post("/mock/advance", json=body)
    assert refused(r) is not ok, r.text  # the unknown order is a 404: well formed, nothing to settle


@pytest.mark.parametrize("body, ok", [({**BASE, "qty": 1}, False), ({**BASE, "qty": 1, "limit_price": 1}, True),
                                      ({**BASE, "qty": 1, "limit_price": 1, "stop_price": 1}, False),
                                      ({**BASE, "type": "market", "qty": 1, "trail_price": 1}, False),
                                      ({**BASE, "type": "trailing_stop", "qty": 1, "trail_price": 1,
                                        "stop_price": 1}, False),
                                      ({**BASE, "type": "trailing_stop", "qty": 1, "trail_percent": 2.5}, True),
                                      ({**BASE, "type": "stop_limit", "qty": 1, "limit_price": 1,
                                        "stop_price": 2}, True),
                                      ({"symbol": "ACME", "side": "buy", "qty": 1}, True),
                                      ({**BASE, "qty": 1, "limit_price": 1, "extended_hours": None}, False)])
def test_which_prices_an_order_type_takes_is_in_the_schema(client, openapi, body, ok):
    assert valid(body_schema(openapi, "/v2/orders", "post"), body) is ok
    r = client.post("/v2/orders", headers=client.accounts["alice"], json=body)
    assert refused(r) is not ok, r.text


def test_rewind_publishes_no_float_maximum_and_refuses_the_future_with_409(client, openapi):
    schema = body_schema(openapi, "/mock/rewind", "post")
    assert "maximum" not in json.dumps(openapi["components"]["schemas"]["RewindIn"])
    assert valid(schema, {"to_ns": 2**62 + 95}) and valid(schema, {"to_ns": 1034979.0})
    r = client.post("/mock/rewind", json={"to_ns": 2**62 + 95})
    assert r.status_code == 409 and r.json()["error"] == "not_in_the_past"
    assert client.post("/mock/rewind", json={"to_ns": 1034979.0}).status_code == 404  # no snapshot that early


def test_an_account_id_in_use_is_a_conflict(client):
    r = client.post("/mock/accounts", json={"id": "alice"})
    assert r.status_code == 409 and r.json()["error"] == "invalid_argument"


@pytest.mark.parametrize("body, status", [({}, 422), ({"type": "halt", "symbol": "ACME"}, 200),
                                          ({"type": "halt", "symbol": "ZZZ"}, 404),
                                          ({"type": "flash_crash", "drop_pct": None}, 422),
                                          ({"type": "fault", "outcome": "timeout", "times": 2.0}, 200),
                                          ({"type": "fault", "outcome": "disconnect", "operation": "get_quote"}, 422),
                                          ({"type": "stream_limits", "max_connections": None}, 200)])
def test_inject_bodies_are_checked_against_the_published_schema(client, openapi, body, status):
    assert valid(body_schema(openapi, "/mock/inject", "post"), body) is (status != 422)
    assert client.post("/mock/inject", json=body).status_code == status


# ----- hypothesis: the two agree on generated values ----------------------------------------------------------------

DECIMAL_TEXT = st.from_regex(r"[ +\-]?[0-9_]{0,8}(\.[0-9]{0,8})?([eE][+\-]?[0-9]{1,2})?", fullmatch=True)
PRICES = st.one_of(DECIMAL_TEXT, st.floats(min_value=-10, max_value=2_000_000, allow_nan=False),
                   st.integers(-5, 2_000_000), st.decimals(min_value=0, max_value=1000, places=3).map(str))
QUANTITIES = st.one_of(DECIMAL_TEXT, st.integers(-3, 20_000_000), st.floats(-3, 2e7, allow_nan=False),
                       st.integers(1, 10**7).map(float))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=PRICES)
def test_any_limit_price_means_the_same_to_the_schema_and_the_server(client, openapi, price):
    expected = valid(field_schema(openapi, "OrderIn", "limit_price"), price)
    r = client.post("/v2/orders", headers=client.accounts["bob"], json={**BASE, "qty": 1, "limit_price": price})
    assert refused(r) is not expected, (price, r.text)
    if r.status_code == 200:
        client.delete(f"/v2/orders/{r.json()['id']}", headers=client.accounts["bob"])


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(qty=QUANTITIES, tif=st.sampled_from(["day", "gtc"]))
def test_any_quantity_means_the_same_to_the_schema_and_the_server(client, openapi, qty, tif):
    body = {**BASE, "time_in_force": tif, "qty": qty, "limit_price": "0.01"}
    expected = valid(body_schema(openapi, "/v2/orders", "post"), body)
    r = client.post("/v2/orders", headers=client.accounts["bob"], json=body)
    assert refused(r) is not expected, (qty, tif, r.text)
    if r.status_code == 200:
        client.delete(f"/v2/orders/{r.json()['id']}", headers=client.accounts["bob"])


# ----- hypothesis: whole order bodies (every rule between fields) ----------------------------------------------------

PRICE_VALUES = st.sampled_from([1, 40, "45.5", 49.99, 55, "60.00", 80, 1500])
NEEDS = {"market": (), "limit": ("limit_price",), "stop": ("stop_price",), "stop_limit": ("limit_price", "stop_price"),
         "trailing_stop": ("trail_price",)}


def maybe(draw, chance: float) -> bool:
    return draw(st.floats(0, 1)) < chance


@st.composite
def orders(draw) -> dict:
    """Order bodies near the rules' edges: mostly one of the shapes the server takes (each order class with its
    legs, fractional and dollar orders, extended hours), each with a fair chance of breaking one rule."""
    side = draw(st.sampled_from(["buy", "sell"]))
    body: dict = {"symbol": "ACME", "side": side}
    amount = draw(st.sampled_from(["qty"] * 4 + ["notional", "both", "neither"]))
    if amount in ("qty", "both"):
        body["qty"] = draw(st.sampled_from([1, 10, 10.0, "3", "2.00", 0.5, "2.25", 1e-9, 12.000000001]))
    if amount in ("notional", "both"):
        body["notional"] = draw(st.sampled_from([0.5, 1, "25.75", 100]))
    kind = draw(st.sampled_from([None, "market", "limit", "limit", "stop", "stop_limit", "trailing_stop"]))
    if kind is not None:
        body["type"] = kind
    for price in NEEDS[kind or "market"]:
        if maybe(draw, 0.9):
            body[price] = draw(PRICE_VALUES)
    if kind == "trailing_stop" and maybe(draw, 0.4):
        body["trail_percent"] = body.pop("trail_price", 1)
    if maybe(draw, 0.1):
        body[draw(st.sampled_from(["limit_price", "stop_price", "trail_price", "trail_percent"]))] = 2
    tif = draw(st.sampled_from([None, "day", "day", "gtc", "gtc", "ioc", "fok"]))
    if tif is not None:
        body["time_in_force"] = tif
    order_class = draw(st.sampled_from([None, None, "simple", "", "bracket", "bracket", "oco", "oco", "oto", "oto"]))
    if order_class is not None:
        body["order_class"] = order_class
    legs = {None: 0, "simple": 0, "": 0, "bracket": 2, "oco": 2, "oto": 1}[order_class]
    if not maybe(draw, 0.85):
        legs = draw(st.sampled_from([0, 1, 2]))
    chosen = ["take_profit", "stop_loss"] if legs == 2 else [draw(st.sampled_from(["take_profit", "stop_loss"]))] \
        if legs else []
    if "take_profit" in chosen:
        body["take_profit"] = {"limit_price": draw(PRICE_VALUES)}
    if "stop_loss" in chosen:
        body["stop_loss"] = {"stop_price": draw(PRICE_VALUES)}
        if maybe(draw, 0.3):
            body["stop_loss"]["limit_price"] = draw(PRICE_VALUES)
    if order_class == "oco" and maybe(draw, 0.5) and "take_profit" in body:
        body["limit_price"] = body["take_profit"]["limit_price"] if maybe(draw, 0.7) else draw(PRICE_VALUES)
    if maybe(draw, 0.2):
        body["extended_hours"] = draw(st.booleans())
    if maybe(draw, 0.2):
        intents = ["buy_to_open", "buy_to_close", "sell_to_open", "sell_to_close"]
        body["position_intent"] = draw(st.sampled_from([i for i in intents if i.startswith(side)] * 3 + intents))
    return body


ORDERS = orders()
WELL_FORMED_ANSWERS = (200, 403, 409)
"""A request the schema accepts: taken, or refused by what the account, the position or the market allows (403)
or by a rule no schema can state (409: a leg's price against the market or the entry)."""


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=ORDERS)
def test_any_order_means_the_same_to_the_schema_and_the_server(client, openapi, body):
    """Every rule the server applies to an order's shape is in the published schema, and no other: fractional and
    dollar orders, extended hours, order classes and their legs, position_intent, the prices of each type."""
    expected = valid(body_schema(openapi, "/v2/orders", "post"), body)
    r = client.post("/v2/orders", headers=client.accounts["bob"], json=body)
    assert refused(r) is not expected, (body, r.text)
    if expected:
        assert r.status_code in WELL_FORMED_ANSWERS, (body, r.text)
    if r.status_code == 200:
        client.delete("/v2/orders", headers=client.accounts["bob"])


DATE_TIMES = st.builds(
    lambda y, mo, d, sep, h, mi, s, frac, zone: f"{y}-{mo}-{d}{sep}{h}:{mi}:{s}{frac}{zone}",
    st.sampled_from(["2024", "2023", "0000", "1970", "9999", "24"]), st.sampled_from(["01", "02", "12", "13", "00"]),
    st.sampled_from(["01", "28", "29", "30", "31", "00"]), st.sampled_from(["T", "t", " ", ""]),
    st.sampled_from(["00", "23", "24", "18"]), st.sampled_from(["00", "59", "60"]),
    st.sampled_from(["00", "59", "60", "61"]), st.sampled_from(["", ".1", ".123456789123", "."]),
    st.sampled_from(["Z", "z", "+00:00", "-05:00", "+23:59", "+24:00", "-00:00", "", "+0500"]))


@settings(max_examples=500, deadline=None)
@given(text=DATE_TIMES)
def test_the_time_parser_accepts_exactly_json_schemas_date_time(text):
    assert (parse_rfc3339(text) is not None) is valid({"type": "string", "format": "date-time"}, text), text


def test_the_time_parser_reads_the_moment():
    assert parse_rfc3339("1970-01-01T00:00:00Z") == 0
    assert parse_rfc3339("2026-01-05T09:30:00.5-05:00") == parse_rfc3339("2026-01-05T14:30:00.500000000Z")
    assert parse_rfc3339("2016-12-31T23:59:60Z") == parse_rfc3339("2017-01-01T00:00:00Z")
    assert parse_rfc3339("0000-03-01T00:00:00Z") == -62162035200 * 10**9
