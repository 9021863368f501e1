"""Snapshots of a whole broker: capture, restore, list, delete, diff, files, and time travel.

A snapshot is two things kept together:

- the **payload**: a pickle of the broker's instance state (``vars(broker)`` minus the transient attributes in
  ``TRANSIENT``). That state holds everything the broker is made of -- the virtual clock and its queue of pending
  callbacks (latency in flight, session closes, scheduled events), every random generator's state, the book,
  open and closed orders, fills, accounts and positions, injected events and fault rules -- whatever the engine's
  internals are today. Nothing here lists the internals, so engine changes need no change here;
- the **summary**: a readable JSON account of what a tester sees (clock, accounts' cash and positions, orders,
  prices), read through the public ``Broker`` API only. ``diff`` compares summaries.

Rules:
- Restoring continues *exactly* the same future as the original, in the same broker object: the payload is a
  pickle of the broker itself (its scheduled callbacks are bound methods of it); on restore the unpickled copy and
  the broker being restored share one attribute dict, so those callbacks act on the restored broker's state.
- A payload carries its format version and a SHA-256 checksum. A wrong checksum, a truncated file, a newer format
  or a payload this version of the code cannot load raises a typed ``SnapshotError`` *before* anything changes.
- Snapshot files are written to a temporary file and renamed, so a failed write never clobbers a good file.
- Only load snapshot files you trust: the payload is a pickle.

Time travel: ``restore`` jumps to a snapshot (back or forward); ``rewind(broker, to_ns)`` steps the clock back to
any earlier instant by restoring the latest snapshot taken at or before it and running the simulation forward
to that instant (what happened in between that was not a market event -- orders you sent -- is not replayed).
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import json
import os
import pickle
import re
import tempfile
import types
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Protocol

from .clock import NS_PER_SECOND, iso
from .errors import ERROR_CLASSES, BrokerError, InvalidArgument
from .gcpause import collector_paused
from .snapshot_types import Change, SnapshotInfo, StateDiff  # noqa: F401 - the values these calls return

FORMAT = 2
"""Snapshot payload format. Raise it when the payload's meaning changes; older formats stay loadable or fail
clearly. 2: fills and events are kept flat in the engine and the broker (the engine-throughput work)."""
OLDEST_FORMAT = 2
"""The oldest format this version loads: format 1 pickled the engine's per-fill objects, which no longer exist."""

MAGIC = b"MOCKBROKER-SNAPSHOT\n"
TRANSIENT = frozenset({"_snapshot_store", "_journal"})
"""Broker attributes that are not simulation state (where snapshots are kept, the persistence journal)."""

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


# ----- errors ------------------------------------------------------------------------------------------------------

class SnapshotError(BrokerError):
    """A snapshot could not be read or used; the broker is unchanged."""

    code = "snapshot_error"
    http_status = 422


class SnapshotNotFound(SnapshotError):
    code = "snapshot_not_found"
    http_status = 404


class SnapshotCorrupt(SnapshotError):
    """The bytes are not a whole, intact snapshot (bad magic, truncated, checksum mismatch)."""

    code = "snapshot_corrupt"
    http_status = 422


class SnapshotVersionError(SnapshotError):
    """The snapshot was written by a newer format, or by code whose classes this version cannot load."""

    code = "snapshot_version"
    http_status = 422


class NotInThePast(SnapshotError):
    """``rewind`` was asked for a time later than now (time travel forward is ``advance``)."""

    code = "not_in_the_past"
    http_status = 409


for _cls in (SnapshotError, SnapshotNotFound, SnapshotCorrupt, SnapshotVersionError, NotInThePast):
    ERROR_CLASSES.setdefault(_cls.code, _cls)


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise InvalidArgument("name", name, "a snapshot name is 1-64 letters, digits, '.', '_' or '-', "
                                            "starting with a letter or digit")
    return name


