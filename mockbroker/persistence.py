"""Persistence in SQLite: the broker's state survives a crash (``kill -9``) and a restart with the same file.

How: a **checkpoint** (the whole broker state, the same payload a snapshot holds) plus a **journal** of every
call made on the broker since that checkpoint. The engine is deterministic, so loading the checkpoint and
replaying the journal rebuilds exactly the state the process had -- every order, fill, position, balance, and
the clock with its pending events -- and the simulation continues from there.

Rules:
- A call is journaled (inserted and committed, ``synchronous=FULL``) inside the call, before it returns: the
  service answers ``POST /v2/orders`` only after the order is on disk. A call that raised is journaled too (it
  is replayed the same way and raises the same way), so replay never diverges.
- Calls that replace the state (configure, reset, restore, rewind) write a checkpoint instead and drop the
  journal before it; a checkpoint is also written every ``CHECKPOINT_EVERY`` journal entries, to keep restarts fast.
- Named snapshots live in the same file (table ``snapshots``) and survive restarts.
- WAL journal mode; one process per file (``locking_mode=EXCLUSIVE``): a second server on the same file is refused.
- Everything is sealed and checked before the file is used (``mockbroker/integrity.py``: chained journal
  checksums, sealed checkpoint and snapshots, a generation counter and a tail mark beside the file). A damaged,
  truncated, incomplete, foreign or differently versioned file is refused with a typed ``PersistenceError``
  naming the file and the damage, and nothing is written to it or beside it. ``open_broker(..., recover=True)``
  (``serve --recover``) keeps what verifies instead, moves the damaged files aside and says what was dropped.
- Read-only calls (``get_*``, ``list_*``, ``READ_ONLY``) are not journaled; any other public call is, so a call
  the engine gains later is persisted without a change here.
- Fail-stop: when a write fails (disk full, file gone), that call raises ``PersistenceError`` (it was not
  acknowledged) and every later state-changing call is refused, because the file no longer matches the memory.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pickle
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .config import BrokerConfig
from .errors import ERROR_CLASSES, BrokerError
from .integrity import (APPLICATION_ID, SCHEMA_VERSION, Contents, Mark, checkpoint_seal, inspect, journal_link,
                        mark_of, shm_of, snapshot_seal, wal_of)
from .state import (FORMAT, check_format, Snapshot, SnapshotCorrupt, SnapshotInfo, SnapshotNotFound, dump_state,
                    install_state, load_state)

CHECKPOINT_EVERY = 500

READ_ONLY = frozenset({
    "now_ns", "order_events", "event_log_json", "market_state", "state", "configuration_summary", "reconciles",
    "diff_snapshots", "snapshot", "delete_snapshot", "export_snapshot", "portfolio_history",
})
"""Public calls that change no simulation state (``snapshot``/``delete_snapshot`` write the store directly)."""

REPLACES_STATE = frozenset({"configure", "reset", "restore", "rewind", "load_scenario"})

SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE checkpoints (id INTEGER PRIMARY KEY, journal_seq INTEGER NOT NULL, time_ns INTEGER NOT NULL, "
    "format INTEGER NOT NULL, checksum TEXT NOT NULL, seal TEXT NOT NULL, payload BLOB NOT NULL)",
    "CREATE TABLE journal (seq INTEGER PRIMARY KEY, method TEXT NOT NULL, call BLOB NOT NULL, text TEXT NOT NULL, "
    "time_ns INTEGER NOT NULL, link TEXT NOT NULL)",
    "CREATE TABLE snapshots (name TEXT PRIMARY KEY, position INTEGER NOT NULL, time_ns INTEGER NOT NULL, "
    "format INTEGER NOT NULL, checksum TEXT NOT NULL, summary TEXT NOT NULL, seal TEXT NOT NULL, "
    "payload BLOB NOT NULL)",
)

# SQLite's lock bytes (unix VFS): a connection holding the file exclusively has a write lock on the shared range
_SHARED_FIRST = 0x40000000 + 2
_SHARED_SIZE = 510


class PersistenceError(BrokerError):
    code = "persistence_error"
    http_status = 500


class DatabaseCorrupt(PersistenceError):
    """The file is damaged, truncated or incomplete (nothing was written to it or beside it)."""

    code = "database_corrupt"


class DatabaseVersionError(PersistenceError):
    """The file was written by another mockbroker schema, or is not a mockbroker database."""

    code = "database_version"


class DatabaseLocked(PersistenceError):
    code = "database_locked"
    http_status = 503


for _cls in (PersistenceError, DatabaseCorrupt, DatabaseVersionError, DatabaseLocked):
    ERROR_CLASSES.setdefault(_cls.code, _cls)

_OPEN: dict[tuple[int, int], str] = {}
"""Files this process has open (device, inode): checked before any other process-level probe, because closing
any descriptor of a file drops the POSIX locks SQLite holds on it in this process."""


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino


def _refuse_if_in_use(path: Path) -> None:
    identity = _identity(path)
    if identity is None:
        return
    if identity in _OPEN:
        raise DatabaseLocked(f"{path}: in use by another mockbroker broker in this process", path=str(path))
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, _SHARED_SIZE, _SHARED_FIRST, os.SEEK_SET)
        except OSError:
            raise DatabaseLocked(f"{path}: in use by another mockbroker process", path=str(path)) from None
        fcntl.lockf(fd, fcntl.LOCK_UN, _SHARED_SIZE, _SHARED_FIRST, os.SEEK_SET)
    finally:
        os.close(fd)


def refusal(contents: Contents) -> PersistenceError:
    """The typed error for a file with problems: a version problem first, else damage."""
    cls = DatabaseVersionError if any(p.kind == "version" for p in contents.problems) else DatabaseCorrupt
    return cls(contents.describe(), path=str(contents.path), problems=[p.text for p in contents.problems])


class Database:
    """One mockbroker SQLite file: checkpoints, the journal, named snapshots, their seals and the tail mark.

    ``Database(path)`` checks the file first (``integrity.inspect``, on a private copy) and refuses it with a typed
    error before anything is written; ``contents`` passes a check already made."""

    def __init__(self, path: str | os.PathLike, contents: Contents | None = None) -> None:
        self.path = Path(path)
        _refuse_if_in_use(self.path)
        if contents is None:
            contents = inspect(self.path)
        if contents.problems:
            raise refusal(contents)
        self.contents = contents
        self.lock = threading.RLock()
        try:
            self.connection = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                              timeout=0.5)
            c = self.connection
            c.execute("PRAGMA locking_mode=EXCLUSIVE")  # one process per file; released when the process dies
            mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            c.execute("PRAGMA synchronous=FULL")
            c.execute("BEGIN IMMEDIATE")
            if contents.new:
                c.execute(f"PRAGMA application_id={APPLICATION_ID}")
                for statement in SCHEMA:
                    c.execute(statement)
                c.executemany("INSERT INTO meta VALUES (?, ?)", [("schema_version", str(SCHEMA_VERSION)),
                                                                  ("generation", "0"), ("last_link", "")])
                c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            else:
                now = int(c.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
                if now != contents.generation:
                    raise DatabaseLocked(f"{self.path}: changed while it was being checked (change #{now}, "
                                         f"checked #{contents.generation})", path=str(self.path))
            c.execute("COMMIT")
        except sqlite3.OperationalError as problem:
            self._close_quietly()
            if "locked" in str(problem) or "busy" in str(problem):
                raise DatabaseLocked(f"{self.path}: in use by another mockbroker process", path=str(self.path)) \
                    from None
            raise
        except BaseException:
            self._close_quietly()
            raise
        if mode.lower() != "wal":
            self._close_quietly()
            raise PersistenceError(f"{self.path}: could not switch to WAL mode (got {mode})")
        self._identity = _identity(self.path)
        _OPEN[self._identity] = str(self.path)
        self.generation = contents.generation
        self.checkpoint_id = contents.checkpoint.id if contents.checkpoint is not None else 0
        self.last_seq = contents.last_seq
        self.last_link = contents.last_link
        self._since_checkpoint = len(contents.journal)
        self._mark_fd = os.open(mark_of(self.path), os.O_RDWR | os.O_CREAT, 0o644)

    def _close_quietly(self) -> None:
        connection = getattr(self, "connection", None)
        if connection is not None:
            try:
                connection.close()
            except sqlite3.Error:
                pass

    def close(self) -> None:
        """Close cleanly: fold the WAL into the file and record the clean close (a later start then accepts the
        file without its mark, e.g. when only the database file is copied elsewhere)."""
        if getattr(self, "_closed", False):
            return
        self._closed = True
        try:
            with self.lock:
                c = self.connection
                c.execute("INSERT OR REPLACE INTO meta VALUES ('clean_close', ?)", (str(self.generation),))
                c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._write_mark()
        except (sqlite3.Error, OSError):
            pass  # a failed close leaves the file as a crash does: the next start checks it the same way
        finally:
            _OPEN.pop(self._identity, None)
            os.close(self._mark_fd)
            self._close_quietly()

    # ----- writing: every transaction raises the generation; the mark follows each commit
    def _commit(self, c: sqlite3.Connection) -> None:
        self.generation += 1
        c.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                      [("generation", str(self.generation)), ("last_link", self.last_link)])
        c.execute("COMMIT")
        self._write_mark()

    def _write_mark(self) -> None:
        os.pwrite(self._mark_fd, Mark(self.generation, self.checkpoint_id, self.last_seq, self.last_link).to_bytes(),
                  0)

    # ----- checkpoints and journal
    def checkpoint(self, broker) -> None:
        payload = dump_state(broker)
        checksum = hashlib.sha256(payload).hexdigest()
        with self.lock:
            c = self.connection
            c.execute("BEGIN IMMEDIATE")
            try:
                cid, now = self.checkpoint_id + 1, broker.now_ns()
                seal = checkpoint_seal(cid, self.last_seq, now, FORMAT, checksum)
                c.execute("INSERT INTO checkpoints VALUES (?,?,?,?,?,?,?)",
                          (cid, self.last_seq, now, FORMAT, checksum, seal, payload))
                c.execute("DELETE FROM checkpoints WHERE id < ?", (cid,))
                c.execute("DELETE FROM journal WHERE seq <= ?", (self.last_seq,))
            except BaseException:
                c.execute("ROLLBACK")
                raise
            self.checkpoint_id, self.last_link = cid, seal
            self._commit(c)
            self._since_checkpoint = 0
            # fold the WAL into the file now: a -wal lost later then takes at most the calls since this checkpoint
            c.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def append(self, broker, method: str, args: tuple, kwargs: dict) -> None:
        call = pickle.dumps((args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        text = f"{method}({', '.join([repr(a) for a in args] + [f'{k}={v!r}' for k, v in kwargs.items()])})"[:2000]
        with self.lock:
            seq, now = self.last_seq + 1, broker.now_ns()
            link = journal_link(self.last_link, seq, method, call, text, now)
            c = self.connection
            c.execute("BEGIN IMMEDIATE")
            try:
                c.execute("INSERT INTO journal VALUES (?,?,?,?,?,?)", (seq, method, call, text, now, link))
            except BaseException:
                c.execute("ROLLBACK")
                raise
            self.last_seq, self.last_link = seq, link
            self._commit(c)  # durable on return (synchronous=FULL)
            self._since_checkpoint += 1
        if self._since_checkpoint >= CHECKPOINT_EVERY:
            self.checkpoint(broker)

    # ----- named snapshots
    def put_snapshot(self, snapshot: Snapshot) -> None:
        summary = json.dumps(snapshot.summary, separators=(",", ":"))
        with self.lock:
            c = self.connection
            c.execute("BEGIN IMMEDIATE")
            try:
                position = c.execute("SELECT coalesce(max(position), 0) + 1 FROM snapshots").fetchone()[0]
                seal = snapshot_seal(snapshot.name, position, snapshot.time_ns, snapshot.format, snapshot.checksum,
                                     summary)
                c.execute("INSERT OR REPLACE INTO snapshots VALUES (?,?,?,?,?,?,?,?)",
                          (snapshot.name, position, snapshot.time_ns, snapshot.format, snapshot.checksum, summary,
                           seal, snapshot.payload))
            except BaseException:
                c.execute("ROLLBACK")
                raise
            self._commit(c)

    def get_snapshot(self, name: str) -> Snapshot:
        row = self.connection.execute("SELECT position, time_ns, format, checksum, summary, seal, payload "
                                      "FROM snapshots WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise SnapshotNotFound(f"snapshot={name!r}: no such snapshot (saved: "
                                   f"{', '.join(self.snapshot_names()) or 'none'})", snapshot=name)
        position, time_ns, fmt, checksum, summary, seal, payload = row
        if seal != snapshot_seal(name, position, time_ns, fmt, checksum, summary):
            raise SnapshotCorrupt(f"snapshot {name!r} in {self.path}: its record was edited or damaged")
        try:
            summary = json.loads(summary)
        except ValueError:
            raise SnapshotCorrupt(f"snapshot {name!r} in {self.path}: unreadable summary") from None
        return Snapshot(name, time_ns, bytes(payload), checksum, summary, fmt)

    def snapshot_names(self) -> list[str]:
        return [r[0] for r in self.connection.execute("SELECT name FROM snapshots ORDER BY position")]

    def snapshot_infos(self) -> list[SnapshotInfo]:
        return [self.get_snapshot(name).info() for name in self.snapshot_names()]

    def delete_snapshot(self, name: str) -> None:
        with self.lock:
            c = self.connection
            c.execute("BEGIN IMMEDIATE")
            if c.execute("DELETE FROM snapshots WHERE name = ?", (name,)).rowcount == 0:
                c.execute("ROLLBACK")
                raise SnapshotNotFound(f"snapshot={name!r}: no such snapshot", snapshot=name)
            self._commit(c)


def build(factory: Callable[[], Any], checkpoint, journal: list, source: str) -> Any:
    """A broker from a checked checkpoint and journal: unpickle the state, then replay the calls in order."""
    check_format(checkpoint.format, source)
    broker = factory()
    install_state(broker, load_state(broker, checkpoint.payload, source))
    for row in journal:
        args, kwargs = row.calls()
        try:
            getattr(broker, row.method)(*args, **kwargs)
        except Exception:  # noqa: BLE001 - it raised the first time too: replay reproduces the call, refusals included
            pass
    return broker


class SqliteStore:
    """``mockbroker.state.SnapshotStore`` over a ``Database``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def __reduce__(self):
        """A copy or pickle of a persistent broker (``copy.deepcopy``, ``pickle.dumps``) is an in-memory broker:
        it gets an empty in-memory store, not a second handle on the file."""
        from .state import MemoryStore

        return MemoryStore, ()

    def put(self, snapshot: Snapshot) -> None:
        self.database.put_snapshot(snapshot)

    def get(self, name: str) -> Snapshot:
        return self.database.get_snapshot(name)

    def names(self) -> list[str]:
        return self.database.snapshot_names()

    def infos(self) -> list[SnapshotInfo]:
        return self.database.snapshot_infos()

    def delete(self, name: str) -> None:
        self.database.delete_snapshot(name)


