"""The order lifecycle: which status may follow which.

    accepted ─> new ─> partially_filled ─> filled
       │         │            │
       │         ├────────────┴─> pending_cancel ─> canceled | filled (the cancel lost the race)
       │         ├─> pending_replace ─> replaced | filled
       │         └─> canceled | expired | rejected
       └─> rejected | canceled | expired | pending_cancel

``accepted``: the broker has the order and it is on its way to the venue (latency);
``new``: the venue has it and it is working; ``held``: a bracket or OTO leg waiting for its entry to fill. Terminal: filled, canceled, expired, rejected, replaced.
"""

from __future__ import annotations

from ..domain import OrderStatus as S

_WORKING = {S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED}

ALLOWED: dict[S, frozenset[S]] = {
    # a bracket or OTO leg waits, held by the broker, until its entry fills; then it goes to the venue
    S.HELD: frozenset({S.NEW, S.REJECTED, S.CANCELED, S.EXPIRED, S.PENDING_CANCEL, S.PENDING_REPLACE, S.REPLACED}),
    S.ACCEPTED: frozenset({S.NEW, S.REJECTED, S.CANCELED, S.EXPIRED, S.PENDING_CANCEL, S.PENDING_REPLACE}),
    S.NEW: frozenset(_WORKING | {S.PENDING_CANCEL, S.PENDING_REPLACE}),
    S.PARTIALLY_FILLED: frozenset(_WORKING | {S.PENDING_CANCEL, S.PENDING_REPLACE}),
    S.PENDING_CANCEL: frozenset({S.PENDING_CANCEL, S.FILLED, S.CANCELED, S.EXPIRED, S.REJECTED}),
    S.PENDING_REPLACE: frozenset({S.PENDING_REPLACE, S.FILLED, S.REPLACED, S.CANCELED, S.EXPIRED, S.REJECTED,
                                  S.PENDING_CANCEL}),
}


def is_legal(before: S, after: S) -> bool:
    return after in ALLOWED.get(before, frozenset())


class IllegalTransition(AssertionError):
    """An engine bug: an order tried to move between statuses the lifecycle does not allow."""
