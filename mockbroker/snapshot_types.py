"""The values the snapshot calls of the contract return (``SimulationControl.snapshot``, ``list_snapshots``,
``diff_snapshots``): domain types, so the contract (``interface.py``), the broker (``state.py``) and the HTTP client
(``client.py``) share them without the client reaching into the broker layer.

Times are integer nanoseconds since the Unix epoch, as everywhere in the domain; ``SnapshotInfo.time`` prints one
the way ``mockbroker.clock.iso`` does (the domain layer sits below the clock, so it formats the value itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

_NS = 1_000_000_000


@dataclass(frozen=True)
class SnapshotInfo:
    """What a listing shows about a snapshot."""

    name: str
    time_ns: int
    orders: int
    fills: int
    size: int
    checksum: str
    taken_at: str = ""

    @property
    def time(self) -> str:
        seconds, rest = divmod(self.time_ns, _NS)
        return f"{datetime.fromtimestamp(seconds, tz=timezone.utc):%Y-%m-%dT%H:%M:%S}.{rest:09d}Z"

    def to_dict(self) -> dict:
        return {"id": self.name, "name": self.name, "time_ns": self.time_ns, "now": self.time,
                "now_ns": self.time_ns, "orders": self.orders, "fills": self.fills, "size": self.size,
                "checksum": self.checksum, "taken_at": self.taken_at}

    @classmethod
    def from_dict(cls, data: dict) -> "SnapshotInfo":
        return cls(data["name"], int(data["time_ns"]), int(data["orders"]), int(data["fills"]), int(data["size"]),
                   data["checksum"], data.get("taken_at", ""))



@dataclass(frozen=True)
class Change:
    """One difference. ``subject`` is what a table row names ("alice's cash", "alice's ACME position",
    "alice's orders", "ACME price", "the clock", "the account bob"); ``before``/``after`` are the values as a
    tester writes them ("$100,000.00", "100 shares", "filled"); ``text`` is the whole sentence."""

    subject: str
    before: str | None
    after: str | None
    text: str

    def to_dict(self) -> dict:
        return {"subject": self.subject, "before": self.before, "after": self.after, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict) -> "Change":
        return cls(data["subject"], data.get("before"), data.get("after"), data["text"])


@dataclass(frozen=True)
class StateDiff:
    before: str
    after: str
    changes: tuple[Change, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def subjects(self) -> list[str]:
        return list(dict.fromkeys(c.subject for c in self.changes))

    def about(self, subject: str) -> list[Change]:
        return [c for c in self.changes if c.subject.lower() == subject.lower()]

    def __str__(self) -> str:
        if not self.changes:
            return f"nothing changed from {self.before} to {self.after}"
        return f"from {self.before} to {self.after}:\n" + "\n".join(f"- {c.text}" for c in self.changes)

    def to_dict(self) -> dict:
        return {"from": self.before, "to": self.after, "changes": [c.to_dict() for c in self.changes],
                "text": str(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "StateDiff":
        return cls(data["from"], data["to"], tuple(Change.from_dict(c) for c in data.get("changes", ())))