def attach_store(broker, database: Database) -> None:
    vars(broker)["_snapshot_store"] = SqliteStore(database)


class PersistentBroker:
    """A broker whose every state-changing call is on disk before it returns. Reads pass straight through."""

    def __init__(self, broker, database: Database) -> None:
        object.__setattr__(self, "_broker", broker)
        object.__setattr__(self, "_database", database)
        object.__setattr__(self, "_failure", None)
        attach_store(broker, database)

    @property
    def database(self) -> Database:
        return self._database

    @property
    def inner(self):
        return self._broker

    def __getattr__(self, name: str):
        value = getattr(self._broker, name)
        if name.startswith("_") or not callable(value) or name in READ_ONLY \
                or name.startswith(("get_", "list_")):
            return value

        def journaled(*args, **kwargs):
            if self._failure is not None:  # fail-stop: the file no longer matches the state in memory
                raise PersistenceError(f"{self._database.path}: writing failed earlier ({self._failure}); the "
                                       f"state is not being saved: restart the service with the same --db")
            try:
                return value(*args, **kwargs)
            finally:
                try:
                    if name in REPLACES_STATE:
                        self._database.checkpoint(self._broker)
                    else:
                        self._database.append(self._broker, name, args, kwargs)
                except (sqlite3.Error, OSError, pickle.PicklingError) as problem:
                    object.__setattr__(self, "_failure", f"{type(problem).__name__}: {problem}")
                    raise PersistenceError(f"{self._database.path}: could not save {name}() ({problem}); the "
                                           f"call was not acknowledged") from None

        journaled.__name__ = name
        return journaled

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._broker, name, value)

    def close(self) -> None:
        self._database.close()


