"""Endpoint behaviour through FastAPI's TestClient: shapes, auth, isolation, control, metrics."""

import uuid

from .conftest import CONFIG


def submit(client, who, **fields):
    body = {"symbol": "ACME", "qty": 10, "side": "buy", "type": "market", "time_in_force": "day", **fields}
    return client.post("/v2/orders", headers=client.accounts[who], json=body)


def test_account_has_alpaca_shape(client):
    r = client.get("/v2/account", headers=client.accounts["alice"])
    assert r.status_code == 200
    body = r.json()
    uuid.UUID(body["id"])
    assert body["status"] == "ACTIVE" and body["currency"] == "USD" and body["account_number"] == "alice"
    assert body["cash"] == body["buying_power"] == "100000.00"


def test_order_lifecycle_over_the_virtual_clock(client):
    r = submit(client, "alice")
    assert r.status_code == 200, r.text
    order = r.json()
    uuid.UUID(order["id"])
    assert order["status"] in ("accepted", "new") and order["qty"] == "10" and order["type"] == "market"
    client.post("/mock/advance", json={"seconds": 1})
    filled = client.get(f"/v2/orders/{order['id']}", headers=client.accounts["alice"]).json()
    assert filled["status"] == "filled" and filled["filled_qty"] == "10" and filled["filled_at"]
    positions = client.get("/v2/positions", headers=client.accounts["alice"]).json()
    assert [p["symbol"] for p in positions] == ["ACME"] and positions[0]["qty"] == "10"
    activities = client.get("/v2/account/activities/FILL", headers=client.accounts["alice"]).json()
    assert sum(int(a["qty"]) for a in activities) == 10


def test_settle_one_order_through_advance(client):
    order = submit(client, "alice", type="limit", limit_price="1.00").json()
    r = client.post("/mock/advance", json={"untilOrderSettled": order["id"], "account": "alice", "maxSeconds": 2})
    assert r.status_code == 200 and r.json()["order"]["status"] == "new"


def test_replace_cancel_and_cancel_all(client):
    h = client.accounts["alice"]
    order = submit(client, "alice", type="limit", limit_price=40.0).json()
    client.post("/mock/advance", json={"seconds": 1})
    new = client.patch(f"/v2/orders/{order['id']}", headers=h, json={"qty": 20, "limit_price": "41"})
    assert new.status_code == 200, new.text
    client.post("/mock/advance", json={"seconds": 1})
    assert client.get(f"/v2/orders/{order['id']}", headers=h).json()["status"] == "replaced"
    assert client.delete(f"/v2/orders/{new.json()['id']}", headers=h).status_code == 204
    submit(client, "alice", type="limit", limit_price=39.0)
    r = client.delete("/v2/orders", headers=h)
    assert r.status_code == 207 and all(item["status"] == 200 for item in r.json())


def test_client_order_id_lookup(client):
    submit(client, "alice", client_order_id="mine-1")
    r = client.get("/v2/orders:by_client_order_id", params={"client_order_id": "mine-1"},
                   headers=client.accounts["alice"])
    assert r.status_code == 200 and r.json()["client_order_id"] == "mine-1"


def test_auth_is_required_and_checked(client):
    assert client.get("/v2/account").json()["code"] == 40110000
    r = client.get("/v2/account", headers={"APCA-API-KEY-ID": "nope", "APCA-API-SECRET-KEY": "nope"})
    assert r.status_code == 401 and r.json()["error"] == "authentication_failed"


def test_accounts_are_isolated(client):
    order = submit(client, "alice").json()
    bob = client.accounts["bob"]
    for method, path in (("GET", f"/v2/orders/{order['id']}"), ("DELETE", f"/v2/orders/{order['id']}"),
                         ("PATCH", f"/v2/orders/{order['id']}")):
        r = client.request(method, path, headers=bob, json={"qty": 1} if method == "PATCH" else None)
        assert r.status_code == 404 and r.json()["error"] == "order_not_found", (method, r.text)
    assert client.get("/v2/orders", params={"status": "all"}, headers=bob).json() == []
    client.post("/mock/advance", json={"seconds": 1})
    assert client.get("/v2/positions", headers=bob).json() == []
    assert client.get("/v2/positions/ACME", headers=bob).status_code == 404
    assert client.delete("/v2/positions/ACME", headers=bob).status_code == 404
    assert client.get(f"/v2/orders/{order['id']}", headers=client.accounts["alice"]).json()["status"] == "filled"


