"""Fault rules: matching, counts, "fail N times then succeed", probability by seed, windows on the virtual clock,
token-bucket rate limits, stream gates, reset between scenarios, snapshots; the same typed errors over HTTP."""

import copy
import pickle

import pytest

from mockbroker.broker import MockBroker
from mockbroker.config import BrokerConfig
from mockbroker.domain import OrderRequest, Side
from mockbroker.errors import (AuthenticationFailed, ConfigurationError, ConnectionFailed, InvalidOrder,
                               PermissionDenied, RateLimited, RejectReason, ServiceUnavailable, Timeout)
from mockbroker.faults import FaultInjector


def buy(broker, qty=10, symbol="ACME"):
    return broker.submit_order(OrderRequest(symbol, qty, Side.BUY))


@pytest.fixture
def broker():
    return MockBroker(BrokerConfig(seed=3))


@pytest.mark.parametrize("outcome, error", [
    ("connection_reset", ConnectionFailed), ("empty_response", ConnectionFailed),
    ("service_unavailable", ServiceUnavailable), ("server_error", ServiceUnavailable), ("timeout", Timeout),
    ("auth_failure", AuthenticationFailed), ("invalid_order", InvalidOrder),
])
def test_each_outcome_raises_its_typed_error(broker, outcome, error):
    broker.inject({"type": "fault", "operation": "submit_order", "outcome": outcome})
    with pytest.raises(error) as raised:
        buy(broker)
    assert raised.value.fault == outcome
    assert broker.list_orders(status="all") == []  # nothing half-applied


def test_fail_n_times_then_succeed_and_counts(broker):
    broker.inject({"type": "fault", "name": "flaky", "operation": "submit_order", "outcome": "connection_reset",
                   "times": 2})
    for _ in range(2):
        with pytest.raises(ConnectionFailed):
            buy(broker)
    assert buy(broker).status.value == "accepted"
    (rule,) = broker.fault_rules()
    assert (rule["name"], rule["fired"], rule["matched"]) == ("flaky", 2, 2)


def test_a_rule_that_never_fired_says_so(broker):
    broker.inject({"type": "fault", "name": "cancel outage", "operation": "cancel_order",
                   "outcome": "service_unavailable"})
    buy(broker)
    assert broker.fault_rules()[0]["fired"] == 0


def test_match_on_symbol_and_account():
    broker = MockBroker(BrokerConfig.from_dict({"symbols": ["ACME", "BETA"], "seed": 1,
                                                "accounts": [{"id": "a"}, {"id": "b"}]}))
    broker.inject({"type": "fault", "operation": "orders", "outcome": "timeout", "match": {"symbol": "BETA"},
                   "account": "b"})
    buy_a = broker.submit_order(OrderRequest("BETA", 1, Side.BUY), account="a")
    assert buy_a.symbol == "BETA"
    broker.submit_order(OrderRequest("ACME", 1, Side.BUY), account="b")
    with pytest.raises(Timeout):
        broker.submit_order(OrderRequest("BETA", 1, Side.BUY), account="b")


def test_after_lets_the_first_calls_through(broker):
    broker.inject({"type": "fault", "operation": "get_account", "outcome": "auth_failure", "after": 2, "times": 1})
    broker.get_account()
    broker.get_account()
    with pytest.raises(AuthenticationFailed):
        broker.get_account()
    broker.get_account()


def test_probability_is_deterministic_by_seed():
    def pattern(seed):
        broker = MockBroker(BrokerConfig(seed=seed))
        broker.inject({"type": "fault", "operation": "get_quote", "outcome": "timeout", "probability": 0.5})
        out = []
        for _ in range(40):
            try:
                broker.get_quote("ACME")
                out.append(0)
            except Timeout:
                out.append(1)
        return out

    assert pattern(7) == pattern(7)
    assert pattern(7) != pattern(8)
    assert 5 < sum(pattern(7)) < 35


def test_window_on_the_virtual_clock(broker):
    broker.inject({"type": "fault", "operation": "get_account", "outcome": "service_unavailable",
                   "from_seconds": 60, "until_seconds": 120})
    broker.get_account()
    broker.advance(61)
    with pytest.raises(ServiceUnavailable):
        broker.get_account()
    broker.advance(60)
    broker.get_account()


def test_rate_limit_token_bucket_on_the_virtual_clock(broker):
    broker.inject({"type": "fault", "outcome": "rate_limit", "limit": 5, "period_seconds": 60})
    for _ in range(5):
        broker.get_account()
    with pytest.raises(RateLimited) as raised:
        broker.get_account()
    assert raised.value.retry_after == pytest.approx(12.0)
    broker.advance(12)
    broker.get_account()
    with pytest.raises(RateLimited):
        broker.get_account()