def _engine(factory: type | None) -> type:
    if factory is not None:
        return factory
    from .broker import MockBroker

    return MockBroker


def open_broker(path: str | os.PathLike, config: BrokerConfig | None = None,
                factory: type | None = None) -> tuple[PersistentBroker, bool]:
    """The persistent broker of ``path``: its saved state when it has one (``config`` is then ignored), else a
    new broker from ``config``. Returns ``(broker, resumed)``. A file with any problem is refused with a typed
    ``PersistenceError`` before anything is written to it or beside it (see ``recover_broker``)."""
    path = Path(path)
    _refuse_if_in_use(path)
    contents = inspect(path)
    if contents.problems:
        raise refusal(contents)
    return _open(path, contents, config, _engine(factory))


def _open(path: Path, contents: Contents, config: BrokerConfig | None, factory: type) -> tuple[PersistentBroker, bool]:
    broker = None
    if contents.checkpoint is not None:  # unpickled and replayed before the file is opened for writing
        broker = build(lambda: factory.__new__(factory), contents.checkpoint, contents.journal,
                       f"{path} (checkpoint)")
    database = Database(path, contents)
    contents.checkpoint, contents.journal = None, []  # the payload is not kept in memory
    try:
        if broker is not None:
            return PersistentBroker(broker, database), True
        broker = factory(config or BrokerConfig())
        database.checkpoint(broker)
        return PersistentBroker(broker, database), False
    except BaseException:
        database.close()
        raise


