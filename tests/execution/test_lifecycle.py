"""Lifecycle events in order with timestamps, the cancel/replace race, determinism."""

from decimal import Decimal

from mockbroker.domain import EventType, OrderStatus, Side
from mockbroker.errors import RejectReason
from mockbroker.execution.lifecycle import is_legal
from mockbroker.market import session

from .helpers import broker, events_of, limit, market, place


def test_a_market_order_goes_accepted_new_fill_with_increasing_timestamps():
    b = broker()
    order = place(b, market(100))
    events = events_of(b, order.id)
    assert [e.event for e in events] == [EventType.ACCEPTED, EventType.NEW, EventType.FILL]
    assert [e.order.status for e in events] == [OrderStatus.ACCEPTED, OrderStatus.NEW, OrderStatus.FILLED]
    times = [e.time_ns for e in events]
    assert times == sorted(times) and times[0] < times[1]
    assert events[-1].fill is not None and events[-1].fill.time_ns == times[-1]
    seqs = [e.seq for e in b.order_events()]
    assert seqs == list(range(1, len(seqs) + 1))


def test_partial_fills_are_events_too():
    b = broker(partial_fill_ratio=0.5)
    order = place(b, market(400))
    b.advance(1)
    kinds = [e.event for e in events_of(b, order.id)]
    assert kinds[:4] == [EventType.ACCEPTED, EventType.NEW, EventType.PARTIAL_FILL, EventType.PARTIAL_FILL]
    assert kinds[-1] is EventType.FILL


def test_a_cancel_sent_while_the_order_travels_loses_the_race_with_the_fill():
    b = broker(latency_min=50, latency_max=50)
    order = b.submit_order(market(100), "a")
    b.cancel_order(order.id, "a")  # sent at once, but it travels behind the order
    b.settle_order(order.id, "a")
    events = events_of(b, order.id)
    assert [e.event for e in events] == [EventType.ACCEPTED, EventType.PENDING_CANCEL, EventType.NEW,
                                         EventType.FILL, EventType.CANCEL_REJECTED]
    assert events[-1].reason == RejectReason.TOO_LATE_TO_CANCEL.value
    assert b.get_order(order.id, "a").status is OrderStatus.FILLED


def test_a_cancel_that_arrives_first_wins():
    b = broker(latency_min=50, latency_max=50)
    order = place(b, limit(100, "45.00"))
    b.cancel_order(order.id, "a")
    done = b.settle_order(order.id, "a")
    assert done.status is OrderStatus.CANCELED and done.canceled_ns is not None


def test_a_replace_that_arrives_after_the_fill_is_rejected_and_so_is_the_replacement():
    b = broker(latency_min=50, latency_max=50)
    order = b.submit_order(limit(100, "51.00"), "a")  # marketable: fills on arrival
    new = b.replace_order(order.id, "a", limit_price=Decimal("50.50"))
    b.settle_order(new.id, "a")
    assert b.get_order(order.id, "a").status is OrderStatus.FILLED
    replacement = b.get_order(new.id, "a")
    assert (replacement.status, replacement.reject_reason) == (OrderStatus.REJECTED, RejectReason.TOO_LATE_TO_CANCEL)
    assert any(e.event is EventType.REPLACE_REJECTED for e in events_of(b, order.id))


def test_a_replace_still_travelling_at_the_close_is_too_late_and_both_orders_expire():
    b = broker(update_ms=60_000)
    order = place(b, limit(100, "49.00"))  # rests below the market
    b.clock.run_until(session.next_close(b.now_ns()) - 10_000_000)  # 10 ms before the close; latency is 20-60 ms
    new = b.replace_order(order.id, "a", limit_price=Decimal("49.01"))
    b.advance(1)
    old, replacement = b.get_order(order.id, "a"), b.get_order(new.id, "a")
    assert (old.status, replacement.status) == (OrderStatus.EXPIRED, OrderStatus.EXPIRED)
    assert [e.event for e in events_of(b, order.id)][-2:] == [EventType.EXPIRED, EventType.REPLACE_REJECTED]
    assert b.reconciles() and b.get_account("a").buying_power == b.get_account("a").cash


def test_every_status_change_of_every_order_is_legal():
    b = broker(volatility=2.0, partial_fill_ratio=0.5, latency_min=10, latency_max=200)
    ids = [b.submit_order(r, "a").id for r in (market(500), limit(300, "49.99"), market(200, Side.SELL),
                                                 limit(100, "50.01", Side.SELL))]
    b.cancel_order(ids[1], "a")
    b.advance(5)
    for order_id in ids:
        statuses = [e.order.status for e in events_of(b, order_id)]
        for before, after in zip(statuses, statuses[1:]):
            assert before == after or is_legal(before, after), f"{before.value} -> {after.value}"


def test_the_same_seed_gives_the_same_event_log_byte_for_byte():
    def run(seed):
        b = broker(seed=seed, volatility=2.0, latency_distribution="lognormal", partial_fill_ratio=0.7,
                   fill_probability=0.5, rejection_rate=0.1, fees={"per_share": "0.005", "min_per_order": "1"})
        for i in range(30):
            request = market(50 + i * 10, Side.BUY if i % 3 else Side.SELL) if i % 2 else \
                limit(100, Decimal("49.95") + Decimal(i % 5) / 100)
            b.submit_order(request, "a")
            b.advance(0.3)
        b.advance(10)
        return b.event_log_json()

    assert run(4) == run(4)
    assert run(4) != run(5)


def test_a_split_cancels_the_open_orders_in_the_symbol_before_the_new_prices_apply():
    b = broker()
    resting = place(b, limit(100, "45.00"))  # at $25 after a 2-for-1 split this would fill at once
    travelling = b.submit_order(limit(50, "44.00"), "a")  # still on its way to the venue
    filled = place(b, market(10))
    b.inject({"type": "split", "symbol": "ACME", "ratio": 2})
    b.advance(1)
    for order_id in (resting.id, travelling.id):
        order = b.get_order(order_id, "a")
        assert (order.status, order.filled_qty) == (OrderStatus.CANCELED, 0)
        assert events_of(b, order_id)[-1].reason == RejectReason.CORPORATE_ACTION.value
    assert b.get_order(filled.id, "a").status is OrderStatus.FILLED
    assert b.get_position("ACME", "a").qty == 20
    account = b.get_account("a")
    assert account.buying_power == account.cash and b.reconciles()  # nothing reserved any more
    after = place(b, limit(100, "24.00"))  # orders sent after the split work as usual
    assert b.get_order(after.id, "a").status is OrderStatus.NEW
