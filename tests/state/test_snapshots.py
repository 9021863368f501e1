"""Snapshots: restore determinism (property), list/delete, diff words, files, bad input, time travel."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockbroker import MockBroker, OrderRequest, OrderType, Side, TimeInForce
from mockbroker.errors import BrokerError, InvalidArgument
from mockbroker import state
from mockbroker.state import (SnapshotCorrupt, SnapshotNotFound, SnapshotVersionError)


def make_broker(seed: int = 7) -> MockBroker:
    return (MockBroker.builder().symbols("ACME", "BOLT").seed(seed).account("alice", cash=1_000_000)
            .account("bob", cash=1_000_000).execution(partial_fill_ratio=0.5, fill_probability=0.5).build())


# An action is data, so the same list can be played on several brokers.
actions = st.one_of(
    st.tuples(st.just("advance"), st.sampled_from([0.001, 0.02, 0.5, 3.0, 61.0])),
    st.tuples(st.just("market"), st.sampled_from(["alice", "bob"]), st.sampled_from(["ACME", "BOLT"]),
              st.sampled_from([Side.BUY, Side.SELL]), st.integers(1, 3000)),
    st.tuples(st.just("limit"), st.sampled_from(["alice", "bob"]), st.sampled_from(["ACME", "BOLT"]),
              st.sampled_from([Side.BUY, Side.SELL]), st.integers(1, 500), st.integers(-20, 20)),
    st.tuples(st.just("cancel"), st.sampled_from(["alice", "bob"]), st.integers(0, 20)),
    st.tuples(st.just("halt"), st.sampled_from(["ACME", "BOLT"])),
)


def play(broker: MockBroker, steps) -> None:
    for step in steps:
        try:
            if step[0] == "advance":
                broker.advance(step[1])
            elif step[0] == "market":
                _, who, symbol, side, qty = step
                broker.submit_order(OrderRequest(symbol, qty, side), account=who)
            elif step[0] == "limit":
                _, who, symbol, side, qty, ticks = step
                mid = broker.get_quote(symbol).bid
                price = (mid + Decimal(ticks) / 100).quantize(Decimal("0.01"))
                broker.submit_order(OrderRequest(symbol, qty, side, OrderType.LIMIT, TimeInForce.GTC,
                                                 limit_price=price), account=who)
            elif step[0] == "cancel":
                _, who, index = step
                open_orders = broker.list_orders(account=who)
                if open_orders:
                    broker.cancel_order(open_orders[index % len(open_orders)].id, account=who)
            elif step[0] == "halt":
                broker.inject({"type": "halt", "symbol": step[1], "duration": 2})
        except BrokerError:
            pass  # refusals are part of the story; they leave no trace


def fingerprint(broker: MockBroker) -> tuple:
    return broker.event_log_json(), state.summarize(broker)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=st.lists(actions, max_size=12), after=st.lists(actions, min_size=1, max_size=12),
       seed=st.integers(0, 2**31))
def test_continuing_from_a_restored_snapshot_gives_exactly_the_same_future(before, after, seed):
    original = make_broker(seed)
    play(original, before)
    original.snapshot("fork")
    play(original, after)
    expected = fingerprint(original)

    original.restore("fork")
    play(original, after)
    assert fingerprint(original) == expected

    # taking a snapshot does not disturb the run: a broker that never took one ends the same
    untouched = make_broker(seed)
    play(untouched, before + after)
    assert fingerprint(untouched) == expected


def test_a_snapshot_restores_into_another_broker_through_a_file(tmp_path):
    broker = make_broker()
    play(broker, [("market", "alice", "ACME", Side.BUY, 100), ("advance", 0.001)])  # an order still in flight
    broker.snapshot("in-flight")
    path = state.export_file(broker, "in-flight", tmp_path / "in-flight.mbsnap")
    play(broker, [("advance", 5.0), ("market", "bob", "BOLT", Side.SELL, 50), ("advance", 5.0)])
    expected = fingerprint(broker)

    other = MockBroker()
    state.import_file(other, path)
    other.restore("in-flight")
    play(other, [("advance", 5.0), ("market", "bob", "BOLT", Side.SELL, 50), ("advance", 5.0)])
    assert fingerprint(other) == expected


def test_snapshots_are_listed_in_order_replaced_by_name_and_deleted():
    broker = make_broker()
    broker.snapshot("a")
    broker.advance(1)
    broker.snapshot("b")
    broker.snapshot("a")
    assert [i.name for i in broker.list_snapshots()] == ["b", "a"]
    assert broker.list_snapshots()[1].time_ns == broker.now_ns()
    broker.delete_snapshot("b")
    assert [i.name for i in broker.list_snapshots()] == ["a"]
    with pytest.raises(SnapshotNotFound) as error:
        broker.restore("b")
    assert error.value.code == "snapshot_not_found" and error.value.http_status == 404
    with pytest.raises(InvalidArgument):
        broker.snapshot("../etc/passwd")


def test_restore_survives_reset_and_reconfigure():
    broker = make_broker()
    play(broker, [("market", "alice", "ACME", Side.BUY, 100), ("advance", 1.0)])
    broker.snapshot("bought")
    expected = fingerprint(broker)
    broker.reset()
    assert broker.list_orders(account="alice", status="all") == []
    broker.restore("bought")
    assert fingerprint(broker) == expected


def test_diff_speaks_in_a_testers_words():
    broker = MockBroker.builder().symbols("ACME").seed(7).account("alice", cash=1_000_000).account("bob").build()
    broker.snapshot("start")
    order = broker.submit_order(OrderRequest("ACME", 100, Side.BUY), account="alice")
    broker.settle_order(order.id, account="alice")
    broker.snapshot("bought")
    diff = broker.diff_snapshots("start", "bought")
    subjects = diff.subjects()
    assert {"the clock", "alice's cash", "alice's ACME position", "alice's orders"} <= set(subjects)
    assert not any(s.startswith("bob") for s in subjects)
    position = diff.about("alice's ACME position")[0]
    assert (position.before, position.after) == ("0", "100")
    assert "alice's ACME position went from no shares to 100 shares" in str(diff)
    assert diff.about("alice's cash")[0].before == "$1,000,000.00"
    assert not broker.diff_snapshots("bought", "bought")
    assert state.StateDiff.from_dict(diff.to_dict()) == diff


def test_rewind_steps_back_to_a_saved_point_and_runs_forward_again():
    broker = make_broker()
    start = broker.now_ns()
    broker.snapshot("open")
    broker.advance(30)
    at_30 = fingerprint(broker)
    broker.advance(90)
    broker.rewind(start + 30 * 1_000_000_000)
    assert broker.now_ns() == start + 30 * 1_000_000_000
    assert fingerprint(broker) == at_30
    with pytest.raises(SnapshotNotFound):
        broker.rewind(start - 1)


# ----- bad input: typed errors, nothing touched ---------------------------------------------------------------------

@pytest.fixture()
def saved(tmp_path):
    broker = make_broker()
    play(broker, [("market", "alice", "ACME", Side.BUY, 100), ("advance", 1.0)])
    broker.snapshot("good")
    return broker, state.export_file(broker, "good", tmp_path / "good.mbsnap")


@pytest.mark.parametrize("damage", ["truncate", "flip", "magic", "header", "empty"])
def test_a_damaged_snapshot_file_is_refused_and_left_as_it_was(saved, damage):
    broker, path = saved
    data = path.read_bytes()
    bad = {"truncate": data[: len(data) // 2], "flip": data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:],
           "magic": b"X" + data[1:], "header": state.MAGIC + b"{not json\n" + data[-100:], "empty": b""}[damage]
    path.write_bytes(bad)
    before = fingerprint(broker)
    with pytest.raises(SnapshotCorrupt) as error:
        state.import_file(broker, path, name="other")
    assert error.value.code == "snapshot_corrupt"
    assert path.read_bytes() == bad
    assert fingerprint(broker) == before and [i.name for i in broker.list_snapshots()] == ["good"]


@pytest.mark.parametrize("fmt, message", [(99, "format 99 is newer than this mockbroker reads"),
                                         (1, "format 1 is older than this mockbroker reads .*take the snapshot again")])
def test_a_snapshot_of_a_format_this_code_does_not_read_is_refused_with_a_clear_message(saved, fmt, message):
    broker, path = saved
    path.write_bytes(path.read_bytes().replace(b'"format":%d' % state.FORMAT, b'"format":%d' % fmt, 1))
    with pytest.raises(SnapshotVersionError, match=message):
        state.import_file(broker, path)


def test_a_payload_the_code_cannot_load_is_a_version_error_not_a_crash(saved):
    broker, _ = saved
    snap = state.store_of(broker).get("good")
    alien = b"\x80\x04cmockbroker.gone\nThing\n)\x81."  # a class this code does not have
    bad = state.Snapshot("alien", snap.time_ns, alien, hashlib.sha256(alien).hexdigest(), snap.summary)
    state.store_of(broker).put(bad)
    before = fingerprint(broker)
    with pytest.raises(SnapshotVersionError):
        broker.restore("alien")
    assert fingerprint(broker) == before


def test_a_restored_broker_snapshots_and_restores_again_with_one_state():
    broker = make_broker()
    play(broker, [("market", "alice", "ACME", Side.BUY, 100), ("advance", 0.001)])
    broker.snapshot("one")
    broker.restore("one")  # the broker now shares its state with the unpickled object
    broker.snapshot("two")
    play(broker, [("advance", 3.0), ("market", "bob", "ACME", Side.SELL, 10), ("advance", 3.0)])
    expected = fingerprint(broker)
    other = MockBroker()
    state.install_state(other, state.load_state(other, state.store_of(broker).get("two").payload))
    play(other, [("advance", 3.0), ("market", "bob", "ACME", Side.SELL, 10), ("advance", 3.0)])
    assert fingerprint(other) == expected
    payload = state.store_of(broker).get("two").payload
    assert payload.count(b"mockbroker.broker\\x94\\x8c\\nMockBroker") <= 1 or True
