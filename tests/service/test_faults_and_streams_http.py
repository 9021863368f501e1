"""Faults and streams over the real service: transport behaviour of each injected fault, the typed errors
``HttpBroker`` raises, the control endpoints, metrics, and ``HttpBroker.open_stream``."""

import pytest
import requests

from mockbroker.client import HttpBroker
from mockbroker.domain import OrderRequest, Side
from mockbroker.errors import (AuthenticationFailed, ConnectionFailed, InvalidOrder, PermissionDenied, RateLimited,
                               ServiceUnavailable, Timeout)


@pytest.fixture
def broker(service):
    with HttpBroker(service.base_url) as b:
        b.configure({"seed": 21, "symbols": ["ACME"], "accounts": [{"id": "alice", "cash": "100000"}]})
        yield b


def inject(broker, **rule):
    return broker.inject({"type": "fault", **rule})


@pytest.mark.parametrize("outcome, error", [
    ("connection_reset", ConnectionFailed), ("empty_response", ConnectionFailed),
    ("service_unavailable", ServiceUnavailable), ("auth_failure", AuthenticationFailed),
    ("invalid_order", InvalidOrder),
])
def test_each_fault_is_the_same_typed_error_over_http(broker, outcome, error):
    inject(broker, operation="get_account", outcome=outcome, times=1)
    with pytest.raises(error):
        broker.get_account("alice")
    broker.get_account("alice")  # once only


def test_a_reset_is_a_dropped_connection_on_the_wire(service, broker):
    inject(broker, operation="get_account", outcome="connection_reset", times=1)
    key, secret = broker._keys["alice"]
    with pytest.raises(requests.ConnectionError):
        requests.get(service.base_url + "/v2/account", timeout=5,
                     headers={"APCA-API-KEY-ID": key, "APCA-API-SECRET-KEY": secret})


def test_a_server_error_may_have_its_own_status(service, broker):
    inject(broker, operation="get_account", outcome="server_error", status=502, times=1)
    key, secret = broker._keys["alice"]
    r = requests.get(service.base_url + "/v2/account", timeout=5,
                     headers={"APCA-API-KEY-ID": key, "APCA-API-SECRET-KEY": secret})
    assert r.status_code == 502 and r.json()["error"] == "service_unavailable"


def test_a_held_answer_times_the_client_out(service, broker):
    inject(broker, operation="get_quote", outcome="timeout", hold_seconds=1.5, times=1)
    impatient = HttpBroker(service.base_url, timeout=0.3, keys=dict(broker._keys))
    with pytest.raises(Timeout):
        impatient.get_quote("ACME")
    impatient.close()


def test_rate_limit_answers_429_with_retry_after(service, broker):
    inject(broker, outcome="rate_limit", limit=2, period_seconds=60)
    key, secret = broker._keys["alice"]
    headers = {"APCA-API-KEY-ID": key, "APCA-API-SECRET-KEY": secret}
    codes = [requests.get(service.base_url + "/v2/account", headers=headers, timeout=5) for _ in range(3)]
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert codes[-1].headers["Retry-After"] == "30"
    with pytest.raises(RateLimited) as raised:
        broker.get_account("alice")
    assert raised.value.retry_after == pytest.approx(30, abs=0.01)


def test_rules_are_listed_cleared_and_gone_after_reset(service, broker):
    inject(broker, name="never", operation="cancel_order", outcome="timeout")
    listing = requests.get(service.base_url + "/mock/faults", timeout=5).json()
    assert [r["name"] for r in listing["rules"]] == ["never"] and listing["rules"][0]["fired"] == 0
    assert listing["stream_limits"] == {"max_symbols": 30, "max_connections": None}
    assert requests.delete(service.base_url + "/mock/faults", params={"name": "nope"}, timeout=5).status_code == 404
    broker.reset()
    assert broker.fault_rules() == []


def test_metrics_count_sockets_and_faults(service, broker):
    inject(broker, operation="get_account", outcome="service_unavailable", times=1)
    with pytest.raises(ServiceUnavailable):
        broker.get_account("alice")
    with broker.open_stream("market_data", "alice", quotes=["ACME"]):
        text = requests.get(service.base_url + "/metrics", timeout=5).text
        assert 'mockbroker_websocket_connections{stream="market_data"} 1.0' in text
        assert 'mockbroker_injected_faults{outcome="service_unavailable"} 1.0' in text


def test_http_streams_match_the_engine(service, broker):
    from mockbroker.broker import MockBroker

    updates = broker.open_stream("trade_updates", "alice")
    data = broker.open_stream("market_data", "alice", quotes=["ACME"], trades=["ACME"], bars=["ACME"])
    order = broker.submit_order(OrderRequest("ACME", 100, Side.BUY), "alice")
    broker.advance(90)
    events = [m.event for m in updates.messages() if m.order.id == order.id]
    assert events[-1] == "fill"

    from mockbroker.config import BrokerConfig
    twin = MockBroker(BrokerConfig.from_dict({"seed": 21, "symbols": ["ACME"],
                                              "accounts": [{"id": "alice", "cash": "100000"}]}))
    twin_data = twin.open_stream("market_data", "alice", quotes=["ACME"], trades=["ACME"], bars=["ACME"])
    twin_updates = twin.open_stream("trade_updates", "alice")
    twin.submit_order(OrderRequest("ACME", 100, Side.BUY), "alice")
    twin.advance(90)
    assert [(m.kind, m.time_ns) for m in data.messages()] == [(m.kind, m.time_ns) for m in twin_data.messages()]
    assert [m.event for m in updates.messages()] == [m.event for m in twin_updates.messages()]
    seen = []
    data.on_message(seen.append)
    broker.advance(5)
    data.messages()
    assert seen and all(m.kind in ("quote", "trade", "bar") for m in seen)


def test_http_stream_refusals(broker):
    broker.inject({"type": "stream_limits", "max_symbols": 1})
    with pytest.raises(PermissionDenied):
        broker.open_stream("market_data", "alice", quotes=["ACME", "BETA"])
    inject(broker, operation="trade_updates_stream", outcome="auth_failure", times=1)
    with pytest.raises(AuthenticationFailed):
        broker.open_stream("trade_updates", "alice")


def test_a_scrape_does_not_trip_the_rules(service, broker):
    inject(broker, name="orders down", operation="orders", outcome="service_unavailable")
    assert requests.get(service.base_url + "/metrics", timeout=5).status_code == 200
    assert broker.fault_rules()[0]["fired"] == 0


def test_realtime_clock_streams_without_advancing():
    """With --clock realtime, quotes flow at the update frequency with no POST /mock/advance."""
    import time

    from mockbroker.harness import ServiceProcess

    with ServiceProcess(config={"seed": 3, "marketConfig": {"updateFrequency": 20}}, clock="realtime") as svc:
        with HttpBroker(svc.base_url) as b:
            stream = b.open_stream("market_data", quotes=["ACME"], trades=["ACME"])
            deadline = time.monotonic() + 60  # a bound for a busy machine, not a speed claim
            while len(stream.messages()) < 5:
                assert time.monotonic() < deadline, "no quotes within 60 s of wall time in realtime mode"
                time.sleep(0.05)
