"""What the engine's speed work must not change: the latency stream, the events' snapshots, the fill log, and the
order of commands about one order (see docs/execution.md, Speed)."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from mockbroker.config import AccountConfig, ExecutionConfig
from mockbroker.domain import (EVENT, SIDE, STATUS, TIF, TYPE, EventType, OrderRequest, OrderStatus, OrderType, Side,
                               TimeInForce)
from mockbroker.errors import OrderNotFound
from mockbroker.execution.models import LognormalLatency, UniformLatency
from mockbroker.clock import NS_PER_MS

from .helpers import broker, limit, market, place


def test_latency_drawn_ahead_is_exactly_the_one_at_a_time_stream():
    config = ExecutionConfig(latency_min=20.0, latency_max=60.0)
    model = UniformLatency(config, np.random.default_rng(5))
    reference = np.random.default_rng(5)
    drawn = [model.draw_ns() for _ in range(1_300)]  # more than two batches
    assert drawn == [int(round((20.0 + 40.0 * reference.random()) * NS_PER_MS)) for _ in range(1_300)]


def test_heavy_tailed_latency_drawn_ahead_is_exactly_the_one_at_a_time_stream():
    config = ExecutionConfig(latency_min=20.0, latency_max=60.0, latency_distribution="lognormal", latency_sigma=1.0)
    model = LognormalLatency(config, np.random.default_rng(9))
    reference = np.random.default_rng(9)
    mu, cap = math.log(20.0), max(config.latency_cap, 60.0)
    expected = [int(round(min(cap, 20.0 + math.exp(mu + 1.0 * reference.standard_normal())) * NS_PER_MS))
                for _ in range(700)]
    assert [model.draw_ns() for _ in range(700)] == expected


def test_fixed_latency_uses_no_random_numbers():
    rng = np.random.default_rng(1)
    model = UniformLatency(ExecutionConfig(latency_min=35.0, latency_max=35.0), rng)
    assert {model.draw_ns() for _ in range(600)} == {35 * NS_PER_MS}
    assert rng.random() == np.random.default_rng(1).random()  # the generator was not touched


def test_each_event_shows_the_order_as_it_was_then_not_as_it_ended():
    b = broker()
    resting = place(b, limit(100, "49.00"))
    b.cancel_order(resting.id, "a")
    b.settle_order(resting.id, "a")
    events = [e for e in b.events if e.order.id == resting.id]
    assert [e.event for e in events] == [EventType.ACCEPTED, EventType.NEW, EventType.PENDING_CANCEL,
                                         EventType.CANCELED]
    assert [e.order.status for e in events] == [OrderStatus.ACCEPTED, OrderStatus.NEW, OrderStatus.PENDING_CANCEL,
                                                OrderStatus.CANCELED]
    assert all(e.order.canceled_ns is None for e in events[:-1])
    assert events[-1].order.canceled_ns == events[-1].time_ns


def test_fills_in_the_log_the_order_and_the_events_are_the_same_fills():
    b = broker(partial_fill_ratio=0.3)  # each match takes at most 30% of what is left: several fills
    order = place(b, market(1_000))
    b.advance(30)
    fills = b.list_fills("a", order_id=order.id)
    assert len(fills) > 1 and sum(f.qty for f in fills) == b.get_order(order.id, "a").filled_qty
    assert [e.fill for e in b.events if e.fill is not None and e.order.id == order.id] == fills
    assert b.list_fills("a") == b.engine.fills == [b.engine.fill(n) for n in range(b.engine.fill_count)]
    assert len({f.fill_id for f in b.engine.fills}) == b.engine.fill_count
    for fill in fills:
        expected = (fill.price - fill.arrival_mid) / fill.arrival_mid * 10_000
        assert abs(fill.slippage_bps - expected) < 0.01


def test_commands_about_one_order_arrive_in_the_order_they_were_sent():
    b = broker(latency_min=1.0, latency_max=200.0)  # a wide range: later commands often draw shorter latencies
    for _ in range(20):
        order = b.submit_order(limit(10, "49.00"), "a")
        b.cancel_order(order.id, "a")  # sent at once, while the order itself still travels
        b.settle_order(order.id, "a")
        kinds = [e.event for e in b.events if e.order.id == order.id]
        assert kinds == [EventType.ACCEPTED, EventType.PENDING_CANCEL, EventType.NEW, EventType.CANCELED] or \
            kinds == [EventType.ACCEPTED, EventType.PENDING_CANCEL, EventType.CANCELED], kinds


def test_member_tables_hold_the_enum_members_themselves():
    for table, enum in ((SIDE, Side), (STATUS, OrderStatus), (EVENT, EventType), (TYPE, OrderType),
                        (TIF, TimeInForce)):
        assert {name: getattr(table, name) for name in enum.__members__} == dict(enum.__members__)
        assert all(getattr(table, name) is member for name, member in enum.__members__.items())


def test_listing_orders_by_status_agrees_with_each_orders_status():
    b = broker()
    b.open_account(AccountConfig(id="b", cash=Decimal("1000000")))
    place(b, market(100))  # filled
    resting = place(b, limit(100, "45.00"))
    canceled = place(b, limit(100, "44.00"))
    b.cancel_order(canceled.id, "a")
    b.settle_order(canceled.id, "a")
    changed = b.replace_order(resting.id, "a", limit_price=Decimal("45.01"))
    b.settle_order(changed.id, "a")
    mine = b.submit_order(OrderRequest("ACME", 10, Side.BUY, OrderType.LIMIT, limit_price=Decimal("40.00"),
                                       client_order_id="my-id"), "a")
    b.submit_order(limit(5, "41.00"), "b")  # another account's order is never listed for "a"
    every = b.list_orders("a", status="all")
    assert [o.id for o in every] == [o.id for o in sorted(every, key=lambda o: o.created_ns)]
    assert len(every) == 5
    assert [o.id for o in b.list_orders("a", "open")] == [o.id for o in every if o.is_open] == [changed.id, mine.id]
    assert [o.id for o in b.list_orders("a", "closed")] == [o.id for o in every if not o.is_open]
    assert b.get_order_by_client_id("my-id", "a").id == mine.id
    assert b.get_order_by_client_id(changed.id, "a").id == changed.id  # no client id chosen: it is the order id
    with pytest.raises(OrderNotFound):
        b.get_order_by_client_id("my-id", "b")
