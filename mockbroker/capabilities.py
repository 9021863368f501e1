"""Capabilities: what a target offers beyond the ``Broker`` contract, so the acceptance suite knows what it can run.

A scenario declares what it needs with tags (``@needs:control``, ``@needs:clock``, ...); a target states what it
offers. A scenario whose needs a target does not meet is skipped there, with the missing capability named. The
in-process mock and its HTTP service offer everything; a real broker's adapter offers what it can (typically
``fills`` on a paper account, ``two-accounts`` when it holds two key pairs) and runs the ``@conformance`` profile.

How a target states its capabilities (``capabilities_of``):
- an attribute ``capabilities`` (any iterable of names or ``Capability`` members) says it outright;
- otherwise a target that implements ``SimulationControl`` (a mock) offers every capability, and one that only
  implements ``Broker`` offers none.

Rules:
- Names are stable: features, docs and reports use them. ``Capability("clock")`` accepts the plain name; an
  unknown name is an error that lists the known ones.
- The engine never reads this module; only the suite (steps) and adapters do.
"""

from __future__ import annotations

from enum import Enum
from typing import Iterable


class Capability(str, Enum):
    """Something a scenario may need beyond the ``Broker`` contract."""

    CONTROL = "control"
    CLOCK = "clock"
    FAULTS = "faults"
    STREAMS = "streams"
    SNAPSHOTS = "snapshots"
    ENGINE = "engine"
    FILLS = "fills"
    TWO_ACCOUNTS = "two-accounts"

    @property
    def tag(self) -> str:
        """The Gherkin tag that declares this need: ``@needs:control``."""
        return f"@needs:{self.value}"

    @property
    def meaning(self) -> str:
        return MEANINGS[self]

    @classmethod
    def parse(cls, name: object) -> "Capability":
        """A capability from its name (or itself); an unknown name raises ``ValueError`` listing the known ones."""
        if isinstance(name, cls):
            return name
        try:
            return cls(str(name).strip().lower())
        except ValueError:
            known = ", ".join(c.value for c in cls)
            raise ValueError(f"unknown capability {name!r}: the capabilities are {known}") from None


MEANINGS: dict[Capability, str] = {
    Capability.CONTROL: "sets the scene: accounts with chosen cash and holdings, symbols at chosen prices, market "
                        "and venue settings, market events (a flash crash, a halt)",
    Capability.CLOCK: "moves virtual time: orders in flight, latency, time passing, the session's open and close",
    Capability.FAULTS: "injects failures on demand: connection drops, timeouts, rate limits, server errors",
    Capability.STREAMS: "opens the mock's streams on demand and delivers their messages as simulated time passes",
    Capability.SNAPSHOTS: "saves, restores and compares the whole simulation",
    Capability.ENGINE: "is mockbroker's own engine: load tests and backtests measure the engine itself",
    Capability.FILLS: "lets orders fill: market orders, round trips, positions that change (paper money only)",
    Capability.TWO_ACCOUNTS: "acts as two separate accounts, to show that one cannot see or touch the other's orders",
}

EVERY_CAPABILITY: frozenset[Capability] = frozenset(Capability)
"""What the in-process mock and its HTTP service offer."""

PROFILE_CAPABILITIES: frozenset[Capability] = frozenset({Capability.FILLS, Capability.TWO_ACCOUNTS})
"""The only needs a ``@conformance`` scenario may have: any broker adapter can offer them."""


def parse_capabilities(names: Iterable[object]) -> frozenset[Capability]:
    return frozenset(Capability.parse(name) for name in names)


def capabilities_of(broker: object) -> frozenset[Capability]:
    """What ``broker`` offers beyond ``Broker``: its ``capabilities`` attribute, else everything for a mock
    (an object that implements ``SimulationControl``), else nothing."""
    declared = getattr(broker, "capabilities", None)
    if declared is not None:
        return parse_capabilities(declared)
    from .interface import SimulationControl

    return EVERY_CAPABILITY if isinstance(broker, SimulationControl) else frozenset()


def describe(capabilities: Iterable[Capability]) -> str:
    """"fills, two-accounts" (sorted), or "none beyond the Broker contract"."""
    names = sorted(Capability.parse(c).value for c in capabilities)
    return ", ".join(names) if names else "none beyond the Broker contract"
