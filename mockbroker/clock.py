"""The broker's own clock. Nothing in the engine reads the wall clock or sleeps.

Rules:
- Time is integer nanoseconds since the Unix epoch; it only moves forward through ``advance``/``run_until``
  (``travel_to`` may move it anywhere, for restore and time travel, and drops nothing it did not schedule).
- Scheduled callbacks run in order of (due time, sequence number): two events due at the same instant run in the
  order they were scheduled, so runs are deterministic.
- While a callback runs, ``now()`` is its due time; callbacks may schedule further callbacks.
- The execution engine and the broker's event log read ``_now_ns`` directly (the value ``now_ns()`` returns,
  without a call: they do it several times an order); nothing outside this module writes it.
"""

from __future__ import annotations

import functools
import heapq
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

NS_PER_MS = 1_000_000
NS_PER_SECOND = 1_000_000_000

DEFAULT_START = datetime(2026, 1, 5, 14, 30, tzinfo=timezone.utc)
"""Monday 5 January 2026, 09:30 in New York: the regular session's open."""


def to_ns(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"moment={moment!r}: a naive datetime is ambiguous; give it a timezone")
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * NS_PER_SECOND + delta.microseconds * 1_000


def to_datetime(ns: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=ns // 1_000)


def iso(ns: int) -> str:
    """RFC 3339 with nanoseconds, as real broker APIs print times."""
    seconds, rest = divmod(ns, NS_PER_SECOND)
    return f"{_iso_seconds(seconds)}.{rest:09d}Z"


@functools.lru_cache(maxsize=4096)  # every order answer prints ~6 times, mostly in the same few seconds
def _iso_seconds(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(slots=True)
class ScheduledEvent:
    """A scheduled callback, and the handle to it: ``cancel()`` keeps it from running."""

    due_ns: int
    seq: int
    callback: Callable[..., None]
    label: str = ""
    args: tuple = ()
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    def __init__(self, start: datetime | int = DEFAULT_START) -> None:
        self._now_ns = start if isinstance(start, int) else to_ns(start)
        self._queue: list[tuple[int, int, ScheduledEvent]] = []
        """A heap of (due time, sequence, callback): tuples compare in C, much faster than objects."""
        self._seq = 0
        self._target_ns = self._now_ns  # how far the running ``run_until`` goes (see ``step_to``)

    def now_ns(self) -> int:
        return self._now_ns

    def now(self) -> datetime:
        return to_datetime(self._now_ns)

    def schedule_at(self, due_ns: int, callback: Callable[..., None], label: str = "", args: tuple = ()) -> ScheduledEvent:
        """Run ``callback(*args)`` at ``due_ns``. Use bound methods, not lambdas, so a broker can be copied or
        pickled with its queue (snapshots)."""
        if due_ns < self._now_ns:
            due_ns = self._now_ns
        self._seq += 1
        item = ScheduledEvent(due_ns, self._seq, callback, label, args)
        heapq.heappush(self._queue, (due_ns, self._seq, item))
        return item

    def schedule_in(self, delay_ns: int, callback: Callable[..., None], label: str = "", args: tuple = ()) -> ScheduledEvent:
        if delay_ns < 0:
            raise ValueError(f"delay_ns={delay_ns}: a delay cannot be negative")
        return self.schedule_at(self._now_ns + delay_ns, callback, label, args)

    def next_due_ns(self) -> int | None:
        while self._queue and self._queue[0][2].cancelled:
            heapq.heappop(self._queue)
        return self._queue[0][0] if self._queue else None

    def pending(self) -> list[tuple[int, str]]:
        """(due time, label) of every callback still to run, in run order."""
        return [(due, item.label) for due, _, item in sorted(self._queue) if not item.cancelled]

    def cancel_labelled(self, label: str) -> int:
        """Cancel every pending callback scheduled with ``label``; returns how many."""
        cancelled = 0
        for _, _, item in self._queue:
            if item.label == label and not item.cancelled:
                item.cancelled = True
                cancelled += 1
        return cancelled

    def run_until(self, target_ns: int) -> int:
        """Run every callback due at or before ``target_ns``, then stand at ``target_ns``. Returns how many ran."""
        if target_ns < self._now_ns:
            raise ValueError(f"target={iso(target_ns)}: the clock is at {iso(self._now_ns)} and does not run backwards")
        ran = 0
        queue = self._queue
        pop = heapq.heappop
        outer, self._target_ns = self._target_ns, target_ns
        try:
            while queue and queue[0][0] <= target_ns:
                due, _, item = pop(queue)
                if item.cancelled:
                    continue
                self._now_ns = due
                item.callback(*item.args)
                ran += 1
        finally:
            self._target_ns = outer if outer > self._now_ns else self._now_ns
        self._now_ns = target_ns
        return ran

    def step_to(self, due_ns: int) -> bool:
        """From inside a callback: move the clock on to ``due_ns`` now, if the running ``run_until`` goes that far
        and nothing else is scheduled at or before it (so nothing could run in between). Returns whether it
        moved. A component with a queue of its own (the engine's commands in flight) works through it this way,
        without one scheduled callback per entry, in exactly the order scheduling them would give."""
        if due_ns < self._now_ns or due_ns > self._target_ns:
            return False
        queue = self._queue
        if queue and queue[0][0] <= due_ns:
            return False
        self._now_ns = due_ns
        return True

    def advance(self, delta: timedelta | int) -> int:
        """Move forward by a timedelta or by nanoseconds."""
        delta_ns = delta if isinstance(delta, int) else int(delta.total_seconds() * NS_PER_SECOND)
        if delta_ns < 0:
            raise ValueError(f"delta={delta!r}: the clock does not run backwards (use travel_to)")
        return self.run_until(self._now_ns + delta_ns)

    def travel_to(self, moment_ns: int) -> None:
        """Set the time without running anything (for restoring state)."""
        self._now_ns = moment_ns

    def clear(self) -> None:
        self._queue.clear()