# ----- values ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    name: str
    time_ns: int
    payload: bytes
    checksum: str
    summary: dict
    format: int = FORMAT
    taken_at: str = ""

    def info(self) -> SnapshotInfo:
        orders = sum(len(a["orders"]) for a in self.summary.get("accounts", {}).values())
        fills = sum(a.get("fills", 0) for a in self.summary.get("accounts", {}).values())
        return SnapshotInfo(self.name, self.time_ns, orders, fills, len(self.payload), self.checksum, self.taken_at)

    def header(self) -> dict:
        return {"format": self.format, "name": self.name, "time_ns": self.time_ns, "taken_at": self.taken_at,
                "payload_sha256": self.checksum, "payload_bytes": len(self.payload), "summary": self.summary}

    def to_bytes(self) -> bytes:
        """``MAGIC``, one line of JSON header (readable with ``head -2``), then the payload."""
        header = json.dumps(self.header(), sort_keys=True, separators=(",", ":")).encode()
        return MAGIC + header + b"\n" + self.payload

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "snapshot") -> "Snapshot":
        if not data.startswith(MAGIC):
            raise SnapshotCorrupt(f"{source}: not a mockbroker snapshot (it does not start with {MAGIC[:-1]!r})",
                                  source=source)
        end = data.find(b"\n", len(MAGIC))
        if end < 0:
            raise SnapshotCorrupt(f"{source}: truncated inside its header", source=source)
        try:
            header = json.loads(data[len(MAGIC):end])
            fmt, size, checksum = int(header["format"]), int(header["payload_bytes"]), header["payload_sha256"]
        except (ValueError, KeyError, TypeError) as problem:
            raise SnapshotCorrupt(f"{source}: unreadable header ({problem})", source=source) from None
        check_format(fmt, source)
        payload = data[end + 1:]
        if len(payload) != size:
            raise SnapshotCorrupt(f"{source}: truncated or padded: payload is {len(payload):,} bytes, the header "
                                  f"says {size:,}", source=source)
        snap = cls(header["name"], int(header["time_ns"]), payload, checksum, header.get("summary") or {}, fmt,
                   header.get("taken_at", ""))
        snap.verify(source)
        return snap

    def verify(self, source: str = "snapshot") -> None:
        actual = hashlib.sha256(self.payload).hexdigest()
        if actual != self.checksum:
            raise SnapshotCorrupt(f"{source}: checksum mismatch (stored {self.checksum[:12]}..., "
                                  f"actual {actual[:12]}...): the snapshot is damaged", source=source)


# ----- capture and restore -----------------------------------------------------------------------------------------

def state_of(broker) -> dict:
    return {k: v for k, v in vars(broker).items() if k not in TRANSIENT}


def dump_state(broker) -> bytes:
    """Pickle the broker object itself (its scheduled callbacks are bound methods of it), without the transient
    attributes. A restored broker shares its attribute dict with the object it was unpickled as (see
    ``install_state``); methods bound to such an alias are pickled as bound to ``broker``, so there is one broker."""
    def method(bound):
        owner = bound.__self__
        if owner is not broker and getattr(owner, "__dict__", None) is vars(broker):
            owner = broker
        return getattr, (owner, bound.__func__.__name__)

    transient = {k: vars(broker).pop(k) for k in TRANSIENT if k in vars(broker)}
    try:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = {**copyreg.dispatch_table, types.MethodType: method}  # by type: no per-object hook
        with collector_paused():
            pickler.dump(broker)
        return buffer.getvalue()
    finally:
        vars(broker).update(transient)


def check_format(fmt: int, source: str) -> None:
    """Refuse a payload format this version cannot read, with a message saying which way to go."""
    if fmt > FORMAT:
        raise SnapshotVersionError(f"{source}: snapshot format {fmt} is newer than this mockbroker reads "
                                   f"(up to {FORMAT}); upgrade mockbroker", source=source, format=fmt)
    if fmt < OLDEST_FORMAT:
        raise SnapshotVersionError(f"{source}: snapshot format {fmt} is older than this mockbroker reads "
                                   f"({OLDEST_FORMAT} to {FORMAT}); take the snapshot again", source=source,
                                   format=fmt)


def load_state(broker, payload: bytes, source: str = "snapshot") -> dict:
    """Unpickle a payload into a broker state for ``broker`` (nothing is changed yet)."""
    try:
        with collector_paused():
            loaded = pickle.loads(payload)
    except (pickle.UnpicklingError, EOFError) as problem:
        raise SnapshotCorrupt(f"{source}: the payload does not unpickle ({problem})", source=source) from None
    except (AttributeError, ImportError, TypeError, ValueError, IndexError, KeyError) as problem:
        raise SnapshotVersionError(f"{source}: written by a version of mockbroker whose engine classes differ "
                                   f"from this one ({type(problem).__name__}: {problem})", source=source) from None
    if type(loaded) is not type(broker):
        raise SnapshotVersionError(f"{source}: holds a {type(loaded).__name__}, not a {type(broker).__name__}",
                                   source=source)
    return vars(loaded)