def test_rate_limit_default_is_200_a_minute_per_account():
    broker = MockBroker(BrokerConfig.from_dict({"seed": 1, "accounts": [{"id": "a"}, {"id": "b"}]}))
    broker.inject({"type": "fault", "outcome": "rate_limit"})
    for _ in range(200):
        broker.get_account("a")
    with pytest.raises(RateLimited):
        broker.get_account("a")
    broker.get_account("b")  # another key, another bucket


def test_injected_rejection_has_its_reason(broker):
    broker.inject({"type": "fault", "operation": "submit_order", "outcome": "invalid_order",
                   "reason": "no_liquidity", "times": 1})
    with pytest.raises(InvalidOrder) as raised:
        buy(broker)
    assert raised.value.reason is RejectReason.NO_LIQUIDITY


@pytest.mark.parametrize("spec", [
    {"outcome": "explode"}, {"outcome": "timeout", "operation": "fly"}, {"outcome": "timeout", "times": 0},
    {"outcome": "timeout", "probability": 2}, {"outcome": "disconnect", "operation": "submit_order"},
    {"outcome": "timeout", "colour": "red"}, {"outcome": "invalid_order", "reason": "bad mood"},
    {"outcome": "timeout", "times": True},
])
def test_bad_rules_are_refused_naming_the_field(broker, spec):
    with pytest.raises(ConfigurationError):
        broker.inject({"type": "fault", **spec})
    assert broker.fault_rules() == []


def test_names_are_unique_and_rules_can_be_cleared(broker):
    broker.inject({"type": "fault", "name": "x", "outcome": "timeout"})
    with pytest.raises(ConfigurationError):
        broker.inject({"type": "fault", "name": "x", "outcome": "timeout"})
    broker.inject({"type": "clear_faults", "name": "x"})
    assert broker.fault_rules() == []


def test_configure_and_reset_start_without_rules(broker):
    broker.inject({"type": "fault", "outcome": "timeout"})
    broker.reset()
    assert broker.fault_rules() == []
    buy(broker)


def test_rules_travel_in_snapshots(broker):
    broker.inject({"type": "fault", "name": "flaky", "operation": "submit_order", "outcome": "timeout", "times": 2})
    with pytest.raises(Timeout):
        buy(broker)
    broker.snapshot("one-fired")
    with pytest.raises(Timeout):
        buy(broker)
    broker.restore("one-fired")
    assert broker.fault_rules()[0]["fired"] == 1
    pickle.dumps(broker)
    copy.deepcopy(broker)


def test_stream_gate_drops_after_n_messages(broker):
    broker.inject({"type": "fault", "operation": "market_data_stream", "outcome": "disconnect",
                   "after_messages": 5, "kinds": ["quotes"]})
    sub = broker.open_stream("market_data", quotes=["ACME"])
    broker.advance(60)
    kinds = [m.kind for m in sub.messages()]
    assert kinds[:6] == ["quote"] * 5 + ["disconnected"]
    broker.advance(30)
    assert sub.messages()[6:] and all(m.kind == "quote" for m in sub.messages()[6:])  # reconnected


def test_stream_limits(broker):
    broker.inject({"type": "stream_limits", "max_symbols": 2, "max_connections": 1})
    with pytest.raises(PermissionDenied) as raised:
        broker.open_stream("market_data", quotes=["A", "B", "C"])
    assert raised.value.details["stream_code"] == 405
    first = broker.open_stream("market_data", quotes=["ACME"])
    with pytest.raises(PermissionDenied) as raised:
        broker.open_stream("market_data", trades=["ACME"])
    assert raised.value.details["stream_code"] == 406
    first.close()
    broker.open_stream("market_data", trades=["ACME"])


def test_same_seed_same_messages():
    def run():
        broker = MockBroker(BrokerConfig(seed=9))
        md = broker.open_stream("market_data", quotes=["*"], trades=["*"], bars=["*"])
        orders = broker.open_stream("trade_updates")
        buy(broker, 100)
        broker.advance(120)
        return [(m.kind, m.time_ns, str(m.data)) for m in md.messages() + orders.messages()]

    assert run() == run()


def test_watching_does_not_change_the_simulation():
    def log(watch):
        broker = MockBroker(BrokerConfig(seed=4))
        if watch:
            broker.open_stream("market_data", quotes=["*"], trades=["*"])
        buy(broker, 100)
        broker.advance(60)
        return broker.event_log_json()

    assert log(True) == log(False)


def test_no_rules_means_no_cost():
    assert not FaultInjector(None)
