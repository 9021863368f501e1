"""Resource caps (issue 17): request bodies are capped and refused before they are read, credentials are checked
before a body is read; WebSockets must authenticate in time, are capped per client and in total, leave nothing
behind when they close, and every malformed frame is answered with the protocol's error."""

from __future__ import annotations

import gc
import json
import socket
import weakref

import msgpack
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.websockets import WebSocketDisconnect

from mockbroker.service import create_app
from mockbroker.service.guard import Limits
from mockbroker.service.streams import parse_trade_message

from .conftest import CONFIG, keys

ORDER = {"symbol": "ACME", "qty": 1, "side": "buy"}


def raw_request(base_url: str, head: str, body: bytes = b"", chunks=()) -> str:
    """Send a raw HTTP/1.1 request (head, then body or chunks) and return the status line and headers + body.
    The socket timeout makes a server that waits for a body it should not read fail the test, not hang it."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as s:
        s.sendall(head.encode() + b"\r\n" + body)
        try:
            for chunk in chunks:
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the client finished: what a cap should do
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            part = s.recv(65536)
            if not part:
                break
            answer += part
    return answer.decode(errors="replace")


def head(method: str, path: str, headers: dict) -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture(scope="module")
def alice(service):
    import requests

    accounts = requests.get(service.base_url + "/mock/accounts", timeout=10).json()
    return keys(accounts[0])


def test_a_200_mb_body_is_refused_with_413_before_it_is_read(service, alice):
    answer = raw_request(service.base_url, head("POST", "/v2/orders", {
        **alice, "Content-Type": "application/json", "Content-Length": str(200 * 1024 * 1024)}))
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    body = json.loads(answer.split("\r\n\r\n", 1)[1])
    assert body["code"] == 41310000 and body["error"] == "payload_too_large" and "1,048,576" in body["message"]


def test_an_unauthenticated_body_is_refused_with_401_before_it_is_read(service):
    for credentials in ({}, {"APCA-API-KEY-ID": "PKNOBODY", "APCA-API-SECRET-KEY": "wrong"}):
        answer = raw_request(service.base_url, head("POST", "/v2/orders", {
            **credentials, "Content-Type": "application/json", "Content-Length": "1000"}))  # the body never comes
        assert answer.startswith("HTTP/1.1 401"), answer[:200]
        assert json.loads(answer.split("\r\n\r\n", 1)[1])["error"] == "authentication_failed"


def test_a_chunked_body_is_cut_off_at_the_cap(service, alice):
    answer = raw_request(service.base_url, head("POST", "/v2/orders", {
        **alice, "Content-Type": "application/json", "Transfer-Encoding": "chunked"}),
        chunks=[b" " * (256 * 1024)] * 40)  # 10 MB offered
    assert answer.startswith("HTTP/1.1 413"), answer[:200]


def test_the_cap_is_configurable_and_a_body_under_it_passes():
    with TestClient(create_app(config=CONFIG, limits=Limits(max_body_bytes=200))) as client:
        account = client.get("/mock/accounts").json()[0]
        assert client.post("/v2/orders", headers=keys(account), json=ORDER).status_code == 200
        big = client.post("/v2/orders", headers=keys(account), json={**ORDER, "client_order_id": "x" * 300})
        assert big.status_code == 413 and big.json()["error"] == "payload_too_large"


def test_the_admin_key_is_checked_before_a_control_body_is_read():
    with TestClient(create_app(config=CONFIG, admin_key="s3cret", limits=Limits(max_body_bytes=10_000))) as client:
        r = client.post("/mock/configure", json={"seed": 1, "symbols": ["ACME"] * 3000})  # over the cap, no key
        assert r.status_code == 413  # size first: it needs no reading either
        r = client.post("/mock/configure", json={"seed": 1})
        assert r.status_code == 401 and r.json()["error"] == "authentication_failed"
        r = client.post("/mock/configure", json={"seed": 1}, headers={"X-Mock-Admin-Key": "s3cret"})
        assert r.status_code == 200


# ----- WebSockets --------------------------------------------------------------------------------------------------

def _market_frame(ws) -> list:
    return msgpack.unpackb(ws.receive_bytes())


def test_an_unauthenticated_websocket_is_told_and_closed_after_the_timeout():
    with TestClient(create_app(config=CONFIG, limits=Limits(ws_auth_timeout=0.2))) as client:
        with client.websocket_connect("/stream") as ws:
            reply = json.loads(ws.receive_text())
            assert reply["data"]["status"] == "unauthorized" and "authentication timeout" in reply["data"]["message"]
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
            assert closed.value.code == 1008
        with client.websocket_connect("/v2/iex") as ws:
            assert _market_frame(ws) == [{"T": "success", "msg": "connected"}]
            assert _market_frame(ws) == [{"T": "error", "code": 404, "msg": "auth timeout"}]
            with pytest.raises(WebSocketDisconnect):
                ws.receive_bytes()
        assert client.app.state.hub.connections == {}


def test_an_authenticated_websocket_does_not_time_out():
    import time

    with TestClient(create_app(config=CONFIG, limits=Limits(ws_auth_timeout=0.2))) as client:
        account = client.get("/mock/accounts").json()[0]
        with client.websocket_connect("/stream") as ws:
            ws.send_text(json.dumps({"action": "authenticate", "data": {"key_id": account["api_key_id"],
                                                                         "secret_key": account["api_secret_key"]}}))
            assert json.loads(ws.receive_text())["data"]["status"] == "authorized"
            time.sleep(0.5)  # past the timeout (waiting, not measuring: a busy machine only waits longer)
            ws.send_text(json.dumps({"action": "listen", "data": {"streams": ["trade_updates"]}}))
            assert json.loads(ws.receive_text())["stream"] == "listening"


@pytest.mark.parametrize("limits", [Limits(ws_per_client=2, ws_total=100), Limits(ws_per_client=100, ws_total=2)])
def test_connections_are_capped_per_client_and_in_total(limits):
    with TestClient(create_app(config=CONFIG, limits=limits)) as client:
        with client.websocket_connect("/v2/iex") as first, client.websocket_connect("/stream") as second:
            assert _market_frame(first)[0]["msg"] == "connected"
            with client.websocket_connect("/v2/iex") as third:
                assert _market_frame(third) == [{"T": "error", "code": 406, "msg": "connection limit exceeded"}]
                with pytest.raises(WebSocketDisconnect):
                    third.receive_bytes()
            with client.websocket_connect("/stream") as fourth:
                assert json.loads(fourth.receive_text())["data"] == {"code": 406,
                                                                      "message": "connection limit exceeded"}
            second.send_text("{}")
            assert json.loads(second.receive_text())["stream"] == "error"  # the first two are unaffected
        with client.websocket_connect("/v2/iex") as again:  # closed ones no longer count
            assert _market_frame(again)[0]["msg"] == "connected"


def test_closed_connections_leave_nothing_behind():
    with TestClient(create_app(config=CONFIG)) as client:
        hub = client.app.state.hub
        account = client.get("/mock/accounts").json()[0]
        alive = []
        for i in range(30):
            with client.websocket_connect("/v2/iex" if i % 2 else "/stream") as ws:
                if i % 2:
                    _market_frame(ws)
                    ws.send_bytes(msgpack.packb({"action": "auth", "key": account["api_key_id"],
                                                 "secret": account["api_secret_key"]}))
                    _market_frame(ws)
                    ws.send_bytes(msgpack.packb({"action": "subscribe", "quotes": ["ACME"]}))
                    _market_frame(ws)
                alive.extend(weakref.ref(c) for c in hub.connections.values())
        gc.collect()
        assert hub.connections == {} and hub.watching == 0
        assert [r for r in alive if r() is not None] == [], "closed connections are still referenced"


# ----- malformed frames ----------------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)  # integers within 64 bits: msgpack packs no bigger ones (the client could not send them)
TRADE_FRAMES = st.one_of(
    st.builds(lambda a, d: json.dumps({"action": a, "data": d}),
              st.sampled_from(["authenticate", "auth", "listen", "subscribe", ""]) | st.text(max_size=6), JSON_VALUES),
    st.builds(json.dumps, JSON_VALUES),
    st.text(max_size=30),
)
MARKET_FRAMES = st.one_of(
    st.builds(lambda a, extra: msgpack.packb({"action": a, **extra}),
              st.sampled_from(["auth", "subscribe", "unsubscribe", "listen"]) | JSON_VALUES,
              st.dictionaries(st.sampled_from(["key", "secret", "trades", "quotes", "bars", "statuses"]), JSON_VALUES,
                              max_size=4)),
    st.builds(msgpack.packb, JSON_VALUES),
    st.binary(max_size=30),
)


def test_the_reported_frame_is_answered_with_an_error_and_the_connection_stays_open(client):
    with client.websocket_connect("/stream") as ws:
        ws.send_text('{"action":"authenticate","data":"x"}')
        reply = json.loads(ws.receive_text())
        assert reply["stream"] == "error" and reply["data"]["code"] == 400
        assert "authenticate needs data {key_id: str, secret_key: str}" in reply["data"]["message"]
        ws.send_text('{"action":"listen","data":{"streams":["trade_updates"]}}')
        assert json.loads(ws.receive_text())["data"]["message"] == "not authenticated"


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_any_json_value_parses_to_an_action_or_a_reason(value):
    parsed = parse_trade_message(json.dumps(value))
    assert isinstance(parsed, str) or (parsed[0] in ("authenticate", "auth", "listen") and isinstance(parsed[1], dict))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=TRADE_FRAMES)
def test_every_trade_updates_frame_gets_a_protocol_answer(client, frame):
    with client.websocket_connect("/stream") as ws:
        ws.send_text(frame)
        reply = json.loads(ws.receive_text())
        assert reply["stream"] in ("error", "authorization", "listening"), reply
        if reply["stream"] == "authorization" and reply["data"].get("message") == "access key verification failed":
            with pytest.raises(WebSocketDisconnect):
                ws.receive_text()  # wrong keys: refused and closed, as Alpaca does
            return
        ws.send_text('{"action":"listen","data":{"streams":[]}}')  # still open and answering
        assert json.loads(ws.receive_text())["stream"] in ("authorization", "listening")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=MARKET_FRAMES)
def test_every_market_data_frame_gets_a_protocol_answer(client, frame):
    with client.websocket_connect("/v2/iex") as ws:
        assert _market_frame(ws)[0]["msg"] == "connected"
        ws.send_bytes(frame)
        reply = _market_frame(ws)
        assert isinstance(reply, list) and reply and reply[0]["T"] in ("error", "subscription", "success"), reply
        if reply[0]["T"] == "error" and reply[0]["code"] == 402:
            with pytest.raises(WebSocketDisconnect):
                ws.receive_bytes()  # wrong keys: refused and closed
            return
        ws.send_bytes(msgpack.packb({"action": "subscribe", "trades": []}))
        assert _market_frame(ws)[0]["T"] in ("error", "subscription")