@dataclass
class RecoveryReport:
    """What ``recover_broker`` kept, dropped and moved aside (``str()`` is the text ``serve --recover`` prints)."""

    path: Path
    problems: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    moved: list[Path] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.problems:
            return f"--recover {self.path}: the file verifies; nothing was dropped"
        lines = [f"--recover {self.path}: recovered what verifies", "problems found:"]
        lines += [f"  - {p}" for p in self.problems]
        lines += ["kept:"] + [f"  - {k}" for k in self.kept or ["nothing"]]
        lines += ["dropped:"] + [f"  - {d}" for d in self.dropped or ["nothing"]]
        lines += ["the damaged files, unchanged, were moved to:"] + [f"  - {m}" for m in self.moved]
        return "\n".join(lines)


def recover_broker(path: str | os.PathLike, config: BrokerConfig | None = None,
                   factory: type | None = None) -> tuple[PersistentBroker, RecoveryReport]:
    """Open ``path`` keeping what verifies: the checkpoint and the journal up to the first entry that does not
    verify, and every snapshot that verifies (without a good checkpoint the broker starts from ``config``). The
    damaged files are moved aside unchanged (``<db>.damaged-<time>``, with their ``-wal`` and mark), a new file is
    written in their place, and the report says what was dropped. A healthy file opens as ``open_broker`` does;
    a file of another schema or application is refused as there (it is not damaged)."""
    path, factory = Path(path), _engine(factory)
    _refuse_if_in_use(path)
    contents = inspect(path)
    report = RecoveryReport(path, [p.text for p in contents.problems])
    if not contents.problems:
        return _open(path, contents, config, factory)[0], report
    if any(p.kind == "version" for p in contents.problems):
        raise refusal(contents)
    report.dropped = list(contents.dropped)
    broker = None
    checkpoint, journal = contents.checkpoint, contents.journal
    if checkpoint is not None:
        broker = build(lambda: factory.__new__(factory), checkpoint, journal, f"{path} (checkpoint)")
        span = f" and {len(journal)} journal entries after it (seq {journal[0].seq}..{journal[-1].seq})" \
            if journal else " (no journal entries after it verify)" if contents.dropped else ""
        report.kept.append(f"the broker's state of checkpoint {checkpoint.id}{span}")
    else:
        broker = factory(config or BrokerConfig())
        report.kept.append("none of the saved broker state: the broker starts from the configuration")
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for source, suffix in ((path, ""), (wal_of(path), "-wal"), (shm_of(path), "-shm"), (mark_of(path), "-mark")):
        if source.exists():
            target = path.with_name(f"{path.name}.damaged-{stamp}{suffix}")
            os.replace(source, target)
            report.moved.append(target)
    database = Database(path, Contents(path, new=True))
    try:
        database.checkpoint(broker)
        for row in contents.snapshots:
            database.put_snapshot(Snapshot(row.name, row.time_ns, row.payload, row.checksum, json.loads(row.summary),
                                           row.format))
            report.kept.append(f"snapshot {row.name!r}")
    except BaseException:
        database.close()
        raise
    return PersistentBroker(broker, database), report