def install_state(broker, state: dict) -> None:
    """Make ``state`` the broker's attributes. The unpickled broker object and ``broker`` then share one attribute
    dict, so the callbacks bound to the unpickled object (clock queue, engine hooks) act on ``broker``'s state."""
    for key in TRANSIENT:
        if key in vars(broker):
            state[key] = vars(broker)[key]
    broker.__dict__ = state


def capture(broker, name: str) -> Snapshot:
    check_name(name)
    payload = dump_state(broker)
    return Snapshot(name, broker.now_ns(), payload, hashlib.sha256(payload).hexdigest(), summarize(broker))


def apply(broker, snapshot: Snapshot) -> None:
    """Put the broker in the snapshot's state (checked and loaded first: on any error nothing changes)."""
    check_format(snapshot.format, f"snapshot {snapshot.name!r}")
    snapshot.verify(f"snapshot {snapshot.name!r}")
    install_state(broker, load_state(broker, snapshot.payload, f"snapshot {snapshot.name!r}"))


# ----- where snapshots live ----------------------------------------------------------------------------------------

class SnapshotStore(Protocol):
    def put(self, snapshot: Snapshot) -> None: ...
    def get(self, name: str) -> Snapshot: ...
    def names(self) -> list[str]: ...
    def infos(self) -> list[SnapshotInfo]: ...
    def delete(self, name: str) -> None: ...


class MemoryStore:
    """Snapshots in memory, in the order they were saved (saving a name again replaces it, at the end)."""

    def __init__(self) -> None:
        self._items: dict[str, Snapshot] = {}

    def put(self, snapshot: Snapshot) -> None:
        self._items.pop(snapshot.name, None)
        self._items[snapshot.name] = snapshot

    def get(self, name: str) -> Snapshot:
        try:
            return self._items[name]
        except KeyError:
            raise SnapshotNotFound(f"snapshot={name!r}: no such snapshot (saved: "
                                   f"{', '.join(self._items) or 'none'})", snapshot=name) from None

    def names(self) -> list[str]:
        return list(self._items)

    def infos(self) -> list[SnapshotInfo]:
        return [s.info() for s in self._items.values()]

    def delete(self, name: str) -> None:
        self.get(name)
        del self._items[name]


def store_of(broker) -> SnapshotStore:
    store = vars(broker).get("_snapshot_store")
    if store is None:
        store = vars(broker)["_snapshot_store"] = MemoryStore()
    return store


# ----- the broker-facing operations (MockBroker's methods delegate here) -------------------------------------------

def take(broker, name: str) -> SnapshotInfo:
    snapshot = capture(broker, name)
    store_of(broker).put(snapshot)
    return snapshot.info()


def restore(broker, name: str) -> SnapshotInfo:
    snapshot = store_of(broker).get(check_name(name))
    apply(broker, snapshot)
    return snapshot.info()


def listing(broker) -> list[SnapshotInfo]:
    return store_of(broker).infos()


def delete(broker, name: str) -> None:
    store_of(broker).delete(check_name(name))


def diff_named(broker, before: str, after: str | None = None) -> "StateDiff":
    """What changed from snapshot ``before`` to snapshot ``after`` (or to now, when ``after`` is None)."""
    store = store_of(broker)
    old = store.get(check_name(before)).summary
    new = store.get(check_name(after)).summary if after is not None else summarize(broker)
    return diff(old, new, before, after or "now")


def rewind(broker, to_ns: int) -> SnapshotInfo:
    """Step the clock back to ``to_ns``: restore the latest snapshot at or before it, then run forward to it."""
    if isinstance(to_ns, bool) or not isinstance(to_ns, int):
        raise InvalidArgument("to_ns", to_ns, "must be a time in nanoseconds")
    if to_ns > broker.now_ns():
        raise NotInThePast(f"to_ns={to_ns}: {iso(to_ns) if to_ns < 2**63 else 'that'} is later than now "
                           f"({iso(broker.now_ns())}); rewind steps back, advance moves forward", to_ns=to_ns)
    store = store_of(broker)
    candidates = [i for i in store.infos() if i.time_ns <= to_ns]
    if not candidates:
        raise SnapshotNotFound(f"no snapshot was taken at or before {iso(to_ns)}: nothing to step back to",
                               time=iso(to_ns))
    best = max(candidates, key=lambda i: i.time_ns)
    info = restore(broker, best.name)
    if to_ns > broker.now_ns():  # back to the snapshot, then forward to the moment asked for
        broker.advance((to_ns - broker.now_ns()) / NS_PER_SECOND)
    return info