def test_market_data_both_forms(client):
    h = client.accounts["bob"]
    q = client.get("/v2/stocks/quotes/latest", params={"symbols": "ACME,BETA"}, headers=h).json()["quotes"]
    assert set(q) == {"ACME", "BETA"} and q["ACME"]["ap"] >= q["ACME"]["bp"]
    assert client.get("/v2/stocks/ACME/quotes/latest", headers=h).json()["symbol"] == "ACME"
    assert client.get("/v2/stocks/ACME/trades/latest", headers=h).json()["trade"]["p"] > 0
    bars = client.get("/v2/stocks/bars", params={"symbols": "ACME", "timeframe": "1Min", "limit": 3},
                      headers=h).json()
    assert len(bars["bars"]["ACME"]) <= 3 and bars["next_page_token"] is None
    book = client.get("/v2/stocks/ACME/book", params={"depth": 3}, headers=h).json()
    assert len(book["b"]) == 3 and len(book["a"]) == 3
    assert client.get("/v2/stocks/NOPE/quotes/latest", headers=h).status_code == 404
    assert client.get("/v2/clock", headers=h).json()["is_open"] is True
    assert client.get("/v2/assets/ACME", headers=h).json()["tradable"] is True
    assert client.get("/v2/assets/NOPE", headers=h).status_code == 404


def test_control_endpoints(client):
    assert client.get("/mock/state").json()["state"]["seed"] == CONFIG["seed"]
    submit(client, "alice")
    client.post("/mock/advance", json={"seconds": 1})
    events = client.get("/mock/events", params={"since": 0, "account": "alice"}).json()
    assert [e["event"] for e in events["events"]][:1] == ["new"] or events["events"]
    assert client.get("/mock/market/ACME").json()["symbol"] == "ACME"
    snap = client.post("/mock/snapshot").json()["id"]
    submit(client, "alice")
    assert len(client.get("/v2/orders", params={"status": "all"}, headers=client.accounts["alice"]).json()) == 2
    assert client.post(f"/mock/snapshots/{snap}/restore").status_code == 200
    assert len(client.get("/v2/orders", params={"status": "all"}, headers=client.accounts["alice"]).json()) == 1
    assert [s["id"] for s in client.get("/mock/snapshots").json()] == [snap]
    assert client.post("/mock/snapshots/none/restore").status_code == 404
    new = client.post("/mock/accounts", json={"id": "carol", "cash": "1000"})
    assert new.status_code == 201 and new.json()["api_key_id"]
    unknown = client.post("/mock/accounts", json={"id": "dave", "cash": "1000",
                                                  "positions": [{"symbol": "NOPE", "qty": 10}]})
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_symbol"
    assert "dave" not in [a["id"] for a in client.get("/mock/accounts").json()]
    assert "404" in client.get("/openapi.json").json()["paths"]["/mock/accounts"]["post"]["responses"]
    assert client.post("/mock/reset").status_code == 200
    assert client.get("/v2/orders", params={"status": "all"}, headers=client.accounts["alice"]).json() == []


def test_admin_key():
    from fastapi.testclient import TestClient

    from mockbroker.service import create_app

    with TestClient(create_app(admin_key="s3cret")) as c:
        assert c.post("/mock/reset").status_code == 401
        assert c.post("/mock/reset", headers={"X-Mock-Admin-Key": "wrong"}).status_code == 401
        assert c.post("/mock/reset", headers={"X-Mock-Admin-Key": "s3cret"}).status_code == 200


def test_health_metrics_openapi(client):
    assert client.get("/health").json()["status"] == "ok"
    submit(client, "alice")
    submit(client, "alice", qty=10**6)
    text = client.get("/metrics").text
    assert "mockbroker_orders{" in text and "mockbroker_http_request_duration_seconds_bucket" in text
    assert 'mockbroker_order_refusals_total{reason="insufficient_buying_power"}' in text
    spec = client.get("/openapi.json").json()
    assert "422" in spec["paths"]["/v2/orders"]["post"]["responses"]
    assert "401" in spec["paths"]["/v2/account"]["get"]["responses"]
