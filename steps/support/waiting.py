"""Waiting for the broker: the one place the suite waits, in simulated time or in real time.

- A target with a virtual clock (capability ``clock``: the mock in process or over HTTP) waits by moving the
  clock: ``settle_order`` runs it until the venue has processed every command about the order, and after a cancel
  one second of simulated time passes. Nothing sleeps, and a Then step looks once.
- A target without one (a broker adapter, a service on the real-time clock) waits in real time: it asks the broker
  again, at growing intervals (20 ms up to 250 ms), until the order has left the states that mean "still on its
  way" (accepted, pending_new, pending_cancel, pending_replace), or until the timeout (``-D wait_timeout=``,
  default 10 s). A Then step about a state the broker reaches on its own time (filled, canceled, an update
  received) asks again until it holds or the timeout passes, then judges what it saw last (``eventually``).
- A wait never fails a step by itself: the Then step that judges says what it saw and, on a real-time target,
  how long it waited (``note``).
"""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from mockbroker.capabilities import Capability
from mockbroker.domain import Order, OrderStatus

from .desk import Desk

T = TypeVar("T")

ON_ITS_WAY = frozenset({OrderStatus.ACCEPTED, OrderStatus.PENDING_NEW, OrderStatus.PENDING_CANCEL,
                        OrderStatus.PENDING_REPLACE})
"""Statuses of an order that a command about it has not finished with yet."""

FIRST_POLL_S, LAST_POLL_S = 0.02, 0.25


def has_clock(desk: Desk) -> bool:
    return desk.profile.has(Capability.CLOCK)


def _poll(desk: Desk, read: Callable[[], T], ok: Callable[[T], bool]) -> T:
    """Read until ``ok`` holds or the profile's timeout passes; the last value read either way."""
    deadline = time.monotonic() + desk.profile.wait_seconds
    interval = FIRST_POLL_S
    started = time.monotonic()
    value = read()
    while not ok(value):
        left = deadline - time.monotonic()
        if left <= 0:
            desk.waited = time.monotonic() - started
            return value
        time.sleep(min(interval, left))  # a real broker's own time: only targets without a virtual clock get here
        interval = min(interval * 1.5, LAST_POLL_S)
        value = read()
    desk.waited = None
    return value


def settle(desk: Desk, order_id: str, account: str) -> Order:
    """Wait until the venue has processed every command about the order; the order as it then stands."""
    broker = desk.broker
    if has_clock(desk):
        return broker.settle_order(order_id, account=account)
    return _poll(desk, lambda: broker.get_order(order_id, account=account), lambda o: o.status not in ON_ITS_WAY)


def after_cancel(desk: Desk, order_id: str, account: str) -> None:
    """Let a cancel that the broker took land."""
    if has_clock(desk):
        desk.broker.advance(1.0)
    else:
        settle(desk, order_id, account)


def after_cancel_all(desk: Desk, account: str) -> None:
    """Let the cancels of every open order of the account land (on a real-time target: the scenario's own)."""
    if has_clock(desk):
        desk.broker.advance(1.0)
        return
    for placed in [p for p in desk.orders if p.account == account]:
        settle(desk, placed.order_id, account)


def eventually(desk: Desk, read: Callable[[], T], ok: Callable[[T], bool]) -> T:
    """What ``read`` answers once ``ok`` holds; with a virtual clock, what it answers now (nothing waits)."""
    if has_clock(desk):
        return read()
    return _poll(desk, read, ok)


def note(desk: Desk) -> str:
    """"; waited 10.0 s of real time" after a wait that ran out, else nothing."""
    waited = getattr(desk, "waited", None)
    return f"; waited {waited:.1f} s of real time for it" if waited else ""