# ----- files -------------------------------------------------------------------------------------------------------

def write_file(snapshot: Snapshot, path: str | os.PathLike) -> Path:
    """Write atomically: a temporary file next to the target, fsync, rename."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(target.parent or "."))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(snapshot.to_bytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_file(path: str | os.PathLike) -> Snapshot:
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise SnapshotNotFound(f"{source}: no such snapshot file", source=source) from None
    return Snapshot.from_bytes(data, source)


def export_file(broker, name: str, path: str | os.PathLike) -> Path:
    return write_file(store_of(broker).get(check_name(name)), path)


def import_file(broker, path: str | os.PathLike, name: str | None = None) -> SnapshotInfo:
    """Read a snapshot file into the broker's store (checked first; the broker's state is not touched)."""
    snapshot = read_file(path)
    load_state(broker, snapshot.payload, str(path))  # refuse now what restore would refuse later
    if name is not None and name != snapshot.name:
        snapshot = Snapshot(check_name(name), snapshot.time_ns, snapshot.payload, snapshot.checksum,
                            snapshot.summary, snapshot.format, snapshot.taken_at)
    store_of(broker).put(snapshot)
    return snapshot.info()


# ----- the readable summary ----------------------------------------------------------------------------------------

def _money(value) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def _order_summary(order) -> dict:
    return {"id": order.id, "symbol": order.symbol, "side": order.side.value, "type": order.type.value,
            "qty": order.qty, "filled_qty": order.filled_qty, "status": order.status.value,
            "limit_price": None if order.limit_price is None else str(order.limit_price),
            "stop_price": None if order.stop_price is None else str(order.stop_price),
            "avg_price": None if order.filled_avg_price is None else str(order.filled_avg_price)}


def summarize(broker) -> dict:
    """What a tester sees, through the ``Broker`` API only: clock, accounts (cash, positions, orders), prices."""
    accounts = {}
    ids = _account_ids(broker)
    for account in ids:
        view = broker.get_account(account)
        orders = broker.list_orders(account=account, status="all")
        accounts[account] = {
            "cash": _money(view.cash), "realized_pl": _money(view.realized_pl), "fees": _money(view.fees_paid),
            "positions": {p.symbol: {"qty": p.qty, "avg_price": str(p.avg_entry_price)}
                          for p in broker.list_positions(account=account) if p.qty},
            "orders": [_order_summary(o) for o in orders],
            "fills": len(broker.list_fills(account=account)),
        }
    prices = {}
    for symbol in _symbols(broker):
        quote = broker.get_quote(symbol)
        state = broker.market_state(symbol)
        prices[symbol] = {"bid": str(quote.bid), "ask": str(quote.ask), "last": str(quote.last),
                          "mid": str(state.mid), "halted": bool(state.halted)}
    return {"format": FORMAT, "clock_ns": broker.now_ns(), "clock": iso(broker.now_ns()), "seed": broker.seed,
            "accounts": accounts, "prices": prices}


def _account_ids(broker) -> list[str]:
    ledger = getattr(broker, "ledger", None)
    if ledger is not None and hasattr(ledger, "accounts"):
        return sorted(ledger.accounts)
    return sorted(broker.state().get("accounts", {}))


def _symbols(broker) -> list[str]:
    market = getattr(broker, "market", None)
    if market is not None and hasattr(market, "symbols"):
        return sorted(market.symbols)
    return sorted(broker.state().get("market", {}))


# ----- diff in a tester's words ------------------------------------------------------------------------------------

def dollars(amount: str | None) -> str:
    if amount is None:
        return "none"
    value = Decimal(amount)
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def _shares(qty: int) -> str:
    if qty == 0:
        return "no shares"
    return f"{qty:,} shares" if qty > 0 else f"short {-qty:,} shares"


def _order_words(order: dict) -> str:
    kind = order["type"].replace("_", " ")
    price = f" at {dollars(order['limit_price'])}" if order.get("limit_price") else ""
    return f"{order['side']} {order['qty']:,} {order['symbol']} {kind}{price}"


def _span(ns: int) -> str:
    seconds = abs(ns) / NS_PER_SECOND
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size or unit == "second":
            amount = f"{seconds / size:.4g}"
            return f"{amount} {unit}{'' if amount == '1' else 's'}"
    raise AssertionError("unreachable")


def diff(old: dict, new: dict, before: str = "before", after: str = "after") -> StateDiff:
    changes: list[Change] = []
    if old["clock_ns"] != new["clock_ns"]:
        delta = new["clock_ns"] - old["clock_ns"]
        direction = "later" if delta > 0 else "earlier"
        changes.append(Change("the clock", old["clock"], new["clock"],
                              f"the clock moved from {old['clock']} to {new['clock']} ({_span(delta)} {direction})"))
    old_accounts, new_accounts = old["accounts"], new["accounts"]
    for account in sorted(set(old_accounts) | set(new_accounts)):
        a, b = old_accounts.get(account), new_accounts.get(account)
        if a is None:
            changes.append(Change(f"the account {account}", None, dollars(b["cash"]),
                                  f"the account {account} was opened with {dollars(b['cash'])} cash"))
            a = {"cash": "0", "positions": {}, "orders": []}
        elif b is None:
            changes.append(Change(f"the account {account}", dollars(a["cash"]), None,
                                  f"the account {account} no longer exists"))
            continue
        changes.extend(_account_changes(account, a, b))
    for symbol in sorted(set(old["prices"]) | set(new["prices"])):
        p, q = old["prices"].get(symbol), new["prices"].get(symbol)
        if p is None or q is None:
            changes.append(Change(f"{symbol} price", p and dollars(p["mid"]), q and dollars(q["mid"]),
                                  f"{symbol} is {'now' if p is None else 'no longer'} traded"))
            continue
        if (p["mid"], p["bid"], p["ask"]) != (q["mid"], q["bid"], q["ask"]):
            changes.append(Change(f"{symbol} price", dollars(p["mid"]), dollars(q["mid"]),
                                  f"{symbol} moved from {dollars(p['bid'])} x {dollars(p['ask'])} to "
                                  f"{dollars(q['bid'])} x {dollars(q['ask'])} (mid {dollars(p['mid'])} -> "
                                  f"{dollars(q['mid'])})"))
        if p["halted"] != q["halted"]:
            word = "halted" if q["halted"] else "trading"
            changes.append(Change(f"{symbol} trading", "halted" if p["halted"] else "trading", word,
                                  f"{symbol} {'was halted' if q['halted'] else 'resumed trading'}"))
    return StateDiff(before, after, tuple(changes))


def _account_changes(account: str, a: dict, b: dict) -> Iterable[Change]:
    if a["cash"] != b["cash"]:
        delta = Decimal(b["cash"]) - Decimal(a["cash"])
        yield Change(f"{account}'s cash", dollars(a["cash"]), dollars(b["cash"]),
                     f"{account}'s cash went from {dollars(a['cash'])} to {dollars(b['cash'])} "
                     f"({'+' if delta >= 0 else '-'}{dollars(str(abs(delta)))})")
    for symbol in sorted(set(a["positions"]) | set(b["positions"])):
        p = a["positions"].get(symbol, {"qty": 0, "avg_price": None})
        q = b["positions"].get(symbol, {"qty": 0, "avg_price": None})
        if p["qty"] != q["qty"]:
            yield Change(f"{account}'s {symbol} position", str(p["qty"]), str(q["qty"]),
                         f"{account}'s {symbol} position went from {_shares(p['qty'])} to {_shares(q['qty'])}")
    old_orders = {o["id"]: o for o in a["orders"]}
    for number, order in enumerate(b["orders"], start=1):
        label = f"{account}'s order {number} ({_order_words(order)})"
        before = old_orders.get(order["id"])
        if before is None:
            yield Change(f"{account}'s orders", None, order["status"],
                         f"new: {label}, now {order['status'].replace('_', ' ')} with {order['filled_qty']:,} "
                         f"of {order['qty']:,} filled")
        elif (before["status"], before["filled_qty"]) != (order["status"], order["filled_qty"]):
            yield Change(f"{account}'s orders", before["status"], order["status"],
                         f"{label} went from {before['status'].replace('_', ' ')} ({before['filled_qty']:,} filled) "
                         f"to {order['status'].replace('_', ' ')} ({order['filled_qty']:,} filled)")
    new_ids = {o["id"] for o in b["orders"]}
    for order in a["orders"]:
        if order["id"] not in new_ids:
            yield Change(f"{account}'s orders", order["status"], None,
                         f"{account}'s order {_order_words(order)} is gone")
